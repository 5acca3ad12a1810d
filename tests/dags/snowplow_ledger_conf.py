"""Test DAG: a sensor whose archive comes from the DAG run's conf; the ledger page reads it back rendered."""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG

from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor

with DAG(dag_id="snowplow_ledger_conf", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")):
    SnowplowPendingRunSensor(
        task_id="wait_for_runs",
        archive_url="{{ dag_run.conf['archive_url'] }}",
        table_name=os.environ.get("SNOWPLOW_MANIFEST_TABLE", "snowplow-load-manifests"),
        settle_seconds=0,
        poke_interval=0.2,
        timeout=3,
        soft_fail=True,
    )
