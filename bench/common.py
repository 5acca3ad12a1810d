"""What the discovery benchmarks share: the local endpoint, seeding, the SDK runner, timing, tables.

Every figure comes from one moto server child process (:class:`BenchAws`, a
:class:`~airflow_provider_snowplow.testing.local_aws.LocalAws`) that serves requests one at a time and
counts them by operation on the server side, so our code and Snowplow's SDK (in its own venv) are
counted the same way. Run ``python bench/common.py serve PORT`` only through :class:`BenchAws`.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from s3_costs import S3_COSTS_PATH, with_s3_costs

from airflow_provider_snowplow.archive.layouts.readiness import ReadinessRule
from airflow_provider_snowplow.archive.run_ids import sort_run_ids
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing import local_aws
from airflow_provider_snowplow.testing.archive import Archive, batch_write, hourly_timestamp
from airflow_provider_snowplow.testing.local_aws import LocalAws, WsgiApp
from airflow_provider_snowplow.testing.sdk import run_sdk

REPO = Path(__file__).resolve().parents[1]

T = TypeVar("T")
BULK_PUT_PATH = "/_bench/put-objects"
RUN_OBJECT = "part-00000"
RUN_OBJECT_BODY = b"x\n"
BULK_PUT_CHUNK = 20_000
BUCKET = "acme-snowplow"
# Every seeded run is complete: the benchmarks measure what readiness costs (the run listings it
# reads), not waiting for it.
BENCH_READINESS = ReadinessRule(marker=None, settle_seconds=0)
ARCHIVE_PREFIX = "enriched/archive/"
TABLE = "snowplow-load-manifests"


# --- the local endpoint -------------------------------------------------------------------------


def with_bulk_puts(app: WsgiApp) -> WsgiApp:
    """Add ``POST /_bench/put-objects``: many S3 objects straight into moto's backend, uncounted.

    Over HTTP moto spends ~3 ms on each PutObject whatever the client does (the server serialises),
    so 100,000 runs take ~5 minutes to seed; the backend takes ~30,000 objects a second. The keys
    land in the same store as HTTP puts, so listings and storage-class checks see exactly what they
    would. The lock keeps bulk puts from interleaving with requests in flight.
    """
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    lock = threading.Lock()

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with lock:
            if environ.get("PATH_INFO") != BULK_PUT_PATH:
                return app(environ, start_response)
            request = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
            backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
            body = request["body"].encode()
            for object_key in request["keys"]:
                backend.put_object(request["bucket"], object_key, body, storage=request["storage_class"])
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"put": len(request["keys"])}).encode()]

    return wrapped


def serve_with_bulk_puts(port: int) -> None:
    """The core's ``local_aws.serve`` with :func:`with_bulk_puts` in front, and the switchable cost
    model of :mod:`s3_costs` in front of that (in the server process)."""
    counting = local_aws.serialized_counting_app
    local_aws.serialized_counting_app = lambda app: with_s3_costs(with_bulk_puts(counting(app)))
    local_aws.serve(port)


class BenchAws(LocalAws):
    """:class:`LocalAws` whose server also takes bulk puts (see :func:`with_bulk_puts`).

    Only the server command differs; requests are served and counted by the core's own
    ``serialized_counting_app``.
    """

    def server_command(self) -> list[str]:
        return [sys.executable, __file__, "serve", str(self.port)]

    def __enter__(self) -> BenchAws:
        self.start()
        return self

    def set_s3_costs(self, indexed: bool, latency_ms: float) -> None:
        """Switch the endpoint's cost model (see :mod:`s3_costs`); moto's own: ``False, 0``."""
        payload = json.dumps({"indexed": indexed, "latency_ms": latency_ms}).encode()
        request = urllib.request.Request(self.endpoint_url + S3_COSTS_PATH, data=payload, method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()

    def put_objects(self, bucket: str, keys: Sequence[str], storage_class: str = "STANDARD") -> None:
        """Put one small object per key through the bulk endpoint (not counted as requests)."""
        for start in range(0, len(keys), BULK_PUT_CHUNK):
            payload = {
                "bucket": bucket,
                "keys": list(keys[start : start + BULK_PUT_CHUNK]),
                "body": RUN_OBJECT_BODY.decode(),
                "storage_class": storage_class,
            }
            request = urllib.request.Request(
                self.endpoint_url + BULK_PUT_PATH, data=json.dumps(payload).encode(), method="POST"
            )
            with urllib.request.urlopen(request, timeout=600) as response:
                response.read()


def attach(endpoint_url: str) -> LocalAws:
    """A handle on a server another process started: for its clients and counters, not to stop."""
    aws = LocalAws()
    aws.endpoint_url = endpoint_url
    return aws


# --- seeding ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One seeded archive and manifest table on the endpoint.

    Attributes:
        archive_url: ``s3://bucket/prefix/``.
        table_name: the manifest table.
        run_ids: every run of the archive, oldest first.
        pending: the runs a correct discovery must return, oldest first.
        seed_seconds: wall time of seeding, S3 and DynamoDB apart.
        seeded_via: how the run objects were put, ``"http"`` or ``"bulk"``.
        item_count: items written to the manifest table.
    """

    archive_url: str
    table_name: str
    run_ids: list[str]
    pending: list[str]
    seed_seconds: dict[str, float]
    seeded_via: str
    item_count: int

    def describe_seeding(self) -> str:
        s3, dynamodb = self.seed_seconds["s3"], self.seed_seconds["dynamodb"]
        via = "boto3 PutObject, 8 threads" if self.seeded_via == "http" else "bulk, straight into moto"
        return (
            f"Seeded {len(self.run_ids):,} run objects in {s3:.1f} s ({len(self.run_ids) / s3:,.0f}/s, {via}) "
            f"and {self.item_count:,} manifest items in {dynamodb:.1f} s (BatchWriteItem, 8 threads)."
        )


def hourly_run_ids(archive: Archive, count: int) -> list[str]:
    """``count`` run ids an hour apart from 2017-01-01, oldest first (as ``Archive.add_runs``)."""
    return [archive.run_id(hourly_timestamp(hour)) for hour in range(count)]


def spread(run_ids: Sequence[str], count: int) -> list[str]:
    """``count`` runs evenly spread over ``run_ids``, so none of them sits at a convenient end."""
    step = len(run_ids) / count
    return [run_ids[int(i * step + step / 2)] for i in range(count)]


def seed_archive(aws: BenchAws, archive: Archive, count: int, via: str) -> list[str]:
    """Put one tiny object in each of ``count`` run folders: ``via`` ``"http"`` or ``"bulk"``.

    ``http`` is boto3 ``PutObject`` from 8 threads (``Archive.add_runs`` of the testing kit); ``bulk``
    is :meth:`BenchAws.put_objects`. Both leave the same keys, and no marker: the benchmarks judge
    readiness by :data:`BENCH_READINESS`.
    """
    if via == "http":
        return archive.add_runs(count, marker=None)
    run_ids = hourly_run_ids(archive, count)
    aws.put_objects(archive.bucket, [run_id + RUN_OBJECT for run_id in run_ids])
    return run_ids


def put_items(dynamodb: Any, table_name: str, items: Sequence[dict[str, Any]]) -> None:
    batch_write(dynamodb, table_name, [{"PutRequest": {"Item": item}} for item in items])


def delete_items(dynamodb: Any, table_name: str, item_keys: Sequence[str]) -> None:
    batch_write(dynamodb, table_name, [{"DeleteRequest": {"Key": {"RunId": {"S": k}}}} for k in item_keys])


def create_table(aws: LocalAws, table_name: str) -> None:
    """The manifest table, created by our own core (on-demand billing, hash key ``RunId``)."""
    LoadManifest(None, aws.client("dynamodb"), table_name).create_table()


ManifestPlan = Callable[[list[str]], tuple[list[dict[str, Any]], list[str]]]


def seed_scenario(aws: BenchAws, count: int, via: str, manifest: ManifestPlan) -> Scenario:
    """An emptied endpoint with an archive of ``count`` runs and a manifest table.

    Args:
        aws: the endpoint; everything on it is reset first.
        count: runs in the archive, an hour apart.
        via: how to put the run objects, ``"http"`` or ``"bulk"`` (see :func:`seed_archive`).
        manifest: given the run ids, the items to write and the runs that must come out pending.
    """
    aws.reset()
    archive = Archive.create(aws.client("s3"), BUCKET, ARCHIVE_PREFIX)
    run_ids, s3_seconds = timed(lambda: seed_archive(aws, archive, count, via))
    create_table(aws, TABLE)
    items, pending = manifest(run_ids)
    _, dynamodb_seconds = timed(lambda: put_items(aws.client("dynamodb"), TABLE, items))
    aws.request_counts(reset=True)
    return Scenario(
        archive_url=archive.url,
        table_name=TABLE,
        run_ids=run_ids,
        pending=sort_run_ids(pending),
        seed_seconds={"s3": s3_seconds, "dynamodb": dynamodb_seconds},
        seeded_via=via,
        item_count=len(items),
    )


# --- measuring ----------------------------------------------------------------------------------


def timed(action: Callable[[], T]) -> tuple[T, float]:
    """``action()``'s result and its wall time in seconds."""
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


@dataclass(frozen=True)
class Measurement:
    """Wall times of repeated runs of one thing, and the requests one run makes.

    Attributes:
        label: what was measured.
        seconds: wall time of each repeat.
        requests: requests by operation of one run (the same every repeat; checked).
    """

    label: str
    seconds: list[float]
    requests: Counter[str]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())


def measure(
    aws: LocalAws, label: str, repeat: int, action: Callable[[], tuple[T, float]]
) -> tuple[T, Measurement]:
    """Run ``action`` ``repeat`` times, counting each run's requests on the server.

    ``action`` returns its result and its own wall time, so work outside what is measured
    (a subprocess starting, imports) stays out of the figure. Raises AssertionError if two repeats
    make different requests: discovery must be deterministic.
    """
    seconds: list[float] = []
    requests: Counter[str] | None = None
    result: T | None = None
    for _ in range(repeat):
        aws.request_counts(reset=True)
        result, elapsed = action()
        counted = aws.request_counts(reset=True)
        assert requests is None or counted == requests, f"{label}: requests differ: {requests} vs {counted}"
        requests = counted
        seconds.append(elapsed)
    assert result is not None and requests is not None
    return result, Measurement(label, seconds, requests)


def sdk_pending_runs(aws: LocalAws, scenario: Scenario) -> tuple[list[str], float]:
    """Snowplow SDK 0.2.3's own loop, in its venv: pending runs and the loop's wall time.

    The time is taken inside the subprocess around the loop alone, like ours around
    ``find_pending_runs``; the interpreter start and the imports are not counted.
    """
    script = (
        "import time\n"
        "started = time.perf_counter()\n"
        "pending = []\n"
        "for run_id in sdk.list_runids(s3, args['url']):\n"
        "    if not sdk.is_in_manifest(dynamodb, args['table'], run_id):\n"
        "        pending.append(run_id)\n"
        "result = {'pending': pending, 'seconds': time.perf_counter() - started}\n"
    )
    out = run_sdk(script, aws.endpoint_url, url=scenario.archive_url, table=scenario.table_name)
    return out["pending"], out["seconds"]


def request_bound(run_count: int, pending: int, slack: int = 5) -> int:
    """What discovery may cost: list pages + manifest batches + a run listing a returned run."""
    return math.ceil(run_count / 1000) + math.ceil(run_count / 100) + pending + slack


# --- reporting ----------------------------------------------------------------------------------


def format_requests(requests: Counter[str]) -> str:
    """``ListObjectsV2 11, BatchGetItem 101``: operations by count, busiest first, service dropped."""
    return ", ".join(f"{op.partition(':')[2]} {n}" for op, n in requests.most_common())


def print_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A Markdown table, columns padded so it also reads as plain text."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    print(line(cells[0]))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print(line(row))
    print(flush=True)


def check(name: str, ok: bool, detail: str) -> bool:
    """Print one ``PASS``/``FAIL`` line and return ``ok``."""
    print(f"{'PASS' if ok else 'FAIL'}: {name}: {detail}", flush=True)
    return ok


def print_header(title: str) -> None:
    """Title, command line, date and machine, as the results file wants them."""
    command = " ".join([".venv/bin/python", os.path.relpath(sys.argv[0], REPO), *sys.argv[1:]])
    print(f"# {title}\n")
    print(f"- command: `{command}`")
    print(f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}")
    print(f"- machine: {os.cpu_count()} cores, {memory_gb():.0f} GB RAM, Python {platform.python_version()}")
    print(f"- load average at start (1/5/15 min): {load_average()}")
    print(flush=True)


def print_footer(started: float) -> None:
    """The script's own wall time and the load at the end: other work on the machine skews figures."""
    print(f"\nScript wall time {time.perf_counter() - started:.0f} s; load average at end: {load_average()}")


def load_average() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def memory_gb() -> float:
    """Physical memory of this machine in GB (Linux)."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3


def parse_sizes(text: str) -> list[int]:
    """``"1000,10000"`` -> ``[1000, 10000]`` (``_`` allowed as a digit separator)."""
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


if __name__ == "__main__":
    if sys.argv[1:2] != ["serve"]:
        raise SystemExit("usage: common.py serve PORT (started by BenchAws, not by hand)")
    serve_with_bulk_puts(int(sys.argv[2]))
