"""Runs after every load of a Snowplow run: a downstream model scheduled on the manifest's asset.

Each event of ``loaded_runs_asset(<table>)`` carries ``snowplow_run_id`` in its extra; this DAG
collects the runs that triggered it, where a real one would rebuild the models they feed.
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import DAG, task

from airflow_provider_snowplow.tasks.assets import loaded_runs_asset

LOADED_RUNS = loaded_runs_asset(os.environ.get("SNOWPLOW_MANIFEST_TABLE", "snowplow-load-manifests"))

with DAG(
    dag_id="snowplow_asset_consumer",
    schedule=[LOADED_RUNS],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["snowplow"],
    doc_md=__doc__,
):

    @task
    def newly_loaded_runs(**context: Any) -> list[str]:
        events = context["triggering_asset_events"][LOADED_RUNS]
        runs = sorted({e.extra["snowplow_run_id"] for e in events if e.extra.get("newly_loaded")})
        print(f"{len(runs)} newly loaded Snowplow run(s): {', '.join(runs)}")
        return runs

    newly_loaded_runs()
