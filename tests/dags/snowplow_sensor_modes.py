"""Test DAGs: SnowplowPendingRunSensor alone, in each mode, pointed at the test archive by environment."""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG

from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor

for mode, deferrable in (("poke", False), ("reschedule", False), ("deferrable", True)):
    with DAG(
        dag_id=f"snowplow_sensor_{mode}",
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        params={"max_runs": int(os.environ.get("SNOWPLOW_MAX_RUNS", "100"))},
    ):
        SnowplowPendingRunSensor(
            task_id="wait_for_runs",
            archive_url=os.environ.get("SNOWPLOW_ARCHIVE_URL", "s3://acme-snowplow/enriched/archive/"),
            table_name="{{ var.value.get('snowplow_table', '"
            + os.environ.get("SNOWPLOW_MANIFEST_TABLE", "snowplow-load-manifests")
            + "') }}",
            max_runs="{{ params.max_runs }}",
            ready_marker=os.environ.get("SNOWPLOW_READY_MARKER", "_SUCCESS"),
            settle_seconds=os.environ.get("SNOWPLOW_SETTLE_SECONDS", "0"),
            mode="reschedule" if mode == "reschedule" else "poke",
            deferrable=deferrable,
            poke_interval=float(os.environ.get("SNOWPLOW_POKE_INTERVAL", "0.2")),
            timeout=float(os.environ.get("SNOWPLOW_WAIT_SECONDS", "3")),
            soft_fail=os.environ.get("SNOWPLOW_SOFT_FAIL", "true") == "true",
        )
