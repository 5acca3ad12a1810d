"""Top-level mapping: each operator mapped over the sensor's runs with ``.partial(...).expand(...)``.

    wait_for_runs  ->  transform[run=...]  ->  mark_loaded[run=...]

Settings: ``SNOWPLOW_ARCHIVE_URL``, ``SNOWPLOW_OUTPUT_URL``, ``SNOWPLOW_MANIFEST_TABLE`` and
``SNOWPLOW_SETTLE_SECONDS`` (the quiet period; freshly written runs need a short one).
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG

from airflow_provider_snowplow.operators.manifest import SnowplowMarkRunLoadedOperator
from airflow_provider_snowplow.operators.transform import SnowplowTransformRunOperator
from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor

ARCHIVE = os.environ["SNOWPLOW_ARCHIVE_URL"]
OUTPUT = os.environ["SNOWPLOW_OUTPUT_URL"]
TABLE = os.environ["SNOWPLOW_MANIFEST_TABLE"]
SETTLE_SECONDS = float(os.environ["SNOWPLOW_SETTLE_SECONDS"])

with DAG(
    dag_id="snowplow_user_map_partial",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
):
    pending = SnowplowPendingRunSensor(
        task_id="wait_for_runs",
        archive_url=ARCHIVE,
        table_name=TABLE,
        settle_seconds=SETTLE_SECONDS,
        deferrable=True,
        poke_interval=1,
        timeout=300,
    )
    transform = SnowplowTransformRunOperator.partial(
        task_id="transform",
        archive_url=ARCHIVE,
        output_url=OUTPUT,
        table_name=TABLE,
        settle_seconds=SETTLE_SECONDS,
    ).expand(snowplow_run_id=pending.output)
    mark_loaded = SnowplowMarkRunLoadedOperator.partial(
        task_id="mark_loaded",
        table_name=TABLE,
        archive_url=ARCHIVE,
        settle_seconds=SETTLE_SECONDS,
    ).expand(snowplow_run_id=pending.output)
    transform >> mark_loaded
