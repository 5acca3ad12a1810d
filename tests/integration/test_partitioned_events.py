"""Opt-in partitioned asset events per loaded run: the S3 Loader example DAG keys each hour's event.

Which consumer runs those events start (once per hour; a day once its 24 hours are in) takes a
scheduler: tests/deployment/test_event_scheduling.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_snowplow.tasks.partitioned_assets import loaded_run_times_asset
from airflow_provider_snowplow.testing.layouts import hourly_writes, put_loader_objects
from tests.integration.airflow_runs import run_dag
from tests.support import BUCKET, LOADER_URL, OUTPUT_URL

HOURLY = "date={yyyy}-{MM}-{dd}/hour={HH}"


def partitioned_events(table: str) -> list[tuple[str | None, dict[str, Any]]]:
    """(partition key, extra) of every event of the table's run-times asset, oldest first."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        query = (
            select(AssetEvent.partition_key, AssetEvent.extra)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetModel.name == loaded_run_times_asset(table).name)
            .order_by(AssetEvent.id)
        )
        return [(key, dict(extra)) for key, extra in session.execute(query)]


@pytest.fixture
def loader_env(
    test_dags: Path, aws_connection: str, table: str, s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3.create_bucket(Bucket=BUCKET)
    for name, value in {
        "SNOWPLOW_LOADER_URL": LOADER_URL,
        "SNOWPLOW_OUTPUT_URL": OUTPUT_URL,
        "SNOWPLOW_MANIFEST_TABLE": table,
        "SNOWPLOW_POKE_INTERVAL": "0.2",
        "SNOWPLOW_WAIT_SECONDS": "2",
    }.items():
        monkeypatch.setenv(name, value)


def test_each_loaded_hour_emits_one_event_keyed_by_its_start(loader_env: None, s3: Any, table: str) -> None:
    this_hour = datetime.now(UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0)
    first_hour = this_hour - timedelta(hours=3)
    put_loader_objects(s3, BUCKET, "enriched/", hourly_writes(first_hour, 2), HOURLY)
    before = partitioned_events(table)

    outcome = run_dag("snowplow_load_s3_loader")
    assert outcome.state == "success", outcome
    hours = outcome.labels("load_hour.mark_loaded")
    assert len(hours) == 2

    events = partitioned_events(table)[len(before) :]
    expected = [(first_hour + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%S") for h in (0, 1)]
    assert sorted(key for key, _ in events if key) == expected
    assert len(events) == 2, "one event per hour, no unpartitioned one"
    assert sorted(extra["snowplow_run_id"] for _, extra in events) == hours
    assert all(extra["newly_loaded"] is True and extra["table_name"] == table for _, extra in events)
