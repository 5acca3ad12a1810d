"""Test DAG: SnowplowEmrServerlessRunOperator on one run given by params, deferred, on the local endpoint."""

from __future__ import annotations

import os
from datetime import timedelta

from airflow_provider_snowplow.operators.emr_serverless import SnowplowEmrServerlessRunOperator
from airflow_provider_snowplow.testing.dags import one_run_dag, run_from_environment

with one_run_dag("snowplow_emr_serverless_run"):
    SnowplowEmrServerlessRunOperator(
        task_id="emr",
        **run_from_environment(),
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
