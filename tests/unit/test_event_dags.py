"""The event-driven example DAGs parse to what their settings say, and find their runs in their events."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from airflow_provider_snowplow.tasks.watched_archive import triggered_run_ids
from airflow_provider_snowplow.triggers.new_runs import SnowplowNewRunsTrigger
from tests.unit.test_example_dags import EXAMPLES, SETTINGS, parse

NEW_RUNS = EXAMPLES / "snowplow_load_on_new_runs.py"
ARCHIVE, TABLE = SETTINGS["SNOWPLOW_ARCHIVE_URL"], SETTINGS["SNOWPLOW_MANIFEST_TABLE"]
RUN_A, RUN_B = "enriched/archive/run=2026-01-01-10-00-00/", "enriched/archive/run=2026-01-02-10-00-00/"


def event(asset: str, extra: dict[str, Any]) -> Any:
    from airflow.sdk.api.datamodels._generated import AssetReferenceAssetEventDagRun
    from airflow.sdk.execution_time.comms import AssetEventDagRunReferenceResult

    return AssetEventDagRunReferenceResult(
        asset=AssetReferenceAssetEventDagRun(name=asset, uri=f"snowplow://watch/{asset}", extra={}),
        extra=extra,
        source_task_id=None,
        source_dag_id=None,
        source_run_id=None,
        source_map_index=None,
        source_aliases=[],
        timestamp=datetime(2026, 1, 2, tzinfo=UTC),
    )


def fired(*run_ids: str, archive: str = ARCHIVE, table: str = TABLE) -> dict[str, Any]:
    """The extra Airflow gives the asset event of a watcher's trigger event."""
    payload = {"snowplow_run_ids": list(run_ids), "archive_url": archive, "table_name": table}
    return {"from_trigger": True, "payload": payload}


def test_the_runs_of_every_triggering_event_of_this_archive_and_table_count_once() -> None:
    from airflow.sdk.execution_time.context import TriggeringAssetEventsAccessor

    events = TriggeringAssetEventsAccessor.build(
        [
            event("new_runs", fired(RUN_A)),
            event("new_runs", fired(RUN_A, RUN_B)),  # a batch of two events, overlapping
            event("new_runs", fired("other/run=2026-01-03-10-00-00/", archive="s3://acme/other/")),
            event("new_runs", fired("x/run=2026-01-03-10-00-00/", table="other-table")),
            event(
                "sqs_wakeup", {"from_trigger": True, "payload": {"status": "success", "message_batch": []}}
            ),
            event("loaded_runs", {"snowplow_run_id": RUN_A, "newly_loaded": True}),
        ]
    )
    assert triggered_run_ids(events, ARCHIVE, TABLE) == {RUN_A, RUN_B}
    assert triggered_run_ids(TriggeringAssetEventsAccessor.build([]), ARCHIVE, TABLE) == set()


def test_the_settings_reach_the_trigger_and_the_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    module = parse(
        NEW_RUNS,
        monkeypatch,
        SNOWPLOW_AWS_CONN_ID="team_aws",
        SNOWPLOW_MAX_RUNS="7",
        SNOWPLOW_POLL_INTERVAL="30",
        SNOWPLOW_MIN_INTERVAL="0",
        SNOWPLOW_REFIRE_SECONDS="1800",
        SNOWPLOW_SETTLE_SECONDS="120",
    )
    dag = module.dag
    assert dag.is_paused_upon_creation is True
    (asset,) = dag.timetable.asset_condition.objects
    (watcher,) = asset.watchers
    trigger = watcher.trigger
    assert isinstance(trigger, SnowplowNewRunsTrigger)
    assert trigger.serialize()[1] == {
        "archive_url": ARCHIVE,
        "table_name": TABLE,
        "aws_conn_id": "team_aws",
        "region_name": None,
        "ready_marker": "_SUCCESS",
        "settle_seconds": 120.0,
        "layout": "enriched-archive",
        "partition_format": None,
        "grace_seconds": 600.0,
        "max_runs": 7,
        "poll_interval": 30.0,
        "min_interval": 0.0,
        "refire_after": 1800.0,
    }
    assert set(dag.task_ids) == {"runs_to_load", "load_run.transform", "load_run.mark_loaded"}
    operators = [dag.get_task(task_id) for task_id in dag.task_ids]
    assert {(task.aws_conn_id, task.table_name, task.settle_seconds) for task in operators} == {
        ("team_aws", TABLE, 120.0)
    }
    assert dag.get_task("runs_to_load").max_runs == 7


def test_the_docstring_lists_every_variable_the_file_reads() -> None:
    source = NEW_RUNS.read_text()
    read = set(re.findall(r'setting\(\s*"(SNOWPLOW_\w+)"', source))
    assert read <= set(re.findall(r"SNOWPLOW_\w+", source.split('"""')[1]))
