"""Test DAG (tests/user): SnowplowSparkSubmitRunOperator mapped over runs with ``.partial().expand()``.

Run by ``airflow dags test`` in a venv of the wheel with only the ``spark`` extra; the Spark
connection's ``spark-submit`` is another venv's (the job's: pyspark, orjson, boto3). The runs, the
places and the job's Python come from the environment (tests/user/test_spark_environments.py).
"""

from __future__ import annotations

import json
import os

import pendulum
from airflow.sdk import DAG

from airflow_provider_snowplow.operators.spark import SnowplowSparkSubmitRunOperator

JOB_PYTHON = os.environ.get("SNOWPLOW_JOB_PYTHON", "python3")

with DAG(
    dag_id="snowplow_spark_partial",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
):
    SnowplowSparkSubmitRunOperator.partial(
        task_id="spark",
        archive_url=os.environ.get("SNOWPLOW_ARCHIVE_URL", "s3://acme-snowplow/enriched/archive/"),
        output_url=os.environ.get("SNOWPLOW_OUTPUT_URL", "s3://acme-snowplow/enriched/json/"),
        table_name=os.environ.get("SNOWPLOW_MANIFEST_TABLE", "snowplow-load-manifests"),
        conn_id="spark_local",
        conf={
            "spark.pyspark.python": JOB_PYTHON,
            "spark.pyspark.driver.python": JOB_PYTHON,
            "spark.ui.enabled": "false",
        },
    ).expand(snowplow_run_id=json.loads(os.environ.get("SNOWPLOW_RUN_IDS", "[]")))
