"""Test DAG: one SnowplowTransformRunOperator whose every argument, ``shape`` included, is a param."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG

from airflow_provider_snowplow.operators.transform import SnowplowTransformRunOperator

with DAG(
    dag_id="snowplow_transform_shape",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    params={"snowplow_run_id": "", "archive_url": "", "output_url": "", "table_name": "", "shape": "python"},
):
    SnowplowTransformRunOperator(
        task_id="transform",
        snowplow_run_id="{{ params.snowplow_run_id }}",
        archive_url="{{ params.archive_url }}",
        output_url="{{ params.output_url }}",
        table_name="{{ params.table_name }}",
        settle_seconds=0,  # runs seeded by the testing kit are complete at once
        shape="{{ params.shape }}",
    )
