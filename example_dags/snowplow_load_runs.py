"""Load every new Snowplow run exactly once.

    wait_for_runs  ->  load_run[run=...] ( transform  ->  mark_loaded )

* ``wait_for_runs`` (deferrable) waits in the triggerer until the archive has runs that are not
  in the manifest, not claimed by another DAG run, not archived and complete (their ``_SUCCESS``
  marker is there and nothing was written to them for ``settle_seconds``), and returns their ids.
* ``load_run`` is a task group mapped over those ids: one ``transform`` and one ``mark_loaded``
  per run, each labelled with the run id. Inside a mapped group, ``mark_loaded`` of a run waits only
  for ``transform`` of the same run, so one bad run never holds back the others.
* ``transform`` claims its run first; a run claimed by an overlapping DAG run is skipped, so
  correctness does not rely on ``max_active_runs=1``. If the run changes while it is read, it fails
  and releases the claim, and the run is offered again, whole, once complete.
* ``mark_loaded`` records the run with what was processed (``processed=transform.output``), for
  ``snowplow-manifest verify`` (see ``snowplow_audit_runs``).
* With nothing pending the sensor gives up after ``SNOWPLOW_WAIT_SECONDS`` and is skipped
  (``soft_fail``): the DAG run ends successfully.

Every loaded run emits an event of ``loaded_runs_asset(<table>)``, carrying the run id in its
extra: ``snowplow_asset_consumer`` runs after each load.

A template to copy. Every setting is in the block below, read from these environment variables
when the file is parsed; a required one that is missing, or a value that cannot work, is an import
error naming the variable (copying the file, you may write your values there instead):

=========================  ===========  ====================================================
variable                   default      meaning
=========================  ===========  ====================================================
SNOWPLOW_AWS_CONN_ID       aws_default  the Airflow AWS connection (S3 and DynamoDB)
SNOWPLOW_ARCHIVE_URL       (required)   the enriched archive, ``s3://bucket/enriched/archive/``
SNOWPLOW_OUTPUT_URL        (required)   where each run's JSON Lines go, ``s3://bucket/enriched/json/``
SNOWPLOW_MANIFEST_TABLE    (required)   the DynamoDB load manifest (hash key ``RunId``)
SNOWPLOW_MAX_RUNS          50           runs one DAG run takes on at most
SNOWPLOW_PARALLEL_TASKS    8            tasks of one DAG run that run at once
SNOWPLOW_POKE_INTERVAL     60           seconds between looks at the archive while waiting
SNOWPLOW_WAIT_SECONDS      1800         how long a DAG run waits for a run before it is skipped
SNOWPLOW_READY_MARKER      _SUCCESS     the object a run folder holds once it is complete
SNOWPLOW_SETTLE_SECONDS    900          how old a run's newest object must be before it is loaded
=========================  ===========  ====================================================

Per DAG run, ``--conf`` may override ``archive_url``, ``output_url`` and ``max_runs`` (the params
below, which the tasks read). The table is not a param: the Asset event of every load names it,
so it is fixed when the file is parsed. The demo, whose runs are written at once with their
marker last, sets a quiet period of one second.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Param, task_group

from airflow_provider_snowplow.archive.layouts.readiness import check_marker, check_settle_seconds
from airflow_provider_snowplow.archive.urls import parse_archive_url, parse_output_url
from airflow_provider_snowplow.operators.manifest import SnowplowMarkRunLoadedOperator
from airflow_provider_snowplow.operators.transform import SnowplowTransformRunOperator
from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor
from airflow_provider_snowplow.tasks.assets import loaded_runs_asset
from airflow_provider_snowplow.tasks.settings import PipelineSettings, setting

# ---- Settings: every knob of this pipeline, in one place. ------------------------------------
SETTINGS = PipelineSettings.from_environment(max_runs=50, poke_interval=60)
ARCHIVE_URL = setting(
    "SNOWPLOW_ARCHIVE_URL", parse_archive_url, example="s3://acme-snowplow/enriched/archive/"
)
OUTPUT_URL = setting("SNOWPLOW_OUTPUT_URL", parse_output_url, example="s3://acme-snowplow/enriched/json/")
READY_MARKER = setting("SNOWPLOW_READY_MARKER", check_marker, default="_SUCCESS")
SETTLE_SECONDS = float(setting("SNOWPLOW_SETTLE_SECONDS", check_settle_seconds, default="900"))
# -----------------------------------------------------------------------------------------------

LOADED_RUNS = loaded_runs_asset(SETTINGS.table_name)

with SETTINGS.dag(
    "snowplow_load_runs",
    timedelta(hours=1),
    {
        "archive_url": Param(ARCHIVE_URL, type="string", description="the enriched archive"),
        "output_url": Param(OUTPUT_URL, type="string", description="where the JSON Lines go"),
    },
    what="runs",
    ready_marker=READY_MARKER,
    settle_seconds=SETTLE_SECONDS,
    doc_md=__doc__,
) as dag:
    wait_for_runs = SnowplowPendingRunSensor(task_id="wait_for_runs", **SETTINGS.sensor_arguments())

    # The same group as the other layouts' pipelines, on purpose: each example is a template copied
    # alone, and what a run goes through (claim, transform, record) does not depend on its layout.
    @task_group
    def load_run(snowplow_run_id: str, archive_url: str, output_url: str) -> None:
        """One Snowplow run: transform it, then record it as loaded."""
        transform = SnowplowTransformRunOperator(
            task_id="transform",
            snowplow_run_id=snowplow_run_id,
            archive_url=archive_url,
            output_url=output_url,
        )
        transform >> SnowplowMarkRunLoadedOperator(
            task_id="mark_loaded",
            snowplow_run_id=snowplow_run_id,
            archive_url=archive_url,
            processed=transform.output,
            outlets=[LOADED_RUNS],
        )

    load_run.partial(
        archive_url="{{ params.archive_url }}",
        output_url="{{ params.output_url }}",
    ).expand(snowplow_run_id=wait_for_runs.output)
