"""Load each new Snowplow run exactly once, started by the run itself (event-driven scheduling).

    [triggerer: SnowplowNewRunsTrigger]  --asset event-->  runs_to_load  ->  load_run[run=...]

* No clock: the DAG is scheduled on an asset whose ``AssetWatcher`` runs ``SnowplowNewRunsTrigger``
  in the triggerer. Every ``SNOWPLOW_POLL_INTERVAL`` seconds it looks at the archive as the
  sensor does, and fires when ready, unrecorded, unclaimed runs appear that it has not fired for:
  one DAG run per new set of runs, not one per poll (at most one per ``SNOWPLOW_MIN_INTERVAL``).
* ``runs_to_load`` returns the runs named by the events that started this DAG run (started by
  hand, it returns the runs pending now), and ``load_run`` is mapped over them, as in
  ``snowplow_load_runs``: ``transform`` claims its run first, so a duplicate event, or a run
  taken meanwhile by another DAG run, is skipped instead of loaded twice.
* No slow clock as a safety net either: the trigger is its own. A run it fired for that is still
  pending ``SNOWPLOW_REFIRE_SECONDS`` later (the event was lost, the DAG run failed and released its
  claim, a worker died and its claim expired) is fired for again; a restarted triggerer fires
  once for whatever is pending. What it cannot cover is a triggerer that is down: then nothing of
  Airflow's deferred work runs, and the trigger catches up when it is back.
* Paused when it first appears: it loads the same archive into the same table as
  ``snowplow_load_runs``; unpause the one of the two you choose (running both is safe, but each
  run then costs two DAG runs). Its asset's watcher starts at the first parse after unpausing.

Every loaded run emits an event of ``loaded_runs_asset(<table>)``, as in ``snowplow_load_runs``.

Settings, read from the environment when the file is parsed (see ``snowplow_load_runs`` for
the first six):

=========================  ===========  ====================================================
variable                   default      meaning
=========================  ===========  ====================================================
SNOWPLOW_AWS_CONN_ID       aws_default  the Airflow AWS connection (S3 and DynamoDB)
SNOWPLOW_ARCHIVE_URL       (required)   the enriched archive, ``s3://bucket/enriched/archive/``
SNOWPLOW_OUTPUT_URL        (required)   where each run's JSON Lines go
SNOWPLOW_MANIFEST_TABLE    (required)   the DynamoDB load manifest (hash key ``RunId``)
SNOWPLOW_MAX_RUNS          50           runs one DAG run takes on at most
SNOWPLOW_PARALLEL_TASKS    8            tasks of one DAG run that run at once
SNOWPLOW_POLL_INTERVAL     60           seconds between the trigger's looks at the archive
SNOWPLOW_MIN_INTERVAL      60           seconds between two DAG runs the trigger starts, at least
SNOWPLOW_REFIRE_SECONDS    3600         when a run fired for but still pending is fired for again
SNOWPLOW_READY_MARKER      _SUCCESS     the object a run folder holds once it is complete
SNOWPLOW_SETTLE_SECONDS    900          how old a run's newest object must be before it is loaded
=========================  ===========  ====================================================
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG, task_group

from airflow_provider_snowplow.archive.layouts.readiness import check_marker, check_settle_seconds
from airflow_provider_snowplow.archive.urls import parse_archive_url, parse_output_url
from airflow_provider_snowplow.manifest.table import validate_table_name
from airflow_provider_snowplow.operators.manifest import SnowplowMarkRunLoadedOperator
from airflow_provider_snowplow.operators.runs_to_load import SnowplowRunsToLoadOperator
from airflow_provider_snowplow.operators.transform import SnowplowTransformRunOperator
from airflow_provider_snowplow.tasks.assets import loaded_runs_asset
from airflow_provider_snowplow.tasks.settings import setting
from airflow_provider_snowplow.tasks.watched_archive import new_runs_asset
from airflow_provider_snowplow.triggers.new_runs import SnowplowNewRunsTrigger
from airflow_provider_snowplow.validation import optional_string, positive_int, positive_number

# ---- Settings: every knob of this pipeline, in one place. ------------------------------------
AWS_CONN_ID = setting("SNOWPLOW_AWS_CONN_ID", optional_string, default="aws_default")
ARCHIVE_URL = setting(
    "SNOWPLOW_ARCHIVE_URL", parse_archive_url, example="s3://acme-snowplow/enriched/archive/"
)
OUTPUT_URL = setting("SNOWPLOW_OUTPUT_URL", parse_output_url, example="s3://acme-snowplow/enriched/json/")
MANIFEST_TABLE = setting("SNOWPLOW_MANIFEST_TABLE", validate_table_name, example="snowplow-load-manifests")
MAX_RUNS = int(setting("SNOWPLOW_MAX_RUNS", positive_int, default="50"))
PARALLEL_TASKS = int(setting("SNOWPLOW_PARALLEL_TASKS", positive_int, default="8"))
POLL_INTERVAL = float(setting("SNOWPLOW_POLL_INTERVAL", positive_number, default="60"))
MIN_INTERVAL = float(setting("SNOWPLOW_MIN_INTERVAL", check_settle_seconds, default="60"))
REFIRE_SECONDS = float(setting("SNOWPLOW_REFIRE_SECONDS", positive_number, default="3600"))
READY_MARKER = setting("SNOWPLOW_READY_MARKER", check_marker, default="_SUCCESS")
SETTLE_SECONDS = float(setting("SNOWPLOW_SETTLE_SECONDS", check_settle_seconds, default="900"))
# -----------------------------------------------------------------------------------------------

LOADED_RUNS = loaded_runs_asset(MANIFEST_TABLE)
NEW_RUNS = new_runs_asset(
    SnowplowNewRunsTrigger(
        archive_url=ARCHIVE_URL,
        table_name=MANIFEST_TABLE,
        aws_conn_id=AWS_CONN_ID,
        ready_marker=READY_MARKER,
        settle_seconds=SETTLE_SECONDS,
        max_runs=MAX_RUNS,
        poll_interval=POLL_INTERVAL,
        min_interval=MIN_INTERVAL,
        refire_after=REFIRE_SECONDS,
    ),
    name=f"snowplow_new_runs__{MANIFEST_TABLE}",
)

with DAG(
    dag_id="snowplow_load_on_new_runs",
    schedule=[NEW_RUNS],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    is_paused_upon_creation=True,
    max_active_tasks=PARALLEL_TASKS,
    tags=["snowplow"],
    doc_md=__doc__,
) as dag:
    runs_to_load = SnowplowRunsToLoadOperator(
        task_id="runs_to_load",
        archive_url=ARCHIVE_URL,
        table_name=MANIFEST_TABLE,
        aws_conn_id=AWS_CONN_ID,
        max_runs=MAX_RUNS,
        ready_marker=READY_MARKER,
        settle_seconds=SETTLE_SECONDS,
    )

    @task_group
    def load_run(snowplow_run_id: str) -> None:
        """One Snowplow run: transform it, then record it as loaded."""
        transform = SnowplowTransformRunOperator(
            task_id="transform",
            snowplow_run_id=snowplow_run_id,
            archive_url=ARCHIVE_URL,
            output_url=OUTPUT_URL,
            table_name=MANIFEST_TABLE,
            aws_conn_id=AWS_CONN_ID,
            ready_marker=READY_MARKER,
            settle_seconds=SETTLE_SECONDS,
            retries=2,
            retry_delay=timedelta(seconds=5),
        )
        mark_loaded = SnowplowMarkRunLoadedOperator(
            task_id="mark_loaded",
            snowplow_run_id=snowplow_run_id,
            table_name=MANIFEST_TABLE,
            aws_conn_id=AWS_CONN_ID,
            archive_url=ARCHIVE_URL,
            processed=transform.output,
            ready_marker=READY_MARKER,
            settle_seconds=SETTLE_SECONDS,
            outlets=[LOADED_RUNS],
            retries=2,
            retry_delay=timedelta(seconds=5),
        )
        transform >> mark_loaded

    load_run.expand(snowplow_run_id=runs_to_load.output)
