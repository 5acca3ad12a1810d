"""The example DAG end to end with ``dag.test()``, a real metadata DB and the local endpoint."""

from __future__ import annotations

from typing import Any

from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing.archive import READY_WHEN_SEEDED, Archive
from tests.integration.airflow_runs import DagOutcome, run_dag

DAG_ID = "snowplow_load_runs"


def loaded_run_ids(outcome: DagOutcome) -> list[Any]:
    return outcome.labels("load_run.mark_loaded")


def asset_event_runs(table: str) -> set[tuple[str, bool]]:
    """(run id, newly loaded) of every event the manifest's asset received."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    from airflow_provider_snowplow.tasks.assets import loaded_runs_asset

    name = loaded_runs_asset(table).name
    with create_session() as session:
        query = (
            select(AssetEvent.extra)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetModel.name == name)
        )
        return {(extra["snowplow_run_id"], extra["newly_loaded"]) for extra in session.scalars(query)}


def test_each_run_is_loaded_once_across_dag_runs(dag_env: Archive, s3, dynamodb, table: str) -> None:  # type: ignore[no-untyped-def]
    runs = [dag_env.add_run(f"2017-04-0{day}-10-00-00", {"part-00000": b"a\nb\n"}) for day in (1, 2, 3)]
    first = run_dag(DAG_ID)
    assert first.state == "success", first
    assert loaded_run_ids(first) == runs
    manifest = LoadManifest(s3, dynamodb, table, readiness=READY_WHEN_SEEDED)
    assert all(manifest.is_loaded(run) for run in runs)
    assert all(manifest.get_claim(run) is None for run in runs)
    record = manifest.get_record(runs[0])
    assert record is not None and record.loaded_by is not None
    assert record.loaded_by.startswith(f"{DAG_ID}/") and record.loaded_by.endswith("load_run.mark_loaded[0]")
    # The record keeps what the transform read: the run's one part file, as listed now.
    assert record.fingerprint == manifest.read_run(dag_env.url, runs[0]).fingerprint()
    assert record.fingerprint is not None and (record.fingerprint.objects, record.fingerprint.bytes) == (1, 4)

    assert asset_event_runs(table) == {(run, True) for run in runs}

    second = run_dag(DAG_ID)
    assert second.state == "success"
    assert second.states[("wait_for_runs", -1)] == "skipped"
    assert loaded_run_ids(second) == []

    newcomer = dag_env.add_run("2017-04-04-10-00-00")
    third = run_dag(DAG_ID)
    assert loaded_run_ids(third) == [newcomer]


def test_every_param_drives_the_run(dag_env: Archive, s3) -> None:  # type: ignore[no-untyped-def]
    """``--conf`` overrides of the params change what the run does (none is silently ignored)."""
    runs = [dag_env.add_run(f"2017-04-0{day}-10-00-00", {"part-00000": b"a\n"}) for day in (1, 2, 3)]
    elsewhere = f"s3://{dag_env.bucket}/elsewhere/json/"
    first = run_dag(DAG_ID, max_runs=1, output_url=elsewhere)
    assert loaded_run_ids(first) == [runs[0]], "max_runs"
    written = s3.list_objects_v2(Bucket=dag_env.bucket, Prefix="elsewhere/json/")["KeyCount"]
    assert written > 0, "output_url"
    s3.put_object(Bucket=dag_env.bucket, Key="other/archive/run=2017-05-01-10-00-00/part-00000", Body=b"a\n")
    s3.put_object(Bucket=dag_env.bucket, Key="other/archive/run=2017-05-01-10-00-00/_SUCCESS", Body=b"")
    second = run_dag(DAG_ID, archive_url=f"s3://{dag_env.bucket}/other/archive/")
    assert loaded_run_ids(second) == ["other/archive/run=2017-05-01-10-00-00/"], "archive_url"
