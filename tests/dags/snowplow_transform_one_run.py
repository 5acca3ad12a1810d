"""Test DAG: SnowplowTransformRunOperator on one run given by params, as the test environment says."""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG

from airflow_provider_snowplow.operators.transform import SnowplowTransformRunOperator

with DAG(
    dag_id="snowplow_transform_one_run",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    params={"snowplow_run_id": "enriched/archive/run=2017-01-01-00-00-00/", "fail_on_bad_rows": False},
):
    SnowplowTransformRunOperator(
        task_id="transform",
        snowplow_run_id="{{ params.snowplow_run_id }}",
        archive_url=os.environ.get("SNOWPLOW_ARCHIVE_URL", "s3://acme-snowplow/enriched/archive/"),
        output_url=os.environ.get("SNOWPLOW_OUTPUT_URL", "s3://acme-snowplow/enriched/json/"),
        table_name=os.environ.get("SNOWPLOW_MANIFEST_TABLE", "snowplow-load-manifests"),
        settle_seconds=0,  # runs seeded by the testing kit are complete at once
        fail_on_bad_rows="{{ params.fail_on_bad_rows }}",
    )
