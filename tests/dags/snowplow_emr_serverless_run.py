"""Test DAG: SnowplowEmrServerlessRunOperator on one run given by params, deferred, on the local endpoint."""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum
from airflow.sdk import DAG

from airflow_provider_snowplow.operators.emr_serverless import SnowplowEmrServerlessRunOperator

with DAG(
    dag_id="snowplow_emr_serverless_run",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    params={"snowplow_run_id": "enriched/archive/run=2017-01-01-00-00-00/"},
):
    SnowplowEmrServerlessRunOperator(
        task_id="emr",
        snowplow_run_id="{{ params.snowplow_run_id }}",
        archive_url=os.environ.get("SNOWPLOW_ARCHIVE_URL", "s3://acme-snowplow/enriched/archive/"),
        output_url=os.environ.get("SNOWPLOW_OUTPUT_URL", "s3://acme-snowplow/enriched/json/"),
        table_name=os.environ.get("SNOWPLOW_MANIFEST_TABLE", "snowplow-load-manifests"),
        region_name=os.environ.get("SNOWPLOW_EMR_REGION") or None,
        application_id=os.environ.get("SNOWPLOW_EMR_APPLICATION_ID", "00fabcdefghijklm"),
        execution_role_arn="arn:aws:iam::123456789012:role/snowplow-spark-job",
        entry_point="s3://acme-snowplow/code/spark_submit.py",
        py_files="s3://acme-snowplow/code/snowplow_spark_job.zip",
        spark_submit_parameters="--conf spark.executor.cores=2",
        execution_timeout_minutes=60,
        waiter_delay=1,
        deferrable=True,
        retries=int(os.environ.get("SNOWPLOW_EMR_RETRIES", "0")),
        retry_delay=timedelta(seconds=0),
    )
