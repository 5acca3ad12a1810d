"""``./dev demo --layout ...``: the other run layouts on the same embedded local AWS.

* ``s3-loader``: seeds three closed hours and the open hour of S3 Loader output in hourly partitions
  (as S3 Loader 3.x names its objects; the last closed hour is left empty, so that a demo started
  inside its grace period sees the same), shows the open hour held back, then runs
  ``example_dags/snowplow_load_s3_loader.py`` twice with ``airflow dags test``: every closed hour is
  transformed and marked loaded once.
* ``transformer-output``: seeds two sealed stream-transformer runs and one still open (no
  ``shredding_complete.json``), shows discovery offering only the sealed ones, oldest first, with
  what each seal says, and records them as loaded through the core. (Its example DAG loads into
  PostgreSQL; the test suite runs it against an embedded one.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow_provider_snowplow.archive.layouts import make_layout
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing.layouts import hourly_writes, put_loader_objects, put_transformer_run
from demo.reporting import PipelineWatcher, say

HOURLY = "date={yyyy}-{MM}-{dd}/hour={HH}"
LOADER_DAG_ID = "snowplow_load_s3_loader"


def demo_s3_loader(s3: Any, dynamodb: Any, bucket: str, table: str, run_dag: Any) -> bool:
    """Seed S3 Loader hours, show readiness, run the example DAG twice; True if all went as expected.

    Args:
        s3: S3 client of the local endpoint.
        dynamodb: DynamoDB client of the local endpoint.
        bucket: the bucket to seed.
        table: the manifest table.
        run_dag: ``run_dag(dag_id, extra_env, watch)`` runs ``airflow dags test`` with the demo's
            environment, saying what ``watch`` sees while it runs (a :class:`~demo.reporting.PipelineWatcher`).
    """
    s3.create_bucket(Bucket=bucket)
    this_hour = datetime.now(UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0)
    put_loader_objects(s3, bucket, "enriched/", hourly_writes(this_hour - timedelta(hours=4), 3), HOURLY)
    put_loader_objects(s3, bucket, "enriched/", [this_hour], HOURLY)
    url = f"s3://{bucket}/enriched/"
    manifest = LoadManifest(s3, dynamodb, table, layout=make_layout("s3-loader", partition_format=HOURLY))
    say(f"seeded {url} with S3 Loader output in partitions {HOURLY!r}: 3 closed hours and the open one")
    found = manifest.find_pending_runs(url)
    say(f"pending: {len(found.pending)} hours, oldest first:")
    for run_id in found.pending:
        say(f"  {run_id} ({len(manifest.read_run(url, run_id).parts)} objects)")
    for run in found.not_ready:
        say(f"  not ready: {run.describe()}")
    # Every required setting of the DAG file, and the partition format the hours were seeded in.
    env = {
        "SNOWPLOW_LOADER_URL": url,
        "SNOWPLOW_OUTPUT_URL": f"s3://{bucket}/json/",
        "SNOWPLOW_MANIFEST_TABLE": table,
        "SNOWPLOW_PARTITION_FORMAT": HOURLY,
    }
    say(f"running DAG {LOADER_DAG_ID} with `airflow dags test` ...")
    run_dag(LOADER_DAG_ID, env, PipelineWatcher(manifest, found.pending, "enriched/", "json/"))
    loaded = [run_id for run_id in found.pending if manifest.is_loaded(run_id)]
    say(f"  marked loaded {len(loaded)} of {len(found.pending)} hours")
    say(f"running DAG {LOADER_DAG_ID} again (nothing is pending) ...")
    run_dag(LOADER_DAG_ID, env, PipelineWatcher(manifest, []))
    again = manifest.find_pending_runs(url)
    say(f"  pending hours: {len(again.pending)}; the open hour still waits: {len(again.not_ready)}")
    return len(loaded) == len(found.pending) == 3 and not again.pending


def demo_transformer_output(s3: Any, dynamodb: Any, bucket: str, table: str) -> bool:
    """Seed sealed and unsealed transformer runs; show discovery and the seals; record them loaded."""
    s3.create_bucket(Bucket=bucket)
    now = datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
    window = now.replace(minute=now.minute // 10 * 10) - timedelta(minutes=40)  # 10-minute windows
    sealed = [
        put_transformer_run(
            s3, bucket, "transformed/", window + timedelta(minutes=10 * n), good_lines=[b"{}"] * (n + 2)
        )
        for n in range(2)
    ]
    put_transformer_run(s3, bucket, "transformed/", window + timedelta(minutes=20), sealed=False)
    url = f"s3://{bucket}/transformed/"
    manifest = LoadManifest(s3, dynamodb, table, layout=make_layout("transformer-output"))
    say(f"seeded {url} with two sealed stream-transformer runs and one still being written")
    found = manifest.find_pending_runs(url)
    for run_id in found.pending:
        seal = manifest.read_seal(url, run_id)
        say(
            f"  pending {run_id}: {seal['count']} events, {seal['typesInfo']['transformation']} {seal['typesInfo'].get('fileFormat', '')}"
        )
        manifest.mark_loaded(run_id, loaded_by="demo")
    for run in found.not_ready:
        print(f"  not ready: {run.describe()}")
    again = manifest.find_pending_runs(url)
    say(f"after marking them loaded: {len(again.pending)} pending, {again.loaded} loaded")
    return found.pending == sealed and not again.pending and len(found.not_ready) == 1
