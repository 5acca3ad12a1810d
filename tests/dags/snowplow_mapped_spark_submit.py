"""Test DAGs: SnowplowSparkSubmitRunOperator mapped with Airflow's idiom, against the Spark connection ``spark_local``.

* ``snowplow_mapped_spark_submit``: ``spark`` over the sensor's run ids (``SNOWPLOW_ARCHIVE_URL``),
  every other argument in ``.partial()``; then ``spark_kwargs`` with ``.expand_kwargs()`` over a list
  of dicts, one per run of ``SNOWPLOW_OTHER_RUN_IDS`` (comma-separated, in
  ``SNOWPLOW_OTHER_ARCHIVE_URL``), each with its run, archive and lease;
* ``snowplow_mapped_spark_group``: the operator built whole inside a ``@task_group`` mapped over the
  runs of ``SNOWPLOW_OTHER_RUN_IDS`` (the mapping that needs no ``.partial()`` of ours).

tests/spark/test_mapped_spark_submit.py runs them with ``dag.test()`` in the development
environment; tests/user/test_spark_environments.py with ``airflow dags test`` in a user's
environment of the ``spark`` extra, whose Spark runs the Python of another environment, the job's
(``SNOWPLOW_JOB_PYTHON``). Only airflow and the package's public paths are imported, as in a user's
DAG file.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import DAG, task_group

from airflow_provider_snowplow.operators.spark import SnowplowSparkSubmitRunOperator
from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor

ARCHIVE_URL = os.environ.get("SNOWPLOW_ARCHIVE_URL", "s3://acme-snowplow/enriched/archive/")
OTHER_ARCHIVE_URL = os.environ.get("SNOWPLOW_OTHER_ARCHIVE_URL", "s3://acme-snowplow/other/archive/")
OTHER_RUN_IDS = [run for run in os.environ.get("SNOWPLOW_OTHER_RUN_IDS", "").split(",") if run]
TABLE = os.environ.get("SNOWPLOW_MANIFEST_TABLE", "snowplow-load-manifests")
# The Python of Spark's workers: the job's environment's where it is not Airflow's own.
JOB_PYTHON = os.environ.get("SNOWPLOW_JOB_PYTHON", sys.executable)
START = pendulum.datetime(2026, 1, 1, tz="UTC")
JOB: dict[str, Any] = {
    "output_url": os.environ.get("SNOWPLOW_OUTPUT_URL", "s3://acme-snowplow/enriched/json/"),
    "table_name": TABLE,
    "conn_id": "spark_local",
    "conf": {
        "spark.pyspark.python": JOB_PYTHON,
        "spark.pyspark.driver.python": JOB_PYTHON,
        "spark.ui.enabled": "false",
    },
    "retries": 0,
    "retry_delay": timedelta(seconds=0),
}

with DAG(dag_id="snowplow_mapped_spark_submit", schedule=None, start_date=START):
    wait_for_runs = SnowplowPendingRunSensor(
        task_id="wait_for_runs", archive_url=ARCHIVE_URL, table_name=TABLE, settle_seconds=0, timeout=5
    )
    SnowplowSparkSubmitRunOperator.partial(
        task_id="spark", archive_url=ARCHIVE_URL, output_format="jsonl", **JOB
    ).expand(snowplow_run_id=wait_for_runs.output)
    spark_kwargs = SnowplowSparkSubmitRunOperator.partial(task_id="spark_kwargs", **JOB).expand_kwargs(
        [
            {"snowplow_run_id": run_id, "archive_url": OTHER_ARCHIVE_URL, "lease_seconds": "900"}
            for run_id in OTHER_RUN_IDS
        ]
    )
    # Where both tasks are given the same run (the user lane), the sensor looks before either records it.
    wait_for_runs >> spark_kwargs


with DAG(dag_id="snowplow_mapped_spark_group", schedule=None, start_date=START):

    @task_group
    def one_run(snowplow_run_id: str) -> None:
        SnowplowSparkSubmitRunOperator(
            task_id="spark", snowplow_run_id=snowplow_run_id, archive_url=OTHER_ARCHIVE_URL, **JOB
        )

    one_run.expand(snowplow_run_id=OTHER_RUN_IDS)
