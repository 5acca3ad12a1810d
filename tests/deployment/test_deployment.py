"""The example DAG in a real deployment: PostgreSQL, API server, scheduler, triggerer, DAG processor.

What ``dag.test()`` cannot show: the sensor really defers to the triggerer, mapped transforms run
side by side in LocalExecutor workers, overlapping DAG runs never process a run twice, and a
worker killed mid-run leaves a run that its retry loads exactly once.
"""

from __future__ import annotations

import functools
import os
import signal
import time
import zlib
from typing import Any

import psutil
import pytest

from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing.archive import Archive
from airflow_provider_snowplow.testing.events import valid_lines
from tests.deployment.airflow_stack import AirflowStack, wait_for
from tests.deployment.conftest import CONSUMER_DAG_ID, DAG_ID
from tests.support import OUTPUT_URL

pytestmark = pytest.mark.deployment

OUTPUT_BUCKET, _, OUTPUT_PREFIX = OUTPUT_URL.removeprefix("s3://").partition("/")


# --- seeding -------------------------------------------------------------------------------------


@functools.cache
def part_body(lines: int, seed: int) -> bytes:
    """``lines`` realistic enriched events (about 3 KB each), as Snowplow Enrich writes a part file."""
    return "".join(line + "\n" for line in valid_lines(lines, seed=seed)).encode()


def seed_run(archive: Archive, timestamp: str, parts: int, lines: int) -> str:
    """A run of ``parts`` identical part files; returns its run id."""
    body = part_body(lines, zlib.crc32(timestamp.encode()))
    return archive.add_run(timestamp, {f"part-{i:05d}": body for i in range(parts)})


def seed_runs_together(
    archive: Archive, dynamodb: Any, table: str, stamps: list[str], parts: int, lines: int
) -> list[str]:
    """Seed runs that all become pending at one instant, for a sensor that is polling meanwhile.

    S3 has no multi-object write, so each run is first claimed by a placeholder owner, the claims
    all expiring at the same moment: until then no run is pending, from then on all of them are.
    """
    for stamp in stamps:
        part_body(lines, zlib.crc32(stamp.encode()))  # generate before the clock starts
    hold = 4.0
    start = time.time()
    frozen = LoadManifest(archive.s3, dynamodb, table, clock=lambda: start)
    for stamp in stamps:
        assert frozen.claim_run(archive.run_id(stamp), "deployment-test/seeding", lease_seconds=hold).won
    runs = [seed_run(archive, stamp, parts, lines) for stamp in stamps]
    assert time.time() < start + hold, "seeding outlasted its hiding claims; raise `hold`"
    return runs


def output_keys(s3: Any, run_id: str) -> list[str]:
    folder = OUTPUT_PREFIX + run_id.rstrip("/").rpartition("/")[2] + "/"
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=OUTPUT_BUCKET, Prefix=folder)
    return sorted(obj["Key"][len(folder) :] for page in pages for obj in page.get("Contents", []))


# --- Airflow over REST ---------------------------------------------------------------------------


def trigger(stack: AirflowStack, dag_run_id: str, dag_id: str = DAG_ID) -> str:
    assert stack.api is not None
    stack.api.post(f"/dags/{dag_id}/dagRuns", {"dag_run_id": dag_run_id, "logical_date": None, "conf": {}})
    return dag_run_id


def dag_run_state(stack: AirflowStack, dag_run_id: str, dag_id: str = DAG_ID) -> str:
    assert stack.api is not None
    state: str = stack.api.get(f"/dags/{dag_id}/dagRuns/{dag_run_id}")["state"]
    return state


def wait_dag_run(stack: AirflowStack, dag_run_id: str, timeout: float = 120) -> str:
    def finished() -> str | None:
        stack.check_alive()
        state = dag_run_state(stack, dag_run_id)
        return state if state in ("success", "failed") else None

    return wait_for(f"DAG run {dag_run_id} to finish", finished, timeout, interval=0.5)


def task_instances(stack: AirflowStack, dag_run_id: str, task_id: str | None = None) -> list[dict[str, Any]]:
    assert stack.api is not None
    tis: list[dict[str, Any]] = stack.api.get(
        f"/dags/{DAG_ID}/dagRuns/{dag_run_id}/taskInstances", limit=100
    )["task_instances"]
    return [ti for ti in tis if task_id is None or ti["task_id"] == task_id]


def wait_ti_state(
    stack: AirflowStack, dag_run_id: str, task_id: str, state: str, timeout: float = 60
) -> None:
    def reached() -> bool:
        stack.check_alive()
        return any(ti["state"] == state for ti in task_instances(stack, dag_run_id, task_id))

    wait_for(f"{task_id} of {dag_run_id} to be {state}", reached, timeout)


def wait_deferred(stack: AirflowStack, dag_run_id: str) -> None:
    """Wait until the sensor has deferred and the scheduler has taken note of its worker's exit.

    Seeding runs before that second point makes the trigger fire so fast that the resumed sensor
    can be running when the scheduler reads the stale "success" of the deferring try, and Airflow
    3.3 then fails it as "state changed externally" (apache/airflow#72716, #71580, still open).
    """
    wait_ti_state(stack, dag_run_id, "wait_for_runs", "deferred")
    stale_event = (
        "Received executor event with state success for task instance "
        f"TaskInstanceKey(dag_id='{DAG_ID}', task_id='wait_for_runs', run_id='{dag_run_id}', try_number=1"
    )
    wait_for(
        f"the scheduler to see the deferring try of {dag_run_id} exit",
        lambda: stale_event in stack.log_text("scheduler"),
        60,
    )


def trigger_log(stack: AirflowStack, dag_run_id: str, task_id: str) -> str:
    """What the triggerer logged for the task's triggers (Airflow writes it beside the task's log)."""
    folder = stack.home / "logs" / f"dag_id={DAG_ID}" / f"run_id={dag_run_id}" / f"task_id={task_id}"
    return "".join(
        path.read_text(errors="replace") for path in sorted(folder.glob("attempt=*.log.trigger.*"))
    )


def by_label(tis: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Mapped task instances by their label: the Snowplow run id (``map_index_template``)."""
    return {ti["rendered_map_index"]: ti for ti in tis}


def max_overlap(tis: list[dict[str, Any]]) -> int:
    """The most task instances that were running at the same moment."""
    edges = []
    for ti in tis:
        edges += [(ti["start_date"], 1), (ti["end_date"], -1)]
    running = peak = 0
    for _, step in sorted(edges, key=lambda edge: (edge[0], edge[1])):
        running += step
        peak = max(peak, running)
    return peak


# --- the tests -----------------------------------------------------------------------------------


def test_sensor_defers_and_mapped_runs_load_in_parallel(
    stack: AirflowStack, archive: Archive, table: str, s3: Any, dynamodb: Any
) -> None:
    dag_run = trigger(stack, "deploy-defer")
    # Nothing to load yet: the sensor's first check finds nothing and hands over to the triggerer.
    wait_deferred(stack, dag_run)
    runs = seed_runs_together(
        archive, dynamodb, table, [f"2017-05-0{day}-10-00-00" for day in (1, 2, 3, 4)], 2, 1000
    )

    assert wait_dag_run(stack, dag_run) == "success"

    (sensor,) = task_instances(stack, dag_run, "wait_for_runs")
    assert sensor["state"] == "success"
    assert sensor["try_number"] == 1, "the sensor resumed from the trigger, it was not retried"
    fired = trigger_log(stack, dag_run, "wait_for_runs")
    assert "Trigger fired event" in fired and "pending_run_ids" in fired, (
        "the triggerer never fired the trigger"
    )

    transforms = by_label(task_instances(stack, dag_run, "load_run.transform"))
    marks = by_label(task_instances(stack, dag_run, "load_run.mark_loaded"))
    assert sorted(transforms) == sorted(marks) == runs
    assert {ti["state"] for ti in [*transforms.values(), *marks.values()]} == {"success"}
    assert max_overlap(list(transforms.values())) >= 2, f"transforms ran one by one: {transforms}"

    manifest = LoadManifest(s3, dynamodb, table)
    for run in runs:
        record = manifest.get_record(run)
        assert record is not None and record.loaded_by is not None
        assert record.loaded_by.startswith(f"{DAG_ID}/{dag_run}/load_run.mark_loaded[")
        assert manifest.get_claim(run) is None
        assert output_keys(s3, run) == [
            "_SUCCESS.json",
            "good/part-00000.jsonl.gz",
            "good/part-00001.jsonl.gz",
        ]


def test_concurrent_dag_runs_process_each_run_once(
    stack: AirflowStack, archive: Archive, table: str, s3: Any, dynamodb: Any
) -> None:
    dag_runs = [trigger(stack, "deploy-concurrent-a"), trigger(stack, "deploy-concurrent-b")]
    # Both sensors wait in the triggerer, so both see the same runs pending when they appear.
    for dag_run in dag_runs:
        wait_deferred(stack, dag_run)
    runs = seed_runs_together(
        archive, dynamodb, table, [f"2017-06-0{day}-10-00-00" for day in range(1, 7)], 1, 500
    )

    assert [wait_dag_run(stack, dag_run) for dag_run in dag_runs] == ["success", "success"]

    winners: dict[str, list[str]] = {run: [] for run in runs}
    mapped = 0
    for dag_run in dag_runs:
        # A mark_loaded skipped with its transform never renders its label: pair them by map index.
        labels = {}
        for ti in task_instances(stack, dag_run, "load_run.transform"):
            mapped += 1
            labels[ti["map_index"]] = ti["rendered_map_index"]
            assert ti["state"] in ("success", "skipped"), ti
            if ti["state"] == "success":
                winners[ti["rendered_map_index"]].append(dag_run)
        for ti in task_instances(stack, dag_run, "load_run.mark_loaded"):
            assert ti["state"] == ("success" if dag_run in winners[labels[ti["map_index"]]] else "skipped"), (
                ti
            )
    assert mapped > len(runs), "the DAG runs never competed for a run; the test proves nothing"
    assert all(len(owners) == 1 for owners in winners.values()), f"processed twice or never: {winners}"

    manifest = LoadManifest(s3, dynamodb, table)
    for run, (owner,) in winners.items():
        record = manifest.get_record(run)
        assert record is not None and record.loaded_by is not None
        assert record.loaded_by.startswith(f"{DAG_ID}/{owner}/"), (run, record.loaded_by)
        assert manifest.get_claim(run) is None


def _task_process(ti_id: str) -> psutil.Process | None:
    """The task process of a task instance: its title is ``airflow worker -- <ti id>``."""
    for process in psutil.process_iter(["cmdline"]):
        if ti_id in " ".join(process.info["cmdline"] or []):
            return process
    return None


def test_worker_killed_mid_run_loads_it_exactly_once(
    stack: AirflowStack, archive: Archive, table: str, s3: Any, dynamodb: Any
) -> None:
    parts = 12
    big = seed_run(archive, "2017-07-01-10-00-00", parts=parts, lines=2000)
    small = seed_run(archive, "2017-07-02-10-00-00", parts=1, lines=50)
    dag_run = trigger(stack, "deploy-kill")
    manifest = LoadManifest(s3, dynamodb, table)

    def processing() -> psutil.Process | None:
        stack.check_alive()
        ti = by_label(task_instances(stack, dag_run, "load_run.transform")).get(big)
        if ti is None or ti["state"] != "running" or manifest.get_claim(big) is None:
            return None
        return _task_process(ti["id"])

    victim = wait_for(f"the transform of {big} to be processing", processing, 90, interval=0.1)
    os.kill(victim.pid, signal.SIGKILL)
    assert "_SUCCESS.json" not in output_keys(s3, big), "the kill came after processing had finished"

    assert wait_dag_run(stack, dag_run, timeout=150) == "success"

    transform = by_label(task_instances(stack, dag_run, "load_run.transform"))[big]
    assert transform["state"] == "success" and transform["try_number"] >= 2, transform
    assert stack.api is not None
    tries = stack.api.get(
        f"/dags/{DAG_ID}/dagRuns/{dag_run}/taskInstances/load_run.transform/{transform['map_index']}/tries"
    )["task_instances"]
    states = [t["state"] for t in tries]
    assert states[0] == "failed" and states[-1] == "success", tries

    for run in (big, small):
        record = manifest.get_record(run)
        assert record is not None and record.loaded_by is not None
        assert record.loaded_by.startswith(f"{DAG_ID}/{dag_run}/load_run.mark_loaded["), record.loaded_by
        assert manifest.get_claim(run) is None
    expected = ["_SUCCESS.json", *(f"good/part-{i:05d}.jsonl.gz" for i in range(parts))]
    assert output_keys(s3, big) == expected


def test_loads_emit_asset_events_that_run_the_consumer_dag(
    stack: AirflowStack, archive: Archive, table: str
) -> None:
    assert stack.api is not None
    api = stack.api
    runs = [seed_run(archive, f"2017-08-0{day}-10-00-00", parts=1, lines=20) for day in (1, 2)]
    dag_run = trigger(stack, "deploy-assets")
    assert wait_dag_run(stack, dag_run) == "success"

    events = api.get("/assets/events", source_dag_id=DAG_ID, source_run_id=dag_run)["asset_events"]
    assert sorted(e["extra"]["snowplow_run_id"] for e in events) == runs, events
    assert all(e["extra"]["newly_loaded"] is True for e in events), events
    event_ids = {e["id"] for e in events}

    def consumer_runs() -> dict[str, tuple[list[str], list[str]]] | None:
        """Finished consumer runs fed by this load: (run ids of their events, run ids they printed)."""
        stack.check_alive()
        found = {}
        for consumer in api.get(f"/dags/{CONSUMER_DAG_ID}/dagRuns", run_type="asset_triggered")["dag_runs"]:
            path = f"/dags/{CONSUMER_DAG_ID}/dagRuns/{consumer['dag_run_id']}"
            ours = [e for e in api.get(f"{path}/upstreamAssetEvents")["asset_events"] if e["id"] in event_ids]
            if not ours:
                continue
            if consumer["state"] != "success":
                return None
            xcom = api.get(
                f"{path}/taskInstances/newly_loaded_runs/xcomEntries/return_value", deserialize=True
            )
            found[consumer["dag_run_id"]] = (
                sorted(e["extra"]["snowplow_run_id"] for e in ours),
                xcom["value"],
            )
        return found or None

    # Airflow may batch events into one consumer run, or leave an event that lands while a consumer
    # run is being created for the next one (apache/airflow#56050): every consumer run fed by this
    # load must have seen exactly the runs of the events it consumed.
    consumers = wait_for(
        f"{CONSUMER_DAG_ID} to run on the load's asset events", consumer_runs, 90, interval=1
    )
    for events_runs, printed in consumers.values():
        assert printed == events_runs, consumers
    consumed = [run for events_runs, _ in consumers.values() for run in events_runs]
    assert len(consumed) == len(set(consumed)), f"an event fed two consumer runs: {consumers}"
