"""Runs after every load of a Snowplow run: a downstream model scheduled on the manifest's asset.

Each event of ``loaded_runs_asset(<table>)`` carries ``snowplow_run_id`` in its extra; this DAG
collects the runs that triggered it, where a real one would rebuild the models they feed.

Its one setting, ``SNOWPLOW_MANIFEST_TABLE`` (required), must name the same table as the loading
DAG's (``snowplow_load_runs``): the Asset is derived from it on both sides.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import DAG, task

from airflow_provider_snowplow.manifest.table import validate_table_name
from airflow_provider_snowplow.tasks.assets import loaded_runs_asset
from airflow_provider_snowplow.tasks.settings import setting

# ---- Settings --------------------------------------------------------------------------------
MANIFEST_TABLE = setting("SNOWPLOW_MANIFEST_TABLE", validate_table_name, example="snowplow-load-manifests")
# -----------------------------------------------------------------------------------------------

LOADED_RUNS = loaded_runs_asset(MANIFEST_TABLE)

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
