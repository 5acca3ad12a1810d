"""Once a day, when all 24 hours of S3 Loader output for the day are loaded: a partitioned rollup.

Each hour ``snowplow_load_s3_loader`` records emits an event of ``loaded_run_times_asset(<table>)``
keyed by the hour's start (``2026-03-13T10:00:00``). ``RollupMapper`` maps each key to its day
(``StartOfDayMapper``: ``2026-03-13``), ``DayWindow`` names the 24 hourly keys that make the day,
and ``WaitForAll`` starts the day's DAG run only once every one of them has arrived: an hour that
is late, or failed to load, holds the day back instead of letting the model run on part of it.
Hours load in any order; each day gets one DAG run.

For a layout of run folders (the enriched archive, the transformer's output) a run's key is the
time in its folder name, not on the hour: a "day" is then the runs stamped that UTC day, and
``DayWindow``'s 24 keys never all arrive. Map such runs with ``StartOfDayMapper`` alone (a DAG run
per day, started by its first run) or write a window of your own (see ``docs/scheduling.md``).

Its one setting, ``SNOWPLOW_MANIFEST_TABLE`` (required), must name the loading DAG's table.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import (
    DAG,
    DayWindow,
    PartitionedAssetTimetable,
    RollupMapper,
    StartOfDayMapper,
    WaitForAll,
    task,
)

from airflow_provider_snowplow.manifest.table import validate_table_name
from airflow_provider_snowplow.tasks.partitioned_assets import loaded_run_times_asset
from airflow_provider_snowplow.tasks.settings import setting

# ---- Settings --------------------------------------------------------------------------------
MANIFEST_TABLE = setting("SNOWPLOW_MANIFEST_TABLE", validate_table_name, example="snowplow-load-manifests")
# -----------------------------------------------------------------------------------------------

LOADED_RUN_TIMES = loaded_run_times_asset(MANIFEST_TABLE)
WHOLE_DAYS = RollupMapper(upstream_mapper=StartOfDayMapper(), window=DayWindow(), wait_policy=WaitForAll())

with DAG(
    dag_id="snowplow_daily_model",
    schedule=PartitionedAssetTimetable(assets=LOADED_RUN_TIMES, default_partition_mapper=WHOLE_DAYS),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["snowplow"],
    doc_md=__doc__,
):

    @task
    def model_day(**context: Any) -> dict[str, Any]:
        day = context["partition_key"]
        events = context["triggering_asset_events"].get(LOADED_RUN_TIMES, [])
        hours = sorted({event.partition_key for event in events if event.partition_key})
        print(f"Modelling day {day}: {len(hours)} loaded hour(s)")
        return {"day": day, "hours": len(hours)}

    model_day()
