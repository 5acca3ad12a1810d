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
* With nothing pending the sensor times out after ``timeout`` and is skipped (``soft_fail``): the
  DAG run ends successfully.

Every loaded run emits an event of ``loaded_runs_asset(<table>)``, carrying the run id in its
extra: ``snowplow_asset_consumer`` runs after each load.

Settings come from the DAG params (override per run with ``--conf``), whose defaults read the
environment variables ``SNOWPLOW_ARCHIVE_URL``, ``SNOWPLOW_OUTPUT_URL``, ``SNOWPLOW_MANIFEST_TABLE``,
``SNOWPLOW_READY_MARKER`` and ``SNOWPLOW_SETTLE_SECONDS`` (the demo, whose runs are written at once
with their marker last, sets a quiet period of one second).
"""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum
from airflow.sdk import DAG, Param, task_group

from airflow_provider_snowplow.operators.manifest import SnowplowMarkRunLoadedOperator
from airflow_provider_snowplow.operators.transform import SnowplowTransformRunOperator
from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor
from airflow_provider_snowplow.tasks.assets import loaded_runs_asset

MANIFEST_TABLE = os.environ.get("SNOWPLOW_MANIFEST_TABLE", "snowplow-load-manifests")

with DAG(
    dag_id="snowplow_load_runs",
    schedule=timedelta(hours=1),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_tasks=8,
    params={
        "archive_url": Param(
            os.environ.get("SNOWPLOW_ARCHIVE_URL", "s3://acme-snowplow/enriched/archive/"), type="string"
        ),
        "output_url": Param(
            os.environ.get("SNOWPLOW_OUTPUT_URL", "s3://acme-snowplow/enriched/json/"), type="string"
        ),
        "table_name": Param(
            os.environ.get("SNOWPLOW_MANIFEST_TABLE", "snowplow-load-manifests"), type="string"
        ),
        "max_runs": Param(int(os.environ.get("SNOWPLOW_MAX_RUNS", "50")), type="integer", minimum=1),
        "wait_seconds": Param(
            float(os.environ.get("SNOWPLOW_WAIT_SECONDS", "1800")), type="number", minimum=0
        ),
        # When a run is complete: its marker exists and its newest object is settle_seconds old.
        "ready_marker": Param(os.environ.get("SNOWPLOW_READY_MARKER", "_SUCCESS"), type="string"),
        "settle_seconds": Param(
            float(os.environ.get("SNOWPLOW_SETTLE_SECONDS", "900")), type="number", minimum=0
        ),
    },
    tags=["snowplow"],
    doc_md=__doc__,
) as dag:
    wait_for_runs = SnowplowPendingRunSensor(
        task_id="wait_for_runs",
        archive_url="{{ params.archive_url }}",
        table_name="{{ params.table_name }}",
        max_runs="{{ params.max_runs }}",
        ready_marker="{{ params.ready_marker }}",
        settle_seconds="{{ params.settle_seconds }}",
        deferrable=True,
        poke_interval=float(os.environ.get("SNOWPLOW_POKE_INTERVAL", "60")),
        timeout=float(os.environ.get("SNOWPLOW_WAIT_SECONDS", "1800")),
        soft_fail=True,
        # Airflow can fail a sensor resumed seconds after deferring (apache/airflow#72716); a retry
        # simply looks again.
        retries=1,
    )

    @task_group
    def load_run(snowplow_run_id: str, archive_url: str, output_url: str, table_name: str) -> None:
        """One Snowplow run: transform it, then record it as loaded."""
        transform = SnowplowTransformRunOperator(
            task_id="transform",
            snowplow_run_id=snowplow_run_id,
            archive_url=archive_url,
            output_url=output_url,
            table_name=table_name,
            ready_marker="{{ params.ready_marker }}",
            settle_seconds="{{ params.settle_seconds }}",
            retries=2,
            retry_delay=timedelta(seconds=5),
        )
        mark_loaded = SnowplowMarkRunLoadedOperator(
            task_id="mark_loaded",
            snowplow_run_id=snowplow_run_id,
            table_name=table_name,
            archive_url=archive_url,
            processed=transform.output,
            ready_marker="{{ params.ready_marker }}",
            settle_seconds="{{ params.settle_seconds }}",
            outlets=[loaded_runs_asset(MANIFEST_TABLE)],
            retries=2,
            retry_delay=timedelta(seconds=5),
        )
        transform >> mark_loaded

    load_run.partial(
        archive_url="{{ params.archive_url }}",
        output_url="{{ params.output_url }}",
        table_name="{{ params.table_name }}",
    ).expand(snowplow_run_id=wait_for_runs.output)
