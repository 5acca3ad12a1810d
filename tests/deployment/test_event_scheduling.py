"""Event-driven scheduling in a real deployment: watchers in the triggerer start the DAG runs.

What ``dag.test()`` cannot show: the triggerer runs ``SnowplowNewRunsTrigger`` for an unpaused
DAG's asset, its event becomes an asset event, the scheduler starts one DAG run for it, and that
DAG run loads the run exactly once; a burst starts one DAG run; two DAGs watching one archive are
served by one poll; a killed and restarted triggerer loses no run; a duplicate event loads nothing.

The stack is this module's own (tests/deployment/conftest.py's serves the clock-scheduled DAGs):
its DAGs folder holds the event-driven example DAGs and tests/deployment/dags/.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing.archive import Archive
from airflow_provider_snowplow.testing.local_aws import LOCAL_CREDENTIALS, LocalAws
from tests.deployment.airflow_stack import AIRFLOW, AirflowStack, wait_for
from tests.deployment.test_deployment import output_keys, seed_run, seed_runs_together
from tests.integration.test_sqs_wakeup import marker_queue
from tests.support import ARCHIVE_URL, BUCKET, OUTPUT_URL, REPO, TABLE

pytestmark = pytest.mark.deployment

DAG_ID = "snowplow_load_on_new_runs"
SHARED_DAGS = ("snowplow_watch_shared_a", "snowplow_watch_shared_b")
SHARED_ARCHIVE_URL = f"s3://{BUCKET}/shared/archive/"
SHARED_TABLE = "snowplow-shared-manifest"
POLL_INTERVAL = 1.0
EVENT_DAG_FILES = [
    REPO / "example_dags" / name
    for name in (
        "snowplow_load_on_new_runs.py",
        "snowplow_load_on_sqs.py",
        "snowplow_hourly_model.py",
        "snowplow_daily_model.py",
    )
]
SQS_DAG_ID = "snowplow_load_on_sqs"
PARTITION_DAGS = ("snowplow_mark_hours", "snowplow_hourly_model", "snowplow_daily_model")


def _connection(endpoint_url: str) -> str:
    extra = {"endpoint_url": endpoint_url, "region_name": "us-east-1"}
    return json.dumps(
        {
            "conn_type": "aws",
            "login": LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            "password": LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            "extra": extra,
        }
    )


@pytest.fixture(scope="module")
def shared_aws() -> Iterator[LocalAws]:
    """A second local endpoint, for the archive two DAGs watch: its request counts are their polls."""
    with LocalAws() as aws:
        yield aws


@pytest.fixture(scope="module")
def stack(
    local_aws: LocalAws, shared_aws: LocalAws, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AirflowStack]:
    """The deployment, its event-driven DAGs unpaused and their watchers running in the triggerer."""
    dags = tmp_path_factory.mktemp("event-dags")
    for path in [*EVENT_DAG_FILES, *sorted((REPO / "tests" / "deployment" / "dags").glob("*.py"))]:
        (dags / path.name).symlink_to(path)
    env = {
        **LOCAL_CREDENTIALS,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AIRFLOW_CONN_AWS_DEFAULT": _connection(local_aws.endpoint_url),
        "AIRFLOW_CONN_AWS_SHARED": _connection(shared_aws.endpoint_url),
        "SNOWPLOW_ARCHIVE_URL": ARCHIVE_URL,
        "SNOWPLOW_OUTPUT_URL": OUTPUT_URL,
        "SNOWPLOW_MANIFEST_TABLE": TABLE,
        "SNOWPLOW_SHARED_ARCHIVE_URL": SHARED_ARCHIVE_URL,
        "SNOWPLOW_POLL_INTERVAL": str(POLL_INTERVAL),
        "SNOWPLOW_MIN_INTERVAL": "0",
        "SNOWPLOW_SETTLE_SECONDS": "0",  # seeded runs end with their _SUCCESS marker
        "SNOWPLOW_POKE_INTERVAL": "1",
        "SNOWPLOW_SQS_QUEUE_URL": f"{local_aws.endpoint_url}/123456789012/snowplow-run-markers",
        # The SQS DAG's safety clock would start a catch-up run on unpausing, which would race the
        # wake-up for the test's run: a day with no time since the DAG's start date keeps it away.
        "SNOWPLOW_SAFETY_CRON": "0 0 29 2 *",
    }
    config = {
        # Unpausing a DAG registers its watchers at the DAG file's next parse.
        "dag_processor.min_file_process_interval": "5",
        # A killed triggerer's triggers go to the new one once its heartbeat is this old.
        "triggerer.triggerer_health_check_threshold": "10",
    }
    shared = Archive.create(shared_aws.client("s3"), BUCKET, "shared/archive/")
    shared_aws.client("dynamodb").create_table(
        TableName=SHARED_TABLE,
        AttributeDefinitions=[{"AttributeName": "RunId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "RunId", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert shared.url == SHARED_ARCHIVE_URL
    with AirflowStack(tmp_path_factory.mktemp("airflow-events"), dags, env, config) as airflow:
        assert airflow.api is not None
        api = airflow.api

        def parsed() -> bool:
            airflow.check_alive()
            dag_ids = {dag["dag_id"] for dag in api.get("/dags", limit=100)["dags"]}
            return {DAG_ID, SQS_DAG_ID, *SHARED_DAGS, *PARTITION_DAGS} <= dag_ids

        wait_for("the DAG processor to serialize the event-driven DAGs", parsed, 90)
        api.patch(f"/dags/{DAG_ID}", {"is_paused": False})
        wait_for(
            "the triggerer to start the watchers of both archives",
            lambda: watching(airflow, ARCHIVE_URL) and watching(airflow, SHARED_ARCHIVE_URL),
            120,
            on_timeout=airflow.log_tails(),
        )
        yield airflow


# --- helpers --------------------------------------------------------------------------------------


def watching(stack: AirflowStack, archive_url: str) -> int:
    """How many polls of ``archive_url`` the triggerer has started (one per shared-stream group)."""
    stack.check_alive()
    return stack.log_text("triggerer").count(f"Watching {archive_url} for new runs")


def dag_runs(stack: AirflowStack, dag_id: str = DAG_ID) -> list[dict[str, Any]]:
    assert stack.api is not None
    runs: list[dict[str, Any]] = stack.api.get(f"/dags/{dag_id}/dagRuns", order_by="id")["dag_runs"]
    return runs


def finished_runs(
    stack: AirflowStack, count: int, dag_id: str = DAG_ID, timeout: float = 150
) -> list[dict[str, Any]]:
    """Wait until ``dag_id`` has ``count`` DAG runs, all finished; return them, oldest first."""

    def done() -> list[dict[str, Any]] | None:
        stack.check_alive()
        runs = dag_runs(stack, dag_id)
        finished = len(runs) >= count and all(run["state"] in ("success", "failed") for run in runs)
        return runs if finished else None

    return wait_for(f"{count} finished DAG runs of {dag_id}", done, timeout, interval=0.5)


def xcom(stack: AirflowStack, dag_run_id: str, task_id: str, dag_id: str = DAG_ID) -> Any:
    assert stack.api is not None
    path = f"/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries/return_value"
    return stack.api.get(path, deserialize=True)["value"]


def task_states(stack: AirflowStack, dag_run_id: str) -> dict[tuple[str, str], str]:
    assert stack.api is not None
    tis = stack.api.get(f"/dags/{DAG_ID}/dagRuns/{dag_run_id}/taskInstances", limit=100)["task_instances"]
    return {(ti["task_id"], ti["rendered_map_index"] or str(ti["map_index"])): ti["state"] for ti in tis}


def polls_seen(aws: LocalAws, polls: int) -> None:
    """Wait until the triggers have looked at the archive ``polls`` more times (a table description each)."""
    start = aws.request_counts()["dynamodb:DescribeTable"]
    wait_for(
        f"{polls} more polls", lambda: aws.request_counts()["dynamodb:DescribeTable"] >= start + polls, 60
    )


def seconds_after(moment: float, iso: str) -> float:
    """How long after the epoch second ``moment`` Airflow's timestamp ``iso`` is."""
    return datetime.fromisoformat(iso).timestamp() - moment


def loaded_once_by(manifest: LoadManifest, run: str, dag_run_id: str) -> None:
    record = manifest.get_record(run)
    assert record is not None and record.loaded_by is not None, run
    assert record.loaded_by.startswith(f"{DAG_ID}/{dag_run_id}/load_run.mark_loaded["), record.loaded_by
    assert manifest.get_claim(run) is None


# --- the tests -------------------------------------------------------------------------------------


def test_a_run_made_ready_while_nothing_runs_starts_one_dag_run_that_loads_it(
    stack: AirflowStack, archive: Archive, table: str, s3: Any, dynamodb: Any, aws: LocalAws
) -> None:
    assert dag_runs(stack) == [], "nothing runs before the run is ready"
    run = seed_run(archive, "2018-01-01-10-00-00", parts=2, lines=200)
    ready = time.time()
    manifest = LoadManifest(s3, dynamodb, table)
    wait_for("the run to be loaded", lambda: manifest.is_loaded(run), 120, interval=0.2)
    loaded = time.time() - ready

    (dag_run,) = finished_runs(stack, 1)
    queued = seconds_after(ready, dag_run["queued_at"])
    print(
        f"ready -> DAG run queued {queued:.1f} s, run loaded {loaded:.1f} s (poll every {POLL_INTERVAL:g} s)"
    )
    assert (dag_run["state"], dag_run["run_type"]) == ("success", "asset_triggered"), dag_run
    assert xcom(stack, dag_run["dag_run_id"], "runs_to_load") == [run]
    loaded_once_by(manifest, run, dag_run["dag_run_id"])
    assert output_keys(s3, run) == ["_SUCCESS.json", "good/part-00000.jsonl.gz", "good/part-00001.jsonl.gz"]

    # The trigger keeps polling; the loaded run is not pending and nothing new came: no DAG run.
    polls_seen(aws, 5)
    assert len(dag_runs(stack)) == 1


def test_a_burst_of_runs_starts_one_dag_run(
    stack: AirflowStack, archive: Archive, table: str, s3: Any, dynamodb: Any, aws: LocalAws
) -> None:
    before = len(dag_runs(stack))
    runs = seed_runs_together(
        archive, dynamodb, table, [f"2018-02-0{day}-10-00-00" for day in range(1, 6)], 1, 50
    )
    manifest = LoadManifest(s3, dynamodb, table)
    wait_for(
        "the burst to be loaded", lambda: all(manifest.is_loaded(run) for run in runs), 150, interval=0.5
    )
    polls_seen(aws, 5)

    dag_run = finished_runs(stack, before + 1)[-1]
    assert len(dag_runs(stack)) == before + 1, "one DAG run for the burst"
    assert xcom(stack, dag_run["dag_run_id"], "runs_to_load") == runs
    for run in runs:
        loaded_once_by(manifest, run, dag_run["dag_run_id"])


def test_two_dags_watching_one_archive_share_one_poll(stack: AirflowStack, shared_aws: LocalAws) -> None:
    shared = Archive(shared_aws.client("s3"), BUCKET, "shared/archive/")
    run = shared.add_run("2018-03-01-10-00-00")
    for dag_id in SHARED_DAGS:
        (dag_run,) = finished_runs(stack, 1, dag_id)
        assert xcom(stack, dag_run["dag_run_id"], "named_runs", dag_id) == [run]
    assert watching(stack, SHARED_ARCHIVE_URL) == 1, "one poll loop for both DAGs' triggers"

    # Over a stretch of polls, the endpoint serves one discovery per poll interval, not one per DAG.
    shared_aws.request_counts(reset=True)
    started = time.monotonic()
    time.sleep(10)
    counts, elapsed = shared_aws.request_counts(), time.monotonic() - started
    print(f"shared poll, {elapsed:.1f} s: {dict(counts)}")
    assert 1 <= counts["dynamodb:DescribeTable"] <= elapsed / POLL_INTERVAL + 2, (counts, elapsed)


def test_a_killed_triggerer_loses_no_run_and_a_duplicate_event_loads_nothing(
    stack: AirflowStack, archive: Archive, table: str, s3: Any, dynamodb: Any
) -> None:
    manifest = LoadManifest(s3, dynamodb, table)
    first = seed_run(archive, "2018-04-01-10-00-00", parts=1, lines=20)
    wait_for("the first run to be loaded", lambda: manifest.is_loaded(first), 120, interval=0.2)
    before = finished_runs(stack, len(dag_runs(stack)))
    loaded_by = manifest.get_record(first)

    # The triggerer dies (no clean shutdown) and a run becomes ready while none is running.
    triggerer = stack.processes["triggerer"]
    os.killpg(triggerer.pid, signal.SIGKILL)
    triggerer.wait(30)
    second = seed_run(archive, "2018-04-02-10-00-00", parts=1, lines=20)
    with (stack.logs / "triggerer.log").open("ab") as log:
        stack.processes["triggerer"] = subprocess.Popen(
            [AIRFLOW, "triggerer"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=stack.environment(),
            cwd=stack.home,
            start_new_session=True,
        )
    wait_for("the second run to be loaded", lambda: manifest.is_loaded(second), 180, interval=0.5)

    after = finished_runs(stack, len(before) + 1)
    assert len(after) == len(before) + 1, "one DAG run for the run that came while the triggerer was down"
    loaded_once_by(manifest, second, after[-1]["dag_run_id"])
    assert manifest.get_record(first) == loaded_by, "the restarted trigger did not load the first run again"

    # A duplicate of the first event (here through the REST API) starts a DAG run that skips the run.
    assert stack.api is not None
    (asset,) = stack.api.get("/assets", name_pattern=f"snowplow_new_runs__{table}")["assets"]
    payload = {"snowplow_run_ids": [first], "archive_url": archive.url, "table_name": table}
    stack.api.post("/assets/events", {"asset_id": asset["id"], "extra": {"payload": payload}})
    duplicate = finished_runs(stack, len(after) + 1)[-1]
    assert duplicate["state"] == "success"
    assert xcom(stack, duplicate["dag_run_id"], "runs_to_load") == [first]
    assert task_states(stack, duplicate["dag_run_id"])[("load_run.transform", first)] == "skipped"
    assert manifest.get_record(first) == loaded_by


def test_partitioned_events_run_the_hourly_model_per_hour_and_the_daily_model_per_whole_day(
    stack: AirflowStack, table: str
) -> None:
    assert stack.api is not None
    day = [f"enriched/date=2026-03-13/hour={hour:02d}/" for hour in range(24)]
    next_day = "enriched/date=2026-03-14/hour=00/"

    def record(dag_run_id: str, hours: list[str]) -> None:
        assert stack.api is not None
        body = {"dag_run_id": dag_run_id, "logical_date": None, "conf": {"hours": hours}}
        stack.api.post("/dags/snowplow_mark_hours/dagRuns", body)

    # 23 hours of the day, and the first of the next, in one DAG run: every hour gets a model run.
    record("hours-1", [*day[:23], next_day])
    runs = finished_runs(stack, 1, "snowplow_mark_hours", timeout=240)
    assert runs[0]["state"] == "success"
    hourly = finished_runs(stack, 24, "snowplow_hourly_model", timeout=240)
    assert dag_runs(stack, "snowplow_daily_model") == [], "the day is not complete"

    record("hours-2", day[23:])
    finished_runs(stack, 2, "snowplow_mark_hours")
    hourly = finished_runs(stack, 25, "snowplow_hourly_model")
    (daily,) = finished_runs(stack, 1, "snowplow_daily_model")

    modelled = [xcom(stack, run["dag_run_id"], "model_hour", "snowplow_hourly_model") for run in hourly]
    expected_hours = [f"2026-03-13T{hour:02d}" for hour in range(24)] + ["2026-03-14T00"]
    assert sorted(entry["hour"] for entry in modelled) == expected_hours, "once per hour"
    assert all(len(entry["runs"]) == 1 for entry in modelled), modelled
    assert {run["state"] for run in hourly} == {"success"}
    assert daily["state"] == "success"
    assert xcom(stack, daily["dag_run_id"], "model_day", "snowplow_daily_model") == {
        "day": "2026-03-13",
        "hours": 24,
    }


def test_the_sqs_wake_up_loads_a_run_seconds_after_its_marker_is_written(
    stack: AirflowStack, archive: Archive, table: str, s3: Any, dynamodb: Any, local_aws: LocalAws
) -> None:
    assert stack.api is not None
    # Only the SQS-woken DAG loads this archive now (a paused DAG is not started by its asset).
    stack.api.patch(f"/dags/{DAG_ID}", {"is_paused": True})
    url = marker_queue(local_aws)
    stack.api.patch(f"/dags/{SQS_DAG_ID}", {"is_paused": False})
    wait_for(
        "the triggerer to long-poll the queue",
        lambda: f"Waiting for messages on {url}" in stack.log_text("triggerer"),
        120,
    )
    polls = local_aws.request_counts()["sqs:ReceiveMessage"]
    wait_for(
        "a long poll to be under way", lambda: local_aws.request_counts()["sqs:ReceiveMessage"] > polls, 60
    )

    run = seed_run(archive, "2018-05-01-10-00-00", parts=1, lines=20)  # its _SUCCESS, last, is the message
    written = time.time()
    manifest = LoadManifest(s3, dynamodb, table)
    wait_for("the run to be loaded", lambda: manifest.is_loaded(run), 120, interval=0.2)
    loaded = time.time() - written

    (dag_run,) = finished_runs(stack, 1, SQS_DAG_ID)
    queued = seconds_after(written, dag_run["queued_at"])
    print(f"marker written -> DAG run queued {queued:.1f} s, run loaded {loaded:.1f} s")
    assert (dag_run["state"], dag_run["run_type"]) == ("success", "asset_triggered"), dag_run
    record = manifest.get_record(run)
    assert record is not None and record.loaded_by is not None
    assert record.loaded_by.startswith(f"{SQS_DAG_ID}/{dag_run['dag_run_id']}/load_run.mark_loaded[")
    assert (
        local_aws.client("sqs").get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
        == "0"
    )
