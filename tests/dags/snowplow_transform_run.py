"""Test DAG: transform one run (given in the DAG run's conf) and mark it loaded, without retries.

The archive, output and table come from the environment, as for the example DAG; ``workers`` and
``compression`` are params, so tests choose them per DAG run.
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG, Param

from airflow_provider_snowplow.operators.manifest import SnowplowMarkRunLoadedOperator
from airflow_provider_snowplow.operators.transform import SnowplowTransformRunOperator

with DAG(
    dag_id="snowplow_transform_run",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    params={
        "snowplow_run_id": Param("", type="string"),
        "workers": Param(2, type="integer", minimum=1),
        "compression": Param("gzip", type="string"),
    },
):
    table_name = os.environ.get("SNOWPLOW_MANIFEST_TABLE", "snowplow-load-manifests")
    transform = SnowplowTransformRunOperator(
        task_id="transform",
        snowplow_run_id="{{ params.snowplow_run_id }}",
        archive_url=os.environ.get("SNOWPLOW_ARCHIVE_URL", "s3://acme-snowplow/enriched/archive/"),
        output_url=os.environ.get("SNOWPLOW_OUTPUT_URL", "s3://acme-snowplow/enriched/json/"),
        table_name=table_name,
        workers="{{ params.workers }}",
        compression="{{ params.compression }}",
        settle_seconds=0,  # runs seeded by the testing kit are complete at once
        retries=0,
    )
    mark_loaded = SnowplowMarkRunLoadedOperator(
        task_id="mark_loaded",
        snowplow_run_id="{{ params.snowplow_run_id }}",
        table_name=table_name,
        retries=0,
    )
    transform >> mark_loaded
