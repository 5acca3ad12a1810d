"""SnowplowPendingRunSensor in poke, reschedule and deferrable mode, and its trigger, against the local endpoint."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing.archive import Archive, hourly_timestamp
from airflow_provider_snowplow.testing.local_aws import LocalAws
from airflow_provider_snowplow.triggers.pending_runs import SnowplowPendingRunTrigger
from tests.integration.airflow_runs import run_dag

MODES = ("poke", "reschedule", "deferrable")


@pytest.mark.parametrize("mode", MODES)
def test_sensor_returns_pending_runs_oldest_first(
    mode: str, sensor_env: Archive, manifest: LoadManifest
) -> None:
    runs = [sensor_env.add_run(f"2017-04-0{day}-10-00-00") for day in (3, 1, 2)]
    manifest.mark_loaded(runs[1])
    outcome = run_dag(f"snowplow_sensor_{mode}")
    assert outcome.state == "success"
    assert outcome.xcoms[("wait_for_runs", -1)] == [runs[2], runs[0]]


@pytest.mark.parametrize("mode", MODES)
def test_sensor_waits_until_a_run_appears(mode: str, sensor_env: Archive, aws: LocalAws) -> None:
    def add_the_run_once_the_sensor_has_looked() -> None:
        deadline = time.monotonic() + 120
        while aws.request_counts()["s3:ListObjectsV2"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        sensor_env.add_run("2017-04-01-10-00-00")

    aws.request_counts(reset=True)
    later = threading.Thread(target=add_the_run_once_the_sensor_has_looked)
    later.start()
    outcome = run_dag(f"snowplow_sensor_{mode}")
    later.join()
    assert outcome.state == "success"
    # The run appeared only after the sensor's first look found nothing, so it looked again.
    assert outcome.xcoms[("wait_for_runs", -1)] == [sensor_env.run_id("2017-04-01-10-00-00")]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("soft_fail", [True, False])
def test_nothing_pending_times_out(
    mode: str, soft_fail: bool, sensor_env: Archive, manifest: LoadManifest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SNOWPLOW_WAIT_SECONDS", "1")
    monkeypatch.setenv("SNOWPLOW_SOFT_FAIL", str(soft_fail).lower())
    manifest.mark_loaded(sensor_env.add_run("2017-04-01-10-00-00"))
    outcome = run_dag(f"snowplow_sensor_{mode}")
    assert outcome.states[("wait_for_runs", -1)] == ("skipped" if soft_fail else "failed")


def test_max_runs_is_templated_and_clamped_to_max_map_length(
    sensor_env: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = sensor_env.add_runs(5)
    assert run_dag("snowplow_sensor_poke", max_runs=3).xcoms[("wait_for_runs", -1)] == runs[:3]
    monkeypatch.setenv("AIRFLOW__CORE__MAX_MAP_LENGTH", "2")
    assert run_dag("snowplow_sensor_deferrable", max_runs=3).xcoms[("wait_for_runs", -1)] == runs[:2]
    assert run_dag("snowplow_sensor_poke").xcoms[("wait_for_runs", -1)] == runs[:2]


@pytest.mark.parametrize("max_runs", [0, -1, "many", 2.5])
def test_a_bad_max_runs_fails_the_task_with_its_value(
    max_runs: object, sensor_env: Archive, capfd: pytest.CaptureFixture[str]
) -> None:
    sensor_env.add_run("2017-04-01-10-00-00")
    outcome = run_dag("snowplow_sensor_poke", max_runs=max_runs)
    assert outcome.states[("wait_for_runs", -1)] == "failed"
    task_log = "".join(capfd.readouterr())
    assert f"wait_for_runs: max_runs must be a positive whole number, got {str(max_runs)!r}" in task_log


def test_an_empty_max_runs_means_no_cap(sensor_env: Archive) -> None:
    runs = sensor_env.add_runs(3)
    outcome = run_dag("snowplow_sensor_poke", max_runs="")
    assert outcome.xcoms[("wait_for_runs", -1)] == runs


@pytest.mark.parametrize("mode", MODES)
def test_a_missing_table_fails_even_with_soft_fail(
    mode: str, sensor_env: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_SNOWPLOW_TABLE", "no-such-table")
    sensor_env.add_run("2017-04-01-10-00-00")
    outcome = run_dag(f"snowplow_sensor_{mode}")
    assert outcome.states[("wait_for_runs", -1)] == "failed"


def _first_event(trigger: SnowplowPendingRunTrigger) -> dict:  # type: ignore[type-arg]
    async def first() -> dict:  # type: ignore[type-arg]
        async for event in trigger.run():
            return dict(event.payload)
        raise AssertionError("the trigger ended without an event")

    return asyncio.run(first())


def test_trigger_serializes_to_what_rebuilds_it() -> None:
    trigger = SnowplowPendingRunTrigger(
        "s3://b/p/",
        "t",
        7,
        aws_conn_id="c",
        region_name="eu-west-1",
        ready_marker=None,
        settle_seconds=30.0,
        poke_interval=5,
        end_time=9.5,
        layout="s3-loader",
        partition_format="{yyyy}/{MM}/{dd}/{HH}",
        grace_seconds=120.0,
        filename_prefix="pre-",
    )
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_snowplow.triggers.pending_runs.SnowplowPendingRunTrigger"
    rebuilt = SnowplowPendingRunTrigger(**kwargs)
    assert rebuilt.serialize() == (classpath, kwargs)
    assert kwargs == {
        "archive_url": "s3://b/p/",
        "table_name": "t",
        "max_runs": 7,
        "aws_conn_id": "c",
        "region_name": "eu-west-1",
        "ready_marker": None,
        "settle_seconds": 30.0,
        "layout": "s3-loader",
        "partition_format": "{yyyy}/{MM}/{dd}/{HH}",
        "grace_seconds": 120.0,
        "filename_prefix": "pre-",
        "poke_interval": 5,
        "end_time": 9.5,
    }


def test_trigger_polls_with_the_async_client_until_runs_are_pending(
    aws_connection: str, table: str, archive: Archive, manifest: LoadManifest
) -> None:
    manifest.mark_loaded(archive.add_run("2017-04-01-10-00-00"))
    later = threading.Timer(0.6, archive.add_runs, args=(3, 100))
    later.start()
    event = _first_event(
        SnowplowPendingRunTrigger(archive.url, table, max_runs=2, settle_seconds=0, poke_interval=0.2)
    )
    later.join()
    expected = [archive.run_id(hourly_timestamp(hour)) for hour in (100, 101)]
    assert event == {"status": "success", "pending_run_ids": expected}


def test_trigger_reports_errors_and_timeouts_as_events(
    aws_connection: str, table: str, archive: Archive
) -> None:
    archive.add_run("2017-04-01-10-00-00")
    error = _first_event(SnowplowPendingRunTrigger(archive.url, "no-such-table", max_runs=2))
    assert error["status"] == "error"
    assert error["message"].startswith("manifest table 'no-such-table' does not exist in us-east-1")
    bad_url = _first_event(SnowplowPendingRunTrigger("acme/enriched", table, max_runs=2))
    assert bad_url["status"] == "error" and "must start with s3://" in bad_url["message"]
    empty = archive.url + "empty/"
    timeout = _first_event(
        SnowplowPendingRunTrigger(empty, table, max_runs=2, poke_interval=0.1, end_time=time.time() + 0.3)
    )
    assert timeout["status"] == "timeout"


def test_a_poke_names_ignored_folders_and_an_archive_without_runs(
    aws_connection: str, table: str, archive: Archive, capsys: pytest.CaptureFixture[str]
) -> None:
    from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor

    archive.add_folder("run=2026-13-01-00-00-00/")
    sensor = SnowplowPendingRunSensor(task_id="wait", archive_url=archive.url, table_name=table)
    assert sensor.poke({}) is False
    logged = capsys.readouterr().out
    assert f"Ignored {archive.prefix}run=2026-13-01-00-00-00/: not a valid run timestamp" in logged
    assert (
        "No run of the enriched-archive layout (like 'enriched/archive/run=2017-04-07-10-00-00/')" in logged
    )
    assert f"under {archive.url}: check archive_url and layout" in logged
