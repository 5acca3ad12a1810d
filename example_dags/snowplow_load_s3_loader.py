"""Load each closed hour of Snowplow S3 Loader output exactly once.

    wait_for_hours  ->  load_hour[run=...] ( transform  ->  mark_loaded )

S3 Loader (Kinesis -> S3) writes enriched TSV, one gzip object per flush, into partitions of its
``partitionFormat`` (here ``date={yyyy}-{MM}-{dd}/hour={HH}``) by its clock at write time, and never
writes a completion marker. With ``layout="s3-loader"`` a run is one partition; it is ready once its
hour has ended plus ``grace_seconds`` (default 600: see the layout's docs), its run id is the
partition's key prefix, e.g. ``enriched/date=2026-11-30/hour=10/``. Discovery starts from the newest
hour recorded in the manifest, so it costs the same after two years as after two days.

The objects are enriched TSV like the enriched archive's, so ``SnowplowTransformRunOperator``
processes an hour unchanged (its output goes to ``<output_url>date=.../hour=.../``), and
``SnowplowMarkRunLoadedOperator`` records it. Overlapping DAG runs are safe: each hour is claimed.

Settings come from the DAG params, whose defaults read ``SNOWPLOW_LOADER_URL``,
``SNOWPLOW_OUTPUT_URL``, ``SNOWPLOW_MANIFEST_TABLE``, ``SNOWPLOW_PARTITION_FORMAT`` and
``SNOWPLOW_GRACE_SECONDS``.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum
from airflow.sdk import DAG, Param, task_group

from airflow_provider_snowplow.operators.manifest import SnowplowMarkRunLoadedOperator
from airflow_provider_snowplow.operators.transform import SnowplowTransformRunOperator
from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor

LAYOUT = {
    "layout": "s3-loader",
    "partition_format": "{{ params.partition_format }}",
    "grace_seconds": "{{ params.grace_seconds }}",
}

with DAG(
    dag_id="snowplow_load_s3_loader",
    schedule=timedelta(hours=1),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_tasks=8,
    params={
        "archive_url": Param(
            os.environ.get("SNOWPLOW_LOADER_URL", "s3://acme-snowplow/enriched/"), type="string"
        ),
        "output_url": Param(os.environ.get("SNOWPLOW_OUTPUT_URL", "s3://acme-snowplow/json/"), type="string"),
        "table_name": Param(
            os.environ.get("SNOWPLOW_MANIFEST_TABLE", "snowplow-load-manifests"), type="string"
        ),
        "partition_format": Param(
            os.environ.get("SNOWPLOW_PARTITION_FORMAT", "date={yyyy}-{MM}-{dd}/hour={HH}"), type="string"
        ),
        "grace_seconds": Param(
            float(os.environ.get("SNOWPLOW_GRACE_SECONDS", "600")), type="number", minimum=0
        ),
        "max_runs": Param(int(os.environ.get("SNOWPLOW_MAX_RUNS", "24")), type="integer", minimum=1),
    },
    tags=["snowplow"],
    doc_md=__doc__,
) as dag:
    wait_for_hours = SnowplowPendingRunSensor(
        task_id="wait_for_hours",
        archive_url="{{ params.archive_url }}",
        table_name="{{ params.table_name }}",
        max_runs="{{ params.max_runs }}",
        **LAYOUT,
        deferrable=True,
        poke_interval=float(os.environ.get("SNOWPLOW_POKE_INTERVAL", "300")),
        timeout=float(os.environ.get("SNOWPLOW_WAIT_SECONDS", "1800")),
        soft_fail=True,
    )

    @task_group
    def load_hour(snowplow_run_id: str, archive_url: str, output_url: str, table_name: str) -> None:
        """One hour of S3 Loader output: transform it, then record it as loaded."""
        transform = SnowplowTransformRunOperator(
            task_id="transform",
            snowplow_run_id=snowplow_run_id,
            archive_url=archive_url,
            output_url=output_url,
            table_name=table_name,
            **LAYOUT,
            retries=2,
            retry_delay=timedelta(seconds=5),
        )
        mark_loaded = SnowplowMarkRunLoadedOperator(
            task_id="mark_loaded",
            snowplow_run_id=snowplow_run_id,
            table_name=table_name,
            archive_url=archive_url,
            processed=transform.output,
            **LAYOUT,
            retries=2,
            retry_delay=timedelta(seconds=5),
        )
        transform >> mark_loaded

    load_hour.partial(
        archive_url="{{ params.archive_url }}",
        output_url="{{ params.output_url }}",
        table_name="{{ params.table_name }}",
    ).expand(snowplow_run_id=wait_for_hours.output)
