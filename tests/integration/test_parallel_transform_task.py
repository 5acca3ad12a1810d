"""The parallel path inside a real Airflow task (``dag.test()``): a run's parts are processed at once by
the task's own process and a worker process; a worker SIGKILLed mid-run fails the task, and nothing
is marked loaded."""

from __future__ import annotations

import gzip
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import psutil
import pytest

from airflow_provider_snowplow.archive.urls import parse_output_url
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.processing.run import SUCCESS_MARKER, output_folder
from airflow_provider_snowplow.testing.archive import Archive
from airflow_provider_snowplow.testing.events import valid_lines
from tests.fault_proxy import Fault, FaultProxy
from tests.integration.airflow_runs import run_dag
from tests.support import OUTPUT_URL

DAG_ID = "snowplow_transform_run"
HOLD_SECONDS = 120.0  # a held GetObject goes through after this, whatever happens to the test


@pytest.fixture
def task_env(dag_env: Archive, proxied_connection: FaultProxy) -> Archive:
    """The test DAG's environment, its AWS connection through the proxy (set after ``dag_env``'s)."""
    return dag_env


def seed_run(archive: Archive) -> tuple[str, int]:
    """A run of three gzip parts; returns its id and its number of events."""
    lines = [line.encode() + b"\n" for line in valid_lines(900, seed=21)]
    parts = {f"part-{i:05d}.gz": gzip.compress(b"".join(lines[i * 300 : (i + 1) * 300])) for i in range(3)}
    return archive.add_run("2017-05-01-10-00-00", parts), len(lines)


def is_worker_process(pid: int) -> bool:
    """Whether ``pid`` is one of our worker processes (forked by a multiprocessing forkserver)."""
    return "multiprocessing.forkserver" in " ".join(psutil.Process(pid).parent().cmdline())


class HeldReads:
    """In a thread: wait until GetObject requests of two processes are held, act, then release all."""

    def __init__(self, proxy: FaultProxy, act: Callable[[dict[int, bool]], None]) -> None:
        self.proxy = proxy
        self.hold: Fault = proxy.inject("s3:GetObject", "hold", seconds=HOLD_SECONDS)
        self.act = act
        self.processes: dict[int, bool] = {}  # pid -> is a worker process
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        deadline = time.monotonic() + HOLD_SECONDS
        try:
            owners: dict[tuple[str, int], int] = {}  # held client address -> its process
            while len(owners) < 2 and time.monotonic() < deadline:
                for address in list(self.hold.held):
                    if address not in owners and (pid := self.proxy.client_pid(address)) is not None:
                        owners[address] = pid
                time.sleep(0.05)
            self.processes = {pid: is_worker_process(pid) for pid in owners.values()}
            if len(self.processes) == 2:
                self.act(self.processes)
        finally:
            self.hold.release()

    def join(self) -> dict[int, bool]:
        self.thread.join(HOLD_SECONDS + 30)
        return self.processes


def output_names(s3: Any, run_id: str) -> list[str]:
    output = parse_output_url(OUTPUT_URL)
    folder = output_folder(output, run_id)
    listing = s3.list_objects_v2(Bucket=output.bucket, Prefix=folder).get("Contents", [])
    return sorted(obj["Key"][len(folder) :] for obj in listing)


@pytest.mark.timeout(600)
def test_the_task_processes_parts_at_once_with_a_worker_process(
    task_env: Archive, proxied_connection: FaultProxy, s3: Any, dynamodb: Any, table: str
) -> None:
    run_id, events = seed_run(task_env)
    reads = HeldReads(proxied_connection, act=lambda processes: None)
    outcome = run_dag(DAG_ID, snowplow_run_id=run_id, workers=2, compression="zstd")

    assert sorted(reads.join().values()) == [False, True], (
        "the task's process and one worker process read at once"
    )
    assert outcome.state == "success", outcome
    summary = outcome.xcoms[("transform", run_id)]
    assert (summary["objects"], summary["lines"], summary["good"], summary["compression"]) == (
        3,
        events,
        events,
        "zstd",
    )
    assert output_names(s3, run_id) == [
        SUCCESS_MARKER,
        "good/part-00000.jsonl.zst",
        "good/part-00001.jsonl.zst",
        "good/part-00002.jsonl.zst",
    ]
    assert LoadManifest(s3, dynamodb, table).is_loaded(run_id)


@pytest.mark.timeout(600)
def test_a_worker_killed_mid_run_fails_the_task_and_nothing_is_marked_loaded(
    task_env: Archive, proxied_connection: FaultProxy, s3: Any, dynamodb: Any, table: str
) -> None:
    run_id, _ = seed_run(task_env)
    killed: list[int] = []

    def kill_the_worker(processes: dict[int, bool]) -> None:
        worker = next(pid for pid, is_worker in processes.items() if is_worker)
        os.kill(worker, signal.SIGKILL)
        psutil.Process(worker).wait(timeout=30)
        killed.append(worker)

    reads = HeldReads(proxied_connection, act=kill_the_worker)
    outcome = run_dag(DAG_ID, snowplow_run_id=run_id, workers=2)
    reads.join()

    assert killed, "a worker process was killed while its part was being read"
    assert outcome.states[("transform", run_id)] == "failed"
    assert outcome.states[("mark_loaded", -1)] == "upstream_failed", "never ran, so never labelled"
    manifest = LoadManifest(s3, dynamodb, table)
    assert not manifest.is_loaded(run_id)
    assert manifest.get_claim(run_id) is None, "the failed task released its claim"
    assert SUCCESS_MARKER not in output_names(s3, run_id)
