"""Test DAG: SnowplowEmrServerlessRunOperator mapped with ``.partial().expand()`` and ``.expand_kwargs()``.

* ``emr``: over the sensor's run ids (``SNOWPLOW_ARCHIVE_URL``), every other argument in ``.partial()``;
* ``emr_kwargs``: over a list of dicts, one per run of ``SNOWPLOW_OTHER_RUN_IDS`` (comma-separated,
  in ``SNOWPLOW_OTHER_ARCHIVE_URL``), each with its run, archive and an execution timeout of its own.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum
from airflow.sdk import DAG

from airflow_provider_snowplow.operators.emr_serverless import SnowplowEmrServerlessRunOperator
from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor

ARCHIVE_URL = os.environ.get("SNOWPLOW_ARCHIVE_URL", "s3://acme-snowplow/enriched/archive/")
OTHER_ARCHIVE_URL = os.environ.get("SNOWPLOW_OTHER_ARCHIVE_URL", "s3://acme-snowplow/other/archive/")
OTHER_RUN_IDS = [run for run in os.environ.get("SNOWPLOW_OTHER_RUN_IDS", "").split(",") if run]
TABLE = os.environ.get("SNOWPLOW_MANIFEST_TABLE", "snowplow-load-manifests")

with DAG(
    dag_id="snowplow_mapped_emr",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
):
    job = {
        "output_url": os.environ.get("SNOWPLOW_OUTPUT_URL", "s3://acme-snowplow/enriched/json/"),
        "table_name": TABLE,
        "application_id": os.environ.get("SNOWPLOW_EMR_APPLICATION_ID", "00fabcdefghijklm"),
        "execution_role_arn": "arn:aws:iam::123456789012:role/snowplow-spark-job",
        "entry_point": "s3://acme-snowplow/code/spark_submit.py",
        "spark_submit_parameters": "--conf spark.executor.cores=2",
        "waiter_delay": 1,
        "deferrable": True,
        "retries": 0,
        "retry_delay": timedelta(seconds=0),
    }
    wait_for_runs = SnowplowPendingRunSensor(
        task_id="wait_for_runs", archive_url=ARCHIVE_URL, table_name=TABLE, settle_seconds=0, timeout=5
    )
    SnowplowEmrServerlessRunOperator.partial(
        task_id="emr", archive_url=ARCHIVE_URL, execution_timeout_minutes=60, **job
    ).expand(snowplow_run_id=wait_for_runs.output)
    SnowplowEmrServerlessRunOperator.partial(task_id="emr_kwargs", **job).expand_kwargs(
        [
            {"snowplow_run_id": run_id, "archive_url": OTHER_ARCHIVE_URL, "execution_timeout_minutes": "30"}
            for run_id in OTHER_RUN_IDS
        ]
    )
