"""Test DAG: SnowplowSparkSubmitRunOperator mapped with ``.partial().expand()`` and ``.expand_kwargs()``.

Against the Spark connection ``spark_local``:

* ``spark``: over the sensor's run ids (``SNOWPLOW_ARCHIVE_URL``), every other argument in ``.partial()``;
* ``spark_kwargs``: over a list of dicts, one per run of ``SNOWPLOW_OTHER_RUN_IDS`` (comma-separated,
  in ``SNOWPLOW_OTHER_ARCHIVE_URL``), each with its run, archive and lease.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum
from airflow.sdk import DAG

from airflow_provider_snowplow.operators.spark import SnowplowSparkSubmitRunOperator, local_python_conf
from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor

ARCHIVE_URL = os.environ.get("SNOWPLOW_ARCHIVE_URL", "s3://acme-snowplow/enriched/archive/")
OTHER_ARCHIVE_URL = os.environ.get("SNOWPLOW_OTHER_ARCHIVE_URL", "s3://acme-snowplow/other/archive/")
OTHER_RUN_IDS = [run for run in os.environ.get("SNOWPLOW_OTHER_RUN_IDS", "").split(",") if run]
TABLE = os.environ.get("SNOWPLOW_MANIFEST_TABLE", "snowplow-load-manifests")

with DAG(
    dag_id="snowplow_mapped_spark_submit",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
):
    job = {
        "output_url": os.environ.get("SNOWPLOW_OUTPUT_URL", "s3://acme-snowplow/enriched/json/"),
        "table_name": TABLE,
        "conn_id": "spark_local",
        "conf": {**local_python_conf(), "spark.ui.enabled": "false"},
        "retries": 0,
        "retry_delay": timedelta(seconds=0),
    }
    wait_for_runs = SnowplowPendingRunSensor(
        task_id="wait_for_runs", archive_url=ARCHIVE_URL, table_name=TABLE, settle_seconds=0, timeout=5
    )
    SnowplowSparkSubmitRunOperator.partial(
        task_id="spark", archive_url=ARCHIVE_URL, output_format="jsonl", **job
    ).expand(snowplow_run_id=wait_for_runs.output)
    SnowplowSparkSubmitRunOperator.partial(task_id="spark_kwargs", **job).expand_kwargs(
        [
            {"snowplow_run_id": run_id, "archive_url": OTHER_ARCHIVE_URL, "lease_seconds": "900"}
            for run_id in OTHER_RUN_IDS
        ]
    )
