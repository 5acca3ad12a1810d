"""Two DAGs watching one archive, each with its own asset and firing rule: their triggers share a poll.

Deployment test only (tests/deployment/test_event_scheduling.py): the archive is on a second local
endpoint, reached through the ``aws_shared`` connection, so that every request that endpoint counts
is a poll of these two triggers.
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import DAG, task

from airflow_provider_snowplow.tasks.watched_archive import new_runs_asset, triggered_run_ids
from airflow_provider_snowplow.triggers.new_runs import SnowplowNewRunsTrigger

ARCHIVE_URL = os.environ.get("SNOWPLOW_SHARED_ARCHIVE_URL", "s3://acme-snowplow/shared/archive/")
TABLE = "snowplow-shared-manifest"
POLL_INTERVAL = 1.0

for name, min_interval in (("a", 0.0), ("b", 30.0)):
    watcher = SnowplowNewRunsTrigger(
        archive_url=ARCHIVE_URL,
        table_name=TABLE,
        aws_conn_id="aws_shared",
        settle_seconds=0,
        poll_interval=POLL_INTERVAL,
        min_interval=min_interval,
    )
    with DAG(
        dag_id=f"snowplow_watch_shared_{name}",
        schedule=[new_runs_asset(watcher, name=f"snowplow_watch_shared_{name}")],
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        tags=["snowplow-test"],
    ):

        @task
        def named_runs(**context: Any) -> list[str]:
            return sorted(triggered_run_ids(context["triggering_asset_events"], ARCHIVE_URL, TABLE))

        named_runs()
