"""The demo reports each step of the pipeline as it shows in S3 and DynamoDB, each once."""

from __future__ import annotations

from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.processing.run import process_run
from airflow_provider_snowplow.testing.archive import READY_WHEN_SEEDED
from airflow_provider_snowplow.testing.local_aws import LocalAws
from demo import pipeline as demo
from demo.reporting import TABLE, PipelineWatcher


def test_the_watcher_reports_claims_transforms_and_records_once(aws: LocalAws, s3, dynamodb) -> None:  # type: ignore[no-untyped-def]
    manifest = LoadManifest(s3, dynamodb, TABLE)
    manifest.create_table()
    runs, _ = demo.seed_archive(s3, 2)
    watch = PipelineWatcher(manifest, runs)
    assert watch() == []
    first = runs[0].rstrip("/").rpartition("/")[2]
    assert manifest.claim_run(runs[0], "dag/run-1").won
    assert watch() == [f"claimed      {first}  by dag/run-1"]
    process_run(s3, demo.ARCHIVE_URL, runs[0], demo.OUTPUT_URL, readiness=READY_WHEN_SEEDED)
    assert watch() == [f"transformed  {first}  20 lines -> 20 good, 0 bad"]
    manifest.mark_loaded(runs[0], claim_owner="dag/run-1")
    assert watch() == [f"marked       {first}  loaded"]
    assert watch() == [], "each step is said once"
