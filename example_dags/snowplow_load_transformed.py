"""Load each sealed run of RDB Loader's transformer into your own database, exactly once.

    wait_for_sealed_runs  ->  load_run[run=...] ( load_into_postgres  ->  mark_loaded )

RDB Loader's transformer (batch or stream) writes a run folder ``run=YYYY-MM-DD-HH-MM-SS[-<uuid>]/``
holding ``output=good/`` and ``output=bad/`` and seals it with ``shredding_complete.json`` when it is
whole. With ``layout="transformer-output"`` only sealed runs are offered. Its files are wide-row JSON
(or Parquet, or shredded TSV), not enriched TSV: the per-run work is yours, here
``load_into_postgres``, which runs inside ``claimed_run`` (a run claimed by an overlapping DAG run is
skipped), reads the seal (``hook.read_seal``: types, event count, time range), inserts the good
events into PostgreSQL, checks the run is unchanged (``hook.confirm_ready``) and commits, then returns
what it read for ``mark_loaded``.

Settings: ``SNOWPLOW_TRANSFORMED_URL``, ``SNOWPLOW_MANIFEST_TABLE`` and ``SNOWPLOW_WAREHOUSE_DSN``
(a libpq connection string; in production use an Airflow connection).
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import DAG, Param, get_current_context, task, task_group

from airflow_provider_snowplow.operators.manifest import SnowplowMarkRunLoadedOperator
from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor

LAYOUT = "transformer-output"

with DAG(
    dag_id="snowplow_load_transformed",
    schedule=timedelta(minutes=10),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_tasks=4,
    params={
        "archive_url": Param(
            os.environ.get("SNOWPLOW_TRANSFORMED_URL", "s3://acme-snowplow/transformed/"), type="string"
        ),
        "table_name": Param(
            os.environ.get("SNOWPLOW_MANIFEST_TABLE", "snowplow-load-manifests"), type="string"
        ),
        "max_runs": Param(int(os.environ.get("SNOWPLOW_MAX_RUNS", "12")), type="integer", minimum=1),
    },
    tags=["snowplow"],
    doc_md=__doc__,
) as dag:
    wait_for_sealed_runs = SnowplowPendingRunSensor(
        task_id="wait_for_sealed_runs",
        archive_url="{{ params.archive_url }}",
        table_name="{{ params.table_name }}",
        max_runs="{{ params.max_runs }}",
        layout=LAYOUT,
        deferrable=True,
        poke_interval=float(os.environ.get("SNOWPLOW_POKE_INTERVAL", "120")),
        timeout=float(os.environ.get("SNOWPLOW_WAIT_SECONDS", "1800")),
        soft_fail=True,
    )

    @task(map_index_template="{{ snowplow_run_id }}", retries=2, retry_delay=timedelta(seconds=5))
    def load_into_postgres(snowplow_run_id: str, archive_url: str, table_name: str) -> dict[str, Any]:
        """Insert the run's good events (one JSON document a row) and return what was read and the seal."""
        import gzip

        import psycopg2

        from airflow_provider_snowplow.archive.contents import signatures_json
        from airflow_provider_snowplow.archive.layouts import make_layout
        from airflow_provider_snowplow.hooks.manifest import SnowplowManifestHook
        from airflow_provider_snowplow.tasks.claimed_run import claimed_run

        context = get_current_context()
        context["snowplow_run_id"] = snowplow_run_id  # type: ignore[typeddict-unknown-key]
        hook = SnowplowManifestHook(table_name, layout=make_layout(LAYOUT))
        with claimed_run(snowplow_run_id, hook=hook, context=context):
            run = hook.read_run(archive_url, snowplow_run_id)
            seal = hook.read_seal(archive_url, snowplow_run_id)
            events = []
            for part in run.parts:
                if "/output=good/" in part.key:
                    body = hook.read_object(archive_url, part.key)
                    events += [line for line in gzip.decompress(body).decode().splitlines() if line]
            with psycopg2.connect(os.environ["SNOWPLOW_WAREHOUSE_DSN"]) as db, db.cursor() as cursor:
                cursor.execute("CREATE TABLE IF NOT EXISTS snowplow_events (run_id text, event jsonb)")
                cursor.execute("DELETE FROM snowplow_events WHERE run_id = %s", (snowplow_run_id,))
                cursor.executemany(
                    "INSERT INTO snowplow_events VALUES (%s, %s)", [(snowplow_run_id, e) for e in events]
                )
                # Nothing is committed unless the run is still what was read.
                hook.confirm_ready(archive_url, snowplow_run_id, since=run.signatures)
        hook.log.info(
            "Run %s: %d events inserted; the seal counted %s", snowplow_run_id, len(events), seal["count"]
        )
        return {
            "snowplow_run_id": snowplow_run_id,
            "rows": len(events),
            "seal": {key: seal[key] for key in ("typesInfo", "timestamps", "count")},
            "input_objects": signatures_json(run.signatures),
        }

    @task_group
    def load_run(snowplow_run_id: str, archive_url: str, table_name: str) -> None:
        """One sealed transformer run: load it, then record it as loaded."""
        loaded = load_into_postgres(snowplow_run_id, archive_url, table_name)
        SnowplowMarkRunLoadedOperator(
            task_id="mark_loaded",
            snowplow_run_id=snowplow_run_id,
            table_name=table_name,
            archive_url=archive_url,
            processed=loaded,
            layout=LAYOUT,
            retries=2,
            retry_delay=timedelta(seconds=5),
        )

    load_run.partial(archive_url="{{ params.archive_url }}", table_name="{{ params.table_name }}").expand(
        snowplow_run_id=wait_for_sealed_runs.output
    )
