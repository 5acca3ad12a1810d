"""Discovery at scale: 100,000 runs against a manifest of 100,000 items, on the local endpoint.

The archive has N runs (one tiny object each). The manifest holds exactly N items:

* N - 20 run records, alternately as Snowplow's SDK writes them (the key alone) and as we do
  (``LoadStatus``, ``LoadedAt``, ``Writer``, ``LoadedBy``); every 1,000th of ours is SKIPPED;
* 10 live claims on 10 runs without a record (being processed: not pending);
* 5 expired claims on 5 of the 10 runs that are neither recorded nor live-claimed (pending again);
* 5 records of runs of another archive in the same table (``enriched/other/...``), which
  discovery must not mix up with ours.

So exactly 10 runs, spread over the archive, are pending. Measured in a fresh process each time,
requests counted on the server: discovery with ``how="auto"`` and forced ``"batch_get"``, its
request count against ceil(N/1000) + ceil(N/100) + pending + 5, wall time, and peak memory of the
discovering process (its ``VmHWM``, and the Python heap peak from ``tracemalloc`` in a second run,
as tracing slows the run down). Target: under 200 MB.

Then a backlog: the records of 2,000 runs are deleted (2,010 runs pending) and discovery runs
with ``max_runs`` 1024 (the sensor's default: Airflow's ``[core] max_map_length``) and 50, to
size the sensor's XCom: its ``return_value`` is exactly this ``pending`` list, stored as JSON.

Usage: ``.venv/bin/python bench/scale.py [--runs 100000] [--seed bulk|http] [--backlog 2000]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from typing import Any

from common import (
    BenchAws,
    Measurement,
    Scenario,
    attach,
    check,
    delete_items,
    format_requests,
    measure,
    print_footer,
    print_header,
    print_table,
    request_bound,
    seed_scenario,
    spread,
    timed,
)

from airflow_provider_snowplow.archive.run_ids import sort_run_ids
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.manifest.items import LOADED, SKIPPED, Claim, run_record
from airflow_provider_snowplow.testing.archive import sdk_record

PENDING = 10
LIVE_CLAIMS = 10
EXPIRED_CLAIMS = 5
FOREIGN_RECORDS = 5
SENSOR_DEFAULT_MAX_RUNS = 1024  # Airflow's [core] max_map_length, the sensor's default cap
SMALL_MAX_RUNS = 50
MEMORY_LIMIT_MB = 200.0
LEASE_SECONDS = 3 * 3600


# --- the scenario -------------------------------------------------------------------------------


def our_record(run_id: str, index: int, now: float) -> dict[str, Any]:
    """A record as our core writes it; every 1,000th a skip, as a backfill cut-off would leave."""
    status = SKIPPED if index % 2000 == 1 else LOADED
    return run_record(run_id, status, now, f"snowplow_load_runs/scheduled__{index}/process_run")


def claim_item(run_id: str, now: float, expires_in: float) -> dict[str, Any]:
    """A claim item, live if ``expires_in`` > 0, as another DAG run's claim would be."""
    claim = Claim(run_id, "snowplow_load_runs/other_dag_run", f"token-{run_id}", now, now + expires_in)
    return claim.to_item()


def full_manifest(run_ids: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Exactly ``len(run_ids)`` items, with 10 pending runs (see the module docstring)."""
    now = time.time()
    unrecorded = spread(run_ids, PENDING + LIVE_CLAIMS)
    pending, claimed = unrecorded[::2], unrecorded[1::2]
    skip = set(unrecorded)
    recorded = [r for r in run_ids if r not in skip]
    items = [sdk_record(r) if i % 2 == 0 else our_record(r, i, now) for i, r in enumerate(recorded)]
    items += [claim_item(r, now, LEASE_SECONDS) for r in claimed]
    items += [claim_item(r, now - 2 * LEASE_SECONDS, LEASE_SECONDS) for r in pending[:EXPIRED_CLAIMS]]
    items += [sdk_record(f"enriched/other/run=2017-01-01-00-00-{i:02d}/") for i in range(FOREIGN_RECORDS)]
    return items, pending


def recorded_runs(scenario: Scenario) -> list[str]:
    """Runs of the scenario that have a record (not pending, not claimed)."""
    unrecorded = set(spread(scenario.run_ids, PENDING + LIVE_CLAIMS))
    return [r for r in scenario.run_ids if r not in unrecorded]


# --- discovery in a fresh process ---------------------------------------------------------------


@dataclass(frozen=True)
class ChildRun:
    """What one discovering process reports about itself."""

    pending: list[str]
    more_pending: bool
    manifest_read: str
    seconds: float
    baseline_rss_mb: float
    peak_rss_mb: float
    heap_peak_mb: float | None
    xcom_bytes: int
    failed_attempts: list[str]


def peak_rss_mb() -> float:
    """This process's peak resident set size (``VmHWM``), in MB.

    Not ``ru_maxrss``: Linux carries the parent's high-water mark across ``fork``/``exec`` into
    it, so a child of this (large) benchmark process would report the parent's peak.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def record_failed_attempts(client: Any, failed: list[str]) -> Any:
    """Note every attempt that failed (error status, timeout): botocore retries it, so the server
    counts that call more than once. Registered first, so botocore's retry handler cannot hide it."""

    def on_needs_retry(
        operation: Any, attempts: int, response: Any = None, caught_exception: Any = None, **_: Any
    ) -> None:
        if caught_exception is not None:
            failed.append(f"{operation.name} attempt {attempts}: {type(caught_exception).__name__}")
        elif response is not None and response[0].status_code >= 400:
            failed.append(f"{operation.name} attempt {attempts}: HTTP {response[0].status_code}")

    client.meta.events.register_first("needs-retry", on_needs_retry)
    return client


def discover_here(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one discovery in this process and report its time and memory (the child's side).

    Peak RSS is read after boto3, the core and the clients are loaded (baseline) and after
    discovery (peak); with ``trace``, ``tracemalloc`` gives the Python heap's peak during discovery.
    """
    aws = attach(spec["endpoint_url"])
    failed: list[str] = []
    s3, dynamodb = (record_failed_attempts(aws.client(name), failed) for name in ("s3", "dynamodb"))
    manifest = LoadManifest(s3, dynamodb, spec["table_name"])
    baseline = peak_rss_mb()
    if spec["trace"]:
        tracemalloc.start()
    found, seconds = timed(
        lambda: manifest.find_pending_runs(spec["archive_url"], spec["max_runs"], spec["how"])
    )
    heap_peak = tracemalloc.get_traced_memory()[1] / 2**20 if spec["trace"] else None
    return {
        "pending": found.pending,
        "more_pending": found.more_pending,
        "manifest_read": found.manifest_read,
        "seconds": seconds,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": peak_rss_mb(),
        "heap_peak_mb": heap_peak,
        "xcom_bytes": len(json.dumps(found.pending).encode()),
        "failed_attempts": failed,
    }


def discover_in_child(
    aws: BenchAws, scenario: Scenario, how: str, max_runs: int | None, trace: bool
) -> tuple[ChildRun, Measurement]:
    """Discovery in a fresh ``python bench/scale.py --child`` process, its requests counted."""
    spec = {
        "endpoint_url": aws.endpoint_url,
        "archive_url": scenario.archive_url,
        "table_name": scenario.table_name,
        "how": how,
        "max_runs": max_runs,
        "trace": trace,
    }

    def run() -> tuple[ChildRun, float]:
        done = subprocess.run(
            [sys.executable, __file__, "--child", json.dumps(spec)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"discovery child failed:\n{done.stderr}"
        child = ChildRun(**json.loads(done.stdout.strip().splitlines()[-1]))
        if child.failed_attempts:
            print(f"NOTE: {len(child.failed_attempts)} failed attempt(s), retried: {child.failed_attempts}")
        return child, child.seconds

    label = f"{how}{', max_runs=' + str(max_runs) if max_runs else ''}{', tracemalloc' if trace else ''}"
    result: tuple[ChildRun, Any] = measure(aws, label, 1, run)
    return result


# --- the two phases -----------------------------------------------------------------------------


def steady_state(aws: BenchAws, scenario: Scenario) -> bool:
    """10 pending runs: requests, time and memory of each strategy; True if every check passes."""
    size = len(scenario.run_ids)
    bound = request_bound(size, PENDING)
    rows: list[list[object]] = []
    ok = True
    for how in ("auto", "batch_get"):
        child, measured = discover_in_child(aws, scenario, how, None, trace=False)
        traced, _ = discover_in_child(aws, scenario, how, None, trace=True)
        assert child.pending == scenario.pending == traced.pending, f"{how} found {child.pending}"
        name = f"{how} ({child.manifest_read})" if how == "auto" else how
        rows.append(
            [
                name,
                f"{child.seconds:.2f}",
                format_requests(measured.requests),
                f"{measured.total_requests:,}",
                f"{bound:,}",
                f"{child.peak_rss_mb:.0f} ({child.baseline_rss_mb:.0f})",
                f"{traced.heap_peak_mb:.1f}",
            ]
        )
        ok &= check(
            f"{name} requests", measured.total_requests <= bound, f"{measured.total_requests:,} <= {bound:,}"
        )
        ok &= check(
            f"{name} memory",
            child.peak_rss_mb < MEMORY_LIMIT_MB,
            f"peak RSS {child.peak_rss_mb:.0f} MB (baseline after imports {child.baseline_rss_mb:.0f} MB, "
            f"Python heap peak {traced.heap_peak_mb:.1f} MB) < {MEMORY_LIMIT_MB:.0f} MB",
        )
    print()
    print_table(
        [
            "how",
            "wall s",
            "requests by operation",
            "total",
            "bound",
            "peak RSS MB (baseline)",
            "heap peak MB",
        ],
        rows,
    )
    return ok


def backlog(aws: BenchAws, scenario: Scenario, count: int) -> bool:
    """Make ``count`` more runs pending and size the sensor's XCom at two caps."""
    if count <= 0:
        return True
    reopened = spread(recorded_runs(scenario), count)
    delete_items(aws.client("dynamodb"), scenario.table_name, reopened)
    aws.request_counts(reset=True)
    every_pending = sort_run_ids(scenario.pending + reopened)
    print(f"Backlog: deleted {count:,} records, {len(every_pending):,} runs pending.\n")
    size = len(scenario.run_ids)
    rows: list[list[object]] = []
    ok = True
    for max_runs in (SENSOR_DEFAULT_MAX_RUNS, SMALL_MAX_RUNS):
        child, measured = discover_in_child(aws, scenario, "auto", max_runs, trace=False)
        expected = every_pending[:max_runs]
        assert child.pending == expected, (
            f"max_runs={max_runs}: got {len(child.pending)} runs, not the oldest"
        )
        bound = request_bound(size, len(expected))
        rows.append(
            [
                max_runs,
                f"{len(child.pending):,}",
                f"{child.xcom_bytes:,}",
                f"{child.xcom_bytes / max(1, len(child.pending)):.0f}",
                f"{child.seconds:.2f}",
                format_requests(measured.requests),
                f"{measured.total_requests:,} / {bound:,}",
                f"{child.peak_rss_mb:.0f}",
            ]
        )
        capped = len(every_pending) > max_runs
        ok &= check(
            f"max_runs={max_runs} cap",
            child.more_pending == capped and measured.total_requests <= bound,
            f"{len(child.pending):,} of {len(every_pending):,} returned (more_pending={child.more_pending}), "
            f"{measured.total_requests:,} requests <= {bound:,}",
        )
        ok &= check(
            f"max_runs={max_runs} memory", child.peak_rss_mb < MEMORY_LIMIT_MB, f"{child.peak_rss_mb:.0f} MB"
        )
    print()
    print_table(
        [
            "max_runs",
            "pending returned",
            "XCom JSON bytes",
            "bytes/run",
            "wall s",
            "requests by operation",
            "total / bound",
            "peak RSS MB",
        ],
        rows,
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=lambda s: int(s.replace("_", "")), default=100_000, help="archive size"
    )
    parser.add_argument(
        "--seed",
        choices=("bulk", "http"),
        default="bulk",
        help="put run objects in bulk or one PutObject each",
    )
    parser.add_argument(
        "--backlog", type=int, default=2000, help="records deleted for the XCom phase (0: skip)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(discover_here(json.loads(args.child))))
        return 0
    started = time.perf_counter()
    print_header(f"Discovery at scale: {args.runs:,} runs, {args.runs:,} manifest items")
    with BenchAws() as aws:
        scenario = seed_scenario(aws, args.runs, args.seed, full_manifest)
        print(scenario.describe_seeding() + "\n")
        passed = steady_state(aws, scenario)
        passed &= backlog(aws, scenario, args.backlog)
    print_footer(started)
    print(f"{'PASS' if passed else 'FAIL'}: overall")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
