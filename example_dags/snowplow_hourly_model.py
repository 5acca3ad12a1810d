"""Once per loaded hour of S3 Loader output: a model scheduled on partitioned asset events.

``snowplow_load_s3_loader`` records each hour with ``partitioned_outlets=[loaded_run_times_asset(<table>)]``:
each loaded hour emits one event of that asset whose partition key is the hour's start,
``2026-03-13T10:00:00``. ``PartitionedAssetTimetable`` with ``StartOfHourMapper`` turns each key
into one DAG run for the hour ``2026-03-13T10``; a plain ``schedule=[asset]`` DAG would not run on
these events at all. A real model would rebuild the hour's aggregates here.

Its one setting, ``SNOWPLOW_MANIFEST_TABLE`` (required), must name the loading DAG's table: the
asset is derived from it on both sides.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import DAG, PartitionedAssetTimetable, StartOfHourMapper, task

from airflow_provider_snowplow.manifest.table import validate_table_name
from airflow_provider_snowplow.tasks.partitioned_assets import loaded_run_times_asset
from airflow_provider_snowplow.tasks.settings import setting

# ---- Settings --------------------------------------------------------------------------------
MANIFEST_TABLE = setting("SNOWPLOW_MANIFEST_TABLE", validate_table_name, example="snowplow-load-manifests")
# -----------------------------------------------------------------------------------------------

LOADED_RUN_TIMES = loaded_run_times_asset(MANIFEST_TABLE)

with DAG(
    dag_id="snowplow_hourly_model",
    schedule=PartitionedAssetTimetable(assets=LOADED_RUN_TIMES, default_partition_mapper=StartOfHourMapper()),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["snowplow"],
    doc_md=__doc__,
):

    @task
    def model_hour(**context: Any) -> dict[str, Any]:
        hour = context["partition_key"]
        events = context["triggering_asset_events"].get(LOADED_RUN_TIMES, [])
        runs = sorted({event.extra["snowplow_run_id"] for event in events})
        print(f"Modelling hour {hour}: loaded run(s) {', '.join(runs)}")
        return {"hour": hour, "runs": runs}

    model_hour()
