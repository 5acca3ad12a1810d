"""The ledger page at scale: an archive of 100,000 runs, its refresh's requests, and page times after it.

Seeds the scenario of ``bench/scale.py`` (N runs, N manifest items: records as the SDK and we write
them, 10 live claims, 5 expired, 10 pending), then:

* **first fill**: one refresh of the ledger through :class:`~airflow_provider_snowplow.ledger.cache.LedgerCache`,
  its requests counted by operation on the server, and its wall time, on moto's own costs (every
  prefix listing walks all keys of the bucket, one request at a time);
* **a refresh on S3-like costs**: the same refresh with listings indexed and a 20 ms round trip per
  request (:mod:`s3_costs`), closer to what it takes against S3 and DynamoDB;
* **pages after it**: the ledger app (its real routes and templates, FastAPI's TestClient; the auth
  dependency is overridden, the rest is what the API server runs) serving the HTML page and the
  JSON, unfiltered, filtered by state, by a week, and the last page of loaded runs: the median of
  5 requests each. Target: under 1 s each.

Usage: ``.venv/bin/python bench/ledger.py [--runs 100000]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from common import BUCKET, TABLE, BenchAws, check, print_footer, print_header, print_table, seed_scenario
from scale import full_manifest

from airflow_provider_snowplow.aws.runners import run_sync
from airflow_provider_snowplow.ledger.cache import LedgerCache
from airflow_provider_snowplow.ledger.detail import inspect_run
from airflow_provider_snowplow.ledger.runs import LedgerRun
from airflow_provider_snowplow.ledger.spec import LedgerSpec
from airflow_provider_snowplow.ledger.survey import RequestTally, counted, survey_ledger
from airflow_provider_snowplow.ui.sources import FoundLedgers

PAGE_TARGET_SECONDS = 1.0
REPEATS = 5


def median_seconds(request: Callable[[], Any]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        request()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_pages(
    spec: LedgerSpec, cache: LedgerCache, inspect: Callable[..., Any], counts: dict[str, int]
) -> tuple[bool, list[list[str]]]:
    """Median time of each view, served from the filled cache through the app's routes."""
    from fastapi.testclient import TestClient

    from airflow_provider_snowplow.ui import app as ledger_app

    service = ledger_app.LedgerService(
        find=lambda: FoundLedgers([spec]),
        cache=cache,
        inspect=inspect,
        readable=lambda user: {"snowplow_load_runs"},
    )
    app = ledger_app.create_app(service)
    app.dependency_overrides[ledger_app._api_user] = lambda: "bench"
    app.dependency_overrides[ledger_app._page_user] = lambda: "bench"
    pages = (counts["loaded"] + 49) // 50
    views = {
        "page, unfiltered": f"/ledgers/{spec.key}",
        "page, state=pending": f"/ledgers/{spec.key}?state=pending",
        "page, one week": f"/ledgers/{spec.key}?since=2018-06-01&until=2018-06-07",
        f"page, loaded, last page ({pages:,})": f"/ledgers/{spec.key}?state=loaded&page={pages}",
        "JSON, unfiltered": f"/api/ledgers/{spec.key}",
        "JSON, list of ledgers": "/api/ledgers",
    }
    rows = []
    ok = True
    with TestClient(app) as client:
        for name, path in views.items():
            response = client.get(path)
            assert response.status_code == 200, (path, response.text[:300])
            seconds = median_seconds(lambda path=path: client.get(path))  # type: ignore[misc]
            ok &= check(
                f"{name} under {PAGE_TARGET_SECONDS:.0f} s",
                seconds < PAGE_TARGET_SECONDS,
                f"{seconds * 1000:.0f} ms",
            )
            rows.append([name, f"{seconds * 1000:.0f} ms", f"{len(response.content):,} bytes"])
    return ok, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=lambda s: int(s.replace("_", "")), default=100_000)
    args = parser.parse_args()
    started = time.perf_counter()
    print_header(f"Ledger page at scale: {args.runs:,} runs, {args.runs:,} manifest items")
    with BenchAws() as aws:
        scenario = seed_scenario(aws, args.runs, "bulk", full_manifest)
        print(scenario.describe_seeding() + "\n")
        clients = {"s3": aws.client("s3"), "dynamodb": aws.client("dynamodb")}
        spec = LedgerSpec.build(
            {
                "archive_url": scenario.archive_url,
                "table_name": TABLE,
                "ready_marker": None,
                "settle_seconds": 0,
                "dag_ids": ["snowplow_load_runs"],
            }
        )
        tally = RequestTally()

        def refresh(ledger: LedgerSpec) -> Any:
            plan = survey_ledger(ledger.archive, ledger.table_name, ledger.run_layout(), time.time())
            return run_sync(counted(plan, tally), clients)

        def inspect(ledger: LedgerSpec, run: LedgerRun) -> Any:
            return run_sync(inspect_run(ledger.archive, ledger.run_layout(), run, time.time()), clients)

        cache = LedgerCache(refresh, max_age=3600, background=False)
        aws.request_counts(reset=True)
        start = time.perf_counter()
        filled = cache.get(spec)
        fill_seconds = time.perf_counter() - start
        served = dict(sorted(aws.request_counts(reset=True).items()))
        assert filled.snapshot is not None, filled.error
        counts = filled.snapshot.counts
        print(f"first fill: {fill_seconds:.2f} s, counts {counts}")
        print(f"requests (server): {served}; (client tally): {tally.as_dict()}")
        aws.set_s3_costs(True, 20.0)
        start = time.perf_counter()
        again = cache.refresh(spec)
        s3_like_seconds = time.perf_counter() - start
        aws.set_s3_costs(False, 0.0)
        s3_like = dict(sorted(aws.request_counts(reset=True).items()))
        assert again.snapshot is not None and again.snapshot.counts == counts, again.error
        print(
            f"refresh on S3-like costs (indexed listings, 20 ms a request): {s3_like_seconds:.2f} s, {s3_like}\n"
        )
        ok, rows = time_pages(spec, cache, inspect, counts)
        requests_after = sum(aws.request_counts(reset=True).values())
        ok &= check(
            "pages after the first fill make no AWS request",
            requests_after == 0,
            f"{requests_after} requests",
        )
        print_table(["view", f"median of {REPEATS}", "response"], rows)
        print(
            f"\nrefresh: {sum(served.values())} requests {served} (bucket {BUCKET}); {fill_seconds:.2f} s on moto's"
        )
        print(f"own costs, {s3_like_seconds:.2f} s on S3-like costs")
    print_footer(started)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
