"""Discovery in a fresh process, as the sensor's worker runs it: its wall time, its memory, and the
wall time of its per-run listings (the plan's ``Concurrently`` steps).

``discover_in_child`` starts ``python bench/child.py SPEC`` and counts its requests on the server;
the child runs :func:`discover_here` and prints what it measured as one JSON line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from typing import Any

from common import BENCH_READINESS, BenchAws, Measurement, Scenario, attach, measure, timed

from airflow_provider_snowplow.archive.layouts import EnrichedArchive
from airflow_provider_snowplow.archive.urls import parse_archive_url
from airflow_provider_snowplow.aws.plans import Concurrently, Plan, T
from airflow_provider_snowplow.aws.runners import run_sync
from airflow_provider_snowplow.manifest.discovery import DEFAULT_CONCURRENCY, ArchiveSurvey, find_pending_runs


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
    check_seconds: float


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


def timing_concurrent_steps(plan: Plan[T], seconds: list[float]) -> Plan[T]:
    """``plan`` unchanged, with the wall time of each of its ``Concurrently`` steps in ``seconds``."""
    try:
        step = next(plan)
        while True:
            started = time.perf_counter()
            try:
                response = yield step
            except Exception as exc:
                step = plan.throw(exc)
                continue
            if isinstance(step, Concurrently):
                seconds.append(time.perf_counter() - started)
            step = plan.send(response)
    except StopIteration as done:
        result: T = done.value
        return result


def discover_here(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one discovery in this process and report its time and memory (the child's side).

    Peak RSS is read after boto3, the core and the clients are loaded (baseline) and after
    discovery (peak); with ``trace``, ``tracemalloc`` gives the Python heap's peak during discovery.
    """
    aws = attach(spec["endpoint_url"])
    failed: list[str] = []
    clients = {name: record_failed_attempts(aws.client(name), failed) for name in ("s3", "dynamodb")}
    archive = parse_archive_url(spec["archive_url"])
    waves: list[float] = []
    baseline = peak_rss_mb()
    if spec["trace"]:
        tracemalloc.start()
    survey = ArchiveSurvey(
        archive, spec["table_name"], EnrichedArchive(BENCH_READINESS), spec["how"], spec["concurrency"]
    )
    plan = find_pending_runs(survey, time.time(), spec["max_runs"])
    found, seconds = timed(lambda: run_sync(timing_concurrent_steps(plan, waves), clients))
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
        "check_seconds": sum(waves),
    }


def discover_in_child(
    aws: BenchAws,
    scenario: Scenario,
    how: str,
    max_runs: int | None,
    trace: bool,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> tuple[ChildRun, Measurement]:
    """Discovery in a fresh ``python bench/child.py`` process, its requests counted."""
    spec = {
        "endpoint_url": aws.endpoint_url,
        "archive_url": scenario.archive_url,
        "table_name": scenario.table_name,
        "how": how,
        "max_runs": max_runs,
        "trace": trace,
        "concurrency": concurrency,
    }

    def run() -> tuple[ChildRun, float]:
        done = subprocess.run(
            [sys.executable, __file__, json.dumps(spec)],
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
    label += f", concurrency={concurrency}"
    result: tuple[ChildRun, Any] = measure(aws, label, 1, run)
    return result


if __name__ == "__main__":
    print(json.dumps(discover_here(json.loads(sys.argv[1]))))
