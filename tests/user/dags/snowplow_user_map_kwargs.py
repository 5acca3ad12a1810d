"""Top-level mapping with ``.expand_kwargs(...)``: each run's arguments built from the XCom before it.

    wait_for_runs  ->  transform[run=...]  ->  mark_loaded[run=...]

``transform`` is mapped over ``{"snowplow_run_id": ..., "output_url": ...}`` per pending run, and
``mark_loaded`` over what each transform returned (its run id, and the run as processed).

Settings: ``SNOWPLOW_ARCHIVE_URL``, ``SNOWPLOW_OUTPUT_URL``, ``SNOWPLOW_MANIFEST_TABLE`` and
``SNOWPLOW_SETTLE_SECONDS``.
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import DAG

from airflow_provider_snowplow.operators.manifest import SnowplowMarkRunLoadedOperator
from airflow_provider_snowplow.operators.transform import SnowplowTransformRunOperator
from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor

ARCHIVE = os.environ["SNOWPLOW_ARCHIVE_URL"]
OUTPUT = os.environ["SNOWPLOW_OUTPUT_URL"]
TABLE = os.environ["SNOWPLOW_MANIFEST_TABLE"]
SETTLE_SECONDS = float(os.environ["SNOWPLOW_SETTLE_SECONDS"])


def transform_kwargs(snowplow_run_id: str) -> dict[str, Any]:
    return {"snowplow_run_id": snowplow_run_id, "output_url": OUTPUT}


def mark_kwargs(processed: dict[str, Any]) -> dict[str, Any]:
    return {"snowplow_run_id": processed["snowplow_run_id"], "processed": processed}


with DAG(
    dag_id="snowplow_user_map_kwargs",
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
        task_id="transform", archive_url=ARCHIVE, table_name=TABLE, settle_seconds=SETTLE_SECONDS
    ).expand_kwargs(pending.output.map(transform_kwargs))
    SnowplowMarkRunLoadedOperator.partial(
        task_id="mark_loaded", table_name=TABLE, archive_url=ARCHIVE, settle_seconds=SETTLE_SECONDS
    ).expand_kwargs(transform.output.map(mark_kwargs))
