"""Record the S3 Loader hours given in ``--conf`` as loaded, with partitioned events: a stand-in producer.

Deployment test only (tests/deployment/test_event_scheduling.py): the partition-aware example
consumers (``snowplow_hourly_model``, ``snowplow_daily_model``) need hours recorded by the real
``SnowplowMarkRunLoadedOperator`` with ``partitioned_outlets``; transforming 24 hours of S3 Loader
output first would only slow the test (``snowplow_load_s3_loader`` emits the same events: see
tests/integration/test_partitioned_events.py).
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import DAG, Param, task, task_group

from airflow_provider_snowplow.operators.manifest import SnowplowMarkRunLoadedOperator
from airflow_provider_snowplow.tasks.partitioned_assets import loaded_run_times_asset

TABLE = os.environ.get("SNOWPLOW_MANIFEST_TABLE", "snowplow-load-manifests")
HOURLY = "date={yyyy}-{MM}-{dd}/hour={HH}"

with DAG(
    dag_id="snowplow_mark_hours",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={"hours": Param([], type="array", description="S3 Loader run ids to record")},
    tags=["snowplow-test"],
):

    @task
    def hours(**context: Any) -> list[str]:
        return list(context["params"]["hours"])

    @task_group
    def record(snowplow_run_id: str) -> None:
        SnowplowMarkRunLoadedOperator(
            task_id="mark_loaded",
            snowplow_run_id=snowplow_run_id,
            table_name=TABLE,
            layout="s3-loader",
            partition_format=HOURLY,
            release_claim=False,
            partitioned_outlets=[loaded_run_times_asset(TABLE)],
        )

    record.expand(snowplow_run_id=hours())
