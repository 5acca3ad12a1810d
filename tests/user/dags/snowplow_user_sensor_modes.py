"""The pending-run sensor in each mode, as a user's DAG has it: poke, reschedule and deferrable.

A task group per mode, each with two sensors in that mode:

* ``<mode>.wait_for_runs`` watches ``<root><mode>/waiting/``, where nothing is ready when it first
  looks (the run's ``_SUCCESS`` marker is missing): it must keep waiting, and return the run once
  the marker is written and a one-second quiet period has passed (deferrable: it defers, its
  trigger waits, and it resumes);
* ``<mode>.runs_ready`` watches ``<root><mode>/ready/``, whose runs are complete from the start
  (their marker written last, no quiet period needed), and returns them at once.

Settings: ``SNOWPLOW_ARCHIVE_ROOT`` (``s3://bucket/``) and ``SNOWPLOW_MANIFEST_TABLE``.
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG, TaskGroup

from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor

ARCHIVE_ROOT = os.environ["SNOWPLOW_ARCHIVE_ROOT"]
MANIFEST_TABLE = os.environ["SNOWPLOW_MANIFEST_TABLE"]

with DAG(
    dag_id="snowplow_user_sensor_modes",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
):
    for mode in ("poke", "reschedule", "deferrable"):
        with TaskGroup(mode):
            for task_id, archive, settle_seconds in (
                ("wait_for_runs", "waiting", 1),
                ("runs_ready", "ready", 0),
            ):
                SnowplowPendingRunSensor(
                    task_id=task_id,
                    archive_url=f"{ARCHIVE_ROOT}{mode}/{archive}/",
                    table_name=MANIFEST_TABLE,
                    settle_seconds=settle_seconds,
                    mode="reschedule" if mode == "reschedule" else "poke",
                    deferrable=mode == "deferrable",
                    poke_interval=1,
                    timeout=300,
                )
