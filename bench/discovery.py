"""Pending-run discovery: ours against Snowplow SDK 0.2.3's loop, same server, same data.

For each size N: an archive of N runs (one tiny object each) of which all but 10 have an
SDK-style record in the manifest. Measured, with requests counted on the server:

* ours: ``LoadManifest(s3, dynamodb, table).find_pending_runs(archive_url)`` with ``how="auto"``,
  and with each strategy forced (``batch_get``, ``scan``);
* the SDK: ``for run_id in list_runids(s3, url): if not is_in_manifest(dynamodb, table, run_id)``,
  run by ``.venv-sdk/bin/python`` (its ``list_runids`` makes one storage-class call per run: part of
  its real cost, kept).

Both must find the same 10 runs. Target, at N = 10,000: ours makes at most
ceil(N/1000) + ceil(N/100) + pending + 5 requests and is at least 20x faster than the SDK loop.

Usage: ``.venv/bin/python bench/discovery.py [--sizes 1000,10000] [--repeat 3] [--sdk-repeat 1]``
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from common import (
    BENCH_READINESS,
    BenchAws,
    Measurement,
    Scenario,
    check,
    format_requests,
    measure,
    parse_sizes,
    print_footer,
    print_header,
    print_table,
    request_bound,
    sdk_pending_runs,
    seed_scenario,
    spread,
    timed,
)

from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.manifest.discovery import RunDiscovery
from airflow_provider_snowplow.testing.archive import sdk_record

PENDING = 10
TARGET_SIZE = 10_000
TARGET_SPEEDUP = 20.0
STRATEGIES = ("auto", "batch_get", "scan")


def all_but_some_loaded(run_ids: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """SDK-style records for every run except :data:`PENDING` spread over the archive."""
    pending = spread(run_ids, PENDING)
    skip = set(pending)
    return [sdk_record(r) for r in run_ids if r not in skip], pending


def measure_ours(aws: BenchAws, scenario: Scenario, how: str, repeat: int) -> Measurement:
    """Our discovery with one manifest strategy; asserts it finds exactly the pending runs."""
    manifest = LoadManifest(
        aws.client("s3"), aws.client("dynamodb"), scenario.table_name, readiness=BENCH_READINESS
    )
    found: RunDiscovery
    found, measured = measure(
        aws,
        f"ours ({how})",
        repeat,
        lambda: timed(lambda: manifest.find_pending_runs(scenario.archive_url, how=how)),  # type: ignore[arg-type]
    )
    assert found.pending == scenario.pending, f"ours ({how}) found {found.pending}"
    if how == "auto":
        return Measurement(f"ours (auto: {found.manifest_read})", measured.seconds, measured.requests)
    return measured


def measure_sdk(aws: BenchAws, scenario: Scenario, repeat: int) -> Measurement:
    """The SDK loop in its venv; asserts it finds the same runs as ours."""
    pending, measured = measure(aws, "SDK 0.2.3 loop", repeat, lambda: sdk_pending_runs(aws, scenario))
    assert sorted(pending) == scenario.pending, f"the SDK found {pending}"
    return measured


def report(size: int, scenario: Scenario, ours: list[Measurement], sdk: Measurement) -> bool:
    """The table for one size, and the target's checks; True if they pass (or do not apply)."""
    print(f"## N = {size:,} runs, {len(scenario.pending)} pending\n")
    print(scenario.describe_seeding() + "\n")
    rows = [
        [
            m.label,
            f"{m.median:.3f} ({m.best:.3f})",
            format_requests(m.requests),
            f"{m.total_requests:,}",
            f"{sdk.median / m.median:,.0f}x" if m is not sdk else "",
            f"{sdk.total_requests / m.total_requests:,.1f}x" if m is not sdk else "",
        ]
        for m in [*ours, sdk]
    ]
    print_table(
        [
            "implementation",
            "wall s median (best)",
            "requests by operation",
            "total",
            "time SDK/ours",
            "requests SDK/ours",
        ],
        rows,
    )
    bound = request_bound(size, len(scenario.pending))
    auto = ours[0]
    scope = f"N={size:,}" + ("" if size == TARGET_SIZE else " (informational, target is at N=10,000)")
    ok = check(
        f"{scope} requests",
        auto.total_requests <= bound,
        f"ours (auto) made {auto.total_requests:,}, bound ceil(N/1000)+ceil(N/100)+{len(scenario.pending)}+5 = {bound:,}",
    )
    speedup = sdk.median / auto.median
    ok &= check(
        f"{scope} wall time",
        speedup >= TARGET_SPEEDUP,
        f"ours (auto) {auto.median:.3f} s vs SDK {sdk.median:.2f} s: {speedup:,.0f}x (target >= {TARGET_SPEEDUP:.0f}x)",
    )
    print()
    return ok or size != TARGET_SIZE


def bench_size(aws: BenchAws, size: int, seed: str, repeat: int, sdk_repeat: int) -> bool:
    """Seed one size, measure everything on it, print its table; True if its target holds."""
    scenario = seed_scenario(aws, size, seed, all_but_some_loaded)
    ours = [measure_ours(aws, scenario, how, repeat) for how in STRATEGIES]
    sdk = measure_sdk(aws, scenario, sdk_repeat)
    return report(size, scenario, ours, sdk)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=parse_sizes, default=[1000, 10_000], help="archive sizes, e.g. 1000,10000"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of ours per strategy; the median is reported"
    )
    parser.add_argument(
        "--sdk-repeat", type=int, default=1, help="runs of the SDK loop (~2 min each at 10,000 runs)"
    )
    parser.add_argument(
        "--seed",
        choices=("http", "bulk"),
        default="http",
        help="run objects by boto3 PutObject from 8 threads (http) or straight into moto (bulk)",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    print_header("Pending-run discovery: ours vs Snowplow SDK 0.2.3")
    with BenchAws() as aws:
        results = [bench_size(aws, size, args.seed, args.repeat, args.sdk_repeat) for size in args.sizes]
    passed = all(results)
    print_footer(started)
    print(f"{'PASS' if passed else 'FAIL'}: overall (target checked at N={TARGET_SIZE:,})")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
