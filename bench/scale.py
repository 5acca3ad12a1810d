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

Last, the per-run checks: with that backlog and ``max_runs=1024``, discovery lists 1,024 run
folders (readiness and storage class, one listing each). Their wall time (the ``Concurrently``
steps of the plan) is measured with the listings made one at a time (``concurrency=1``, as before
they ran concurrently) and ten at a time, interleaved, under three cost models of the endpoint
(:mod:`s3_costs`): moto's own (every prefix listing walks all 100,000 keys, one request at a time:
no client can overlap them), prefix listings that cost what S3's do (indexed), and those plus a
20 ms round trip per request, as on S3. Requests are counted for each, and must be the same.

Usage: ``.venv/bin/python bench/scale.py [--runs 100000] [--seed bulk|http] [--backlog 2000]
[--phases steady,backlog,checks]``
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from child import ChildRun, discover_in_child
from common import (
    BenchAws,
    Measurement,
    Scenario,
    check,
    delete_items,
    format_requests,
    print_footer,
    print_header,
    print_table,
    request_bound,
    seed_scenario,
    spread,
)

from airflow_provider_snowplow.archive.run_ids import sort_run_ids
from airflow_provider_snowplow.manifest.discovery import DEFAULT_CONCURRENCY
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
# The per-run checks of 1,024 candidates took ~100 s before they ran concurrently: discovery with
# max_runs=1024 took 194 s against 92 s with max_runs=50 (bench/RESULTS.md, 2026-11-26).
CHECKS_BEFORE_SECONDS = 100.0
COST_MODELS = (
    ("moto's own", False, 0.0),
    ("S3-like: indexed", True, 0.0),
    ("S3-like: indexed, 20 ms", True, 20.0),
)


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


# --- the phases ---------------------------------------------------------------------------------


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


def open_backlog(aws: BenchAws, scenario: Scenario, count: int) -> list[str]:
    """Delete the records of ``count`` runs; every run pending now, oldest first."""
    reopened = spread(recorded_runs(scenario), count)
    delete_items(aws.client("dynamodb"), scenario.table_name, reopened)
    aws.request_counts(reset=True)
    every_pending = sort_run_ids(scenario.pending + reopened)
    print(f"Backlog: deleted {count:,} records, {len(every_pending):,} runs pending.\n")
    return every_pending


def backlog(aws: BenchAws, scenario: Scenario, every_pending: list[str]) -> bool:
    """Size the sensor's XCom at two caps, with the backlog open."""
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


def per_run_checks(aws: BenchAws, scenario: Scenario, every_pending: list[str]) -> bool:
    """The 1,024 per-run listings of ``max_runs=1024``, one at a time and concurrently, per cost model."""
    max_runs = SENSOR_DEFAULT_MAX_RUNS
    bound = request_bound(len(scenario.run_ids), max_runs)
    rows: list[list[object]] = []
    ok = True
    concurrent: dict[str, float] = {}
    for name, indexed, latency_ms in COST_MODELS:
        aws.set_s3_costs(indexed, latency_ms)
        by_concurrency: dict[int, tuple[ChildRun, Measurement]] = {}
        for concurrency in (1, DEFAULT_CONCURRENCY):  # interleaved: the load of the moment hits both
            child, measured = discover_in_child(aws, scenario, "auto", max_runs, False, concurrency)
            assert child.pending == every_pending[:max_runs], f"{name}, concurrency={concurrency}"
            by_concurrency[concurrency] = (child, measured)
        (one, one_measured), (many, many_measured) = by_concurrency[1], by_concurrency[DEFAULT_CONCURRENCY]
        assert one_measured.requests == many_measured.requests, "concurrency changed the requests"
        concurrent[name] = many.check_seconds
        rows.append(
            [
                name,
                f"{one.check_seconds:.1f}",
                f"{many.check_seconds:.1f}",
                f"{one.check_seconds / many.check_seconds:.1f}x",
                f"{one.seconds:.1f} / {many.seconds:.1f}",
                format_requests(many_measured.requests),
                f"{many_measured.total_requests:,} / {bound:,}",
            ]
        )
        ok &= check(
            f"per-run checks, {name}: requests",
            many_measured.total_requests <= bound,
            f"{many_measured.total_requests:,} <= {bound:,} (the same with concurrency 1 and {DEFAULT_CONCURRENCY})",
        )
    aws.set_s3_costs(False, 0.0)
    print()
    print_table(
        [
            "endpoint cost model",
            "checks s, 1 at a time",
            f"checks s, {DEFAULT_CONCURRENCY} at a time",
            "speed-up",
            "discovery s (1 / 10)",
            "requests by operation",
            "total / bound",
        ],
        rows,
    )
    target = CHECKS_BEFORE_SECONDS / 10
    for name, *_ in COST_MODELS[1:]:
        ok &= check(
            f"per-run checks of {max_runs:,} candidates, {name}",
            concurrent[name] < target,
            f"{concurrent[name]:.1f} s < {target:.0f} s (a tenth of the ~{CHECKS_BEFORE_SECONDS:.0f} s before)",
        )
    print(
        f"NOTE: on moto's own costs each run listing walks all {len(scenario.run_ids):,} keys of the bucket, "
        "on a server that answers one request at a time: concurrency overlaps only the client's share."
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
    parser.add_argument(
        "--phases",
        default="steady,backlog,checks",
        help="comma-separated: steady, backlog, checks (the last two need --backlog > 0)",
    )
    args = parser.parse_args()
    if args.backlog >= args.runs // 2:
        # The backlog reopens recorded runs spread over the archive; it must leave most recorded.
        parser.error(f"--backlog {args.backlog:,} must be under half of --runs {args.runs:,}")
    phases = set(args.phases.split(","))
    started = time.perf_counter()
    print_header(f"Discovery at scale: {args.runs:,} runs, {args.runs:,} manifest items")
    with BenchAws() as aws:
        scenario = seed_scenario(aws, args.runs, args.seed, full_manifest)
        print(scenario.describe_seeding() + "\n")
        passed = steady_state(aws, scenario) if "steady" in phases else True
        if args.backlog > 0 and phases & {"backlog", "checks"}:
            every_pending = open_backlog(aws, scenario, args.backlog)
            passed &= backlog(aws, scenario, every_pending) if "backlog" in phases else True
            passed &= per_run_checks(aws, scenario, every_pending) if "checks" in phases else True
    print_footer(started)
    print(f"{'PASS' if passed else 'FAIL'}: overall")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
