"""Test DAG: SnowplowSparkSubmitRunOperator on one run given by params, against the Spark connection ``spark_local``."""

from __future__ import annotations

import os
from datetime import timedelta

from airflow_provider_snowplow.operators.spark import SnowplowSparkSubmitRunOperator, local_python_conf
from airflow_provider_snowplow.testing.dags import one_run_dag, run_from_environment

with one_run_dag("snowplow_spark_submit_run"):
    SnowplowSparkSubmitRunOperator(
        task_id="spark",
        **run_from_environment(),
        conn_id="spark_local",
        conf={**local_python_conf(), "spark.ui.enabled": "false"},
        retries=int(os.environ.get("SNOWPLOW_SPARK_RETRIES", "0")),
        retry_delay=timedelta(seconds=0),
    )
