"""Test DAG (tests/user): SnowplowSparkSubmitRunOperator inside a task group mapped over runs.

As snowplow_spark_partial.py, with the operator built whole inside a mapped ``@task_group``
(the mapping that needs no ``.partial()`` of our operator).
"""

from __future__ import annotations

import json
import os

import pendulum
from airflow.sdk import DAG, task_group

from airflow_provider_snowplow.operators.spark import SnowplowSparkSubmitRunOperator

JOB_PYTHON = os.environ.get("SNOWPLOW_JOB_PYTHON", "python3")

with DAG(
    dag_id="snowplow_spark_task_group",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
):

    @task_group
    def one_run(snowplow_run_id: str) -> None:
        SnowplowSparkSubmitRunOperator(
            task_id="spark",
            snowplow_run_id=snowplow_run_id,
            archive_url=os.environ.get("SNOWPLOW_ARCHIVE_URL", "s3://acme-snowplow/enriched/archive/"),
            output_url=os.environ.get("SNOWPLOW_OUTPUT_URL", "s3://acme-snowplow/enriched/json/"),
            table_name=os.environ.get("SNOWPLOW_MANIFEST_TABLE", "snowplow-load-manifests"),
            conn_id="spark_local",
            conf={
                "spark.pyspark.python": JOB_PYTHON,
                "spark.pyspark.driver.python": JOB_PYTHON,
                "spark.ui.enabled": "false",
            },
        )

    one_run.expand(snowplow_run_id=json.loads(os.environ.get("SNOWPLOW_RUN_IDS", "[]")))
