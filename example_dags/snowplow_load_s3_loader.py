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
Each recorded hour also emits an event of ``loaded_run_times_asset(<table>)`` keyed by the hour's
start, for the partition-aware ``snowplow_hourly_model`` and ``snowplow_daily_model``.

A template to copy, its settings in one block as in ``snowplow_load_runs``: read from these
environment variables when the file is parsed, each missing required one or unworkable value an
import error naming it (or write your values into the block):

=========================  ===================================  =============================================
variable                   default                              meaning
=========================  ===================================  =============================================
SNOWPLOW_AWS_CONN_ID       aws_default                          the Airflow AWS connection (S3 and DynamoDB)
SNOWPLOW_LOADER_URL        (required)                           S3 Loader's output, ``s3://bucket/enriched/``
SNOWPLOW_OUTPUT_URL        (required)                           where each hour's JSON Lines go
SNOWPLOW_MANIFEST_TABLE    (required)                           the DynamoDB manifest (hash key ``RunId``)
SNOWPLOW_PARTITION_FORMAT  ``date={yyyy}-{MM}-{dd}/hour={HH}``  S3 Loader's ``partitionFormat``
SNOWPLOW_GRACE_SECONDS     600                                  seconds after an hour ends before it is ready
SNOWPLOW_MAX_RUNS          24                                   hours one DAG run takes on at most
SNOWPLOW_PARALLEL_TASKS    8                                    tasks of one DAG run that run at once
SNOWPLOW_POKE_INTERVAL     300                                  seconds between looks at S3 while waiting
SNOWPLOW_WAIT_SECONDS      1800                                 how long a DAG run waits before it is skipped
=========================  ===================================  =============================================

Per DAG run, ``--conf`` may override ``archive_url`` (S3 Loader's output), ``output_url`` and
``max_runs`` (the params below, which the tasks read). The table, the partition format and the
grace period are fixed when the file is parsed: hours recorded under one format or table are not
found under another.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Param, task_group

from airflow_provider_snowplow.archive.layouts import PartitionFormat
from airflow_provider_snowplow.archive.layouts.readiness import check_settle_seconds
from airflow_provider_snowplow.archive.urls import parse_archive_url, parse_output_url
from airflow_provider_snowplow.operators.manifest import SnowplowMarkRunLoadedOperator
from airflow_provider_snowplow.operators.transform import SnowplowTransformRunOperator
from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor
from airflow_provider_snowplow.tasks.partitioned_assets import loaded_run_times_asset
from airflow_provider_snowplow.tasks.settings import PipelineSettings, setting

# ---- Settings: every knob of this pipeline, in one place. ------------------------------------
SETTINGS = PipelineSettings.from_environment(max_runs=24, poke_interval=300)
LOADER_URL = setting("SNOWPLOW_LOADER_URL", parse_archive_url, example="s3://acme-snowplow/enriched/")
OUTPUT_URL = setting("SNOWPLOW_OUTPUT_URL", parse_output_url, example="s3://acme-snowplow/json/")
PARTITION_FORMAT = setting(
    "SNOWPLOW_PARTITION_FORMAT", PartitionFormat.parse, default="date={yyyy}-{MM}-{dd}/hour={HH}"
)
GRACE_SECONDS = float(setting("SNOWPLOW_GRACE_SECONDS", check_settle_seconds, default="600"))
# -----------------------------------------------------------------------------------------------

with SETTINGS.dag(
    "snowplow_load_s3_loader",
    timedelta(hours=1),
    {
        "archive_url": Param(LOADER_URL, type="string", description="S3 Loader's output"),
        "output_url": Param(OUTPUT_URL, type="string", description="where the JSON Lines go"),
    },
    what="hours",
    layout="s3-loader",
    partition_format=PARTITION_FORMAT,
    grace_seconds=GRACE_SECONDS,
    doc_md=__doc__,
) as dag:
    wait_for_hours = SnowplowPendingRunSensor(task_id="wait_for_hours", **SETTINGS.sensor_arguments())

    # The same group as the other layouts' pipelines, on purpose: each example is a template copied
    # alone, and what a run goes through (claim, transform, record) does not depend on its layout.
    @task_group
    def load_hour(snowplow_run_id: str, archive_url: str, output_url: str) -> None:
        """One hour of S3 Loader output: transform it, then record it as loaded."""
        transform = SnowplowTransformRunOperator(
            task_id="transform",
            snowplow_run_id=snowplow_run_id,
            archive_url=archive_url,
            output_url=output_url,
        )
        transform >> SnowplowMarkRunLoadedOperator(
            task_id="mark_loaded",
            snowplow_run_id=snowplow_run_id,
            archive_url=archive_url,
            processed=transform.output,
            partitioned_outlets=[loaded_run_times_asset(SETTINGS.table_name)],
        )

    load_hour.partial(
        archive_url="{{ params.archive_url }}",
        output_url="{{ params.output_url }}",
    ).expand(snowplow_run_id=wait_for_hours.output)
