"""Test DAG: SnowplowSparkSubmitRunOperator on one run given by params, against the Spark connection ``spark_local``."""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum
from airflow.sdk import DAG

from airflow_provider_snowplow.operators.spark import SnowplowSparkSubmitRunOperator, local_python_conf

with DAG(
    dag_id="snowplow_spark_submit_run",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    params={"snowplow_run_id": "enriched/archive/run=2017-01-01-00-00-00/"},
):
    SnowplowSparkSubmitRunOperator(
        task_id="spark",
        snowplow_run_id="{{ params.snowplow_run_id }}",
        archive_url=os.environ.get("SNOWPLOW_ARCHIVE_URL", "s3://acme-snowplow/enriched/archive/"),
        output_url=os.environ.get("SNOWPLOW_OUTPUT_URL", "s3://acme-snowplow/enriched/json/"),
        table_name=os.environ.get("SNOWPLOW_MANIFEST_TABLE", "snowplow-load-manifests"),
        conn_id="spark_local",
        conf={**local_python_conf(), "spark.ui.enabled": "false"},
        retries=int(os.environ.get("SNOWPLOW_SPARK_RETRIES", "0")),
        retry_delay=timedelta(seconds=0),
    )
