"""The layout example DAGs end to end with ``dag.test()``: S3 Loader hours, and transformer runs into PostgreSQL.

Objects are laid out by the testing kit as S3 Loader 3.2.0 (``DynamicPath.scala``) and RDB Loader
6.1.5's stream transformer (``Window.scala``, ``Completion.scala``) lay them out; see
``airflow_provider_snowplow/testing/layouts.py`` for the sources and commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from airflow_provider_snowplow.archive.layouts import make_layout
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing.layouts import hourly_writes, put_loader_objects, put_transformer_run
from tests.deployment.airflow_stack import PostgresServer
from tests.integration.airflow_runs import run_dag
from tests.support import BUCKET, LOADER_URL, OUTPUT_URL, TRANSFORMED_URL

HOURLY = "date={yyyy}-{MM}-{dd}/hour={HH}"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The embedded PostgreSQL the deployment test uses, as the user's warehouse (a libpq DSN)."""
    server = PostgresServer(Path(tmp_path_factory.mktemp("warehouse")) / "postgres.log").start()
    try:
        yield f"host=127.0.0.1 port={server.port} user=airflow dbname=airflow"
    finally:
        server.stop()


@pytest.fixture
def layout_env(test_dags: Path, aws_connection: str, table: str, s3, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    s3.create_bucket(Bucket=BUCKET)
    for name, value in {
        "SNOWPLOW_LOADER_URL": LOADER_URL,
        "SNOWPLOW_TRANSFORMED_URL": TRANSFORMED_URL,
        "SNOWPLOW_OUTPUT_URL": OUTPUT_URL,
        "SNOWPLOW_MANIFEST_TABLE": table,
        "SNOWPLOW_POKE_INTERVAL": "0.2",
        "SNOWPLOW_WAIT_SECONDS": "2",
    }.items():
        monkeypatch.setenv(name, value)


def test_s3_loader_hours_are_transformed_and_marked_once(layout_env: None, s3, dynamodb, table: str) -> None:  # type: ignore[no-untyped-def]
    this_hour = datetime.now(UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0)
    put_loader_objects(s3, BUCKET, "enriched/", hourly_writes(this_hour - timedelta(hours=3), 2), HOURLY)
    put_loader_objects(s3, BUCKET, "enriched/", [this_hour], HOURLY)  # still open: held back
    hours = [f"enriched/{this_hour - timedelta(hours=h):date=%Y-%m-%d/hour=%H}/" for h in (3, 2)]
    manifest = LoadManifest(s3, dynamodb, table, layout=make_layout("s3-loader", partition_format=HOURLY))
    # An overlapping DAG run is loading the second hour: this one must leave it alone.
    assert manifest.claim_run(hours[1], "snowplow_load_s3_loader/overlapping").won
    first = run_dag("snowplow_load_s3_loader")
    assert first.state == "success", first
    assert first.labels("load_hour.mark_loaded") == hours[:1]
    record = manifest.get_record(hours[0])
    assert record is not None and record.fingerprint is not None and record.fingerprint.objects == 2
    transformed = first.xcoms[("load_hour.transform", hours[0])]
    assert transformed["output_url"] == OUTPUT_URL + hours[0].removeprefix("enriched/")
    # The overlapping run failed and released its claim: the next DAG run loads the hour, once.
    assert manifest.release_claim(hours[1], owner="snowplow_load_s3_loader/overlapping")
    second = run_dag("snowplow_load_s3_loader")
    assert second.state == "success"
    assert second.labels("load_hour.mark_loaded") == hours[1:]
    assert all(manifest.is_loaded(hour) for hour in hours)
    assert manifest.find_pending_runs(LOADER_URL).pending == []


def test_transformer_runs_are_loaded_into_postgres_once(  # type: ignore[no-untyped-def]
    layout_env: None, warehouse: str, s3, dynamodb, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg2

    monkeypatch.setenv("SNOWPLOW_WAREHOUSE_DSN", warehouse)
    start = datetime(2026, 11, 30, 10, 10)
    runs = [
        put_transformer_run(
            s3, BUCKET, "transformed/", start, good_lines=[b'{"event_id": "a"}', b'{"event_id": "b"}']
        ),
        put_transformer_run(
            s3, BUCKET, "transformed/", start + timedelta(minutes=10), good_lines=[b'{"event_id": "c"}']
        ),
    ]
    unsealed = put_transformer_run(s3, BUCKET, "transformed/", start + timedelta(minutes=20), sealed=False)
    first = run_dag("snowplow_load_transformed")
    assert first.state == "success", first
    assert first.labels("load_run.mark_loaded") == runs
    loaded = first.xcoms[("load_run.load_into_postgres", runs[0])]
    assert (loaded["rows"], loaded["seal"]["count"]) == (2, {"good": 2, "bad": 1})
    with psycopg2.connect(warehouse) as db, db.cursor() as cursor:
        cursor.execute("SELECT run_id, event->>'event_id' FROM snowplow_events ORDER BY 2")
        assert cursor.fetchall() == [(runs[0], "a"), (runs[0], "b"), (runs[1], "c")]
    second = run_dag("snowplow_load_transformed")
    assert second.labels("load_run.mark_loaded") == []
    manifest = LoadManifest(s3, dynamodb, table, layout=make_layout("transformer-output"))
    assert manifest.find_pending_runs(TRANSFORMED_URL).not_ready[0].run_id == unsealed
