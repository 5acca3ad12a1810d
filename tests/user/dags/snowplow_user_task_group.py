"""The README's pipeline: a mapped ``@task_group`` of transform and mark-loaded, one per pending run.

    wait_for_runs  ->  load_run[run=...] ( transform  ->  mark_loaded )

Settings: ``SNOWPLOW_ARCHIVE_URL``, ``SNOWPLOW_OUTPUT_URL``, ``SNOWPLOW_MANIFEST_TABLE`` and
``SNOWPLOW_SETTLE_SECONDS``.
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG, task_group

from airflow_provider_snowplow.operators.manifest import SnowplowMarkRunLoadedOperator
from airflow_provider_snowplow.operators.transform import SnowplowTransformRunOperator
from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor

ARCHIVE = os.environ["SNOWPLOW_ARCHIVE_URL"]
OUTPUT = os.environ["SNOWPLOW_OUTPUT_URL"]
TABLE = os.environ["SNOWPLOW_MANIFEST_TABLE"]
SETTLE_SECONDS = float(os.environ["SNOWPLOW_SETTLE_SECONDS"])

with DAG(
    dag_id="snowplow_user_task_group",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
):
    pending = SnowplowPendingRunSensor(
        task_id="wait_for_runs",
        archive_url=ARCHIVE,
        table_name=TABLE,
        settle_seconds=SETTLE_SECONDS,
        max_runs=50,
        deferrable=True,
        poke_interval=1,
        timeout=300,
    )

    @task_group
    def load_run(snowplow_run_id: str, output_url: str) -> None:
        transform = SnowplowTransformRunOperator(
            task_id="transform",
            snowplow_run_id=snowplow_run_id,
            archive_url=ARCHIVE,
            output_url=output_url,
            table_name=TABLE,
            settle_seconds=SETTLE_SECONDS,
        )
        transform >> SnowplowMarkRunLoadedOperator(
            task_id="mark_loaded",
            snowplow_run_id=snowplow_run_id,
            table_name=TABLE,
            archive_url=ARCHIVE,
            processed=transform.output,
            settle_seconds=SETTLE_SECONDS,
        )

    load_run.partial(output_url=OUTPUT).expand(snowplow_run_id=pending.output)
