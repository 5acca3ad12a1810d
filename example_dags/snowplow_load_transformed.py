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

A template to copy, its settings in one block as in ``snowplow_load_runs``: read from these
environment variables when the file is parsed, each missing required one or unworkable value an
import error naming it (or write your values into the block):

=========================  ===========  ===================================================
variable                   default      meaning
=========================  ===========  ===================================================
SNOWPLOW_AWS_CONN_ID       aws_default  the Airflow AWS connection (S3 and DynamoDB)
SNOWPLOW_TRANSFORMED_URL   (required)   the transformer's output, ``s3://bucket/transformed/``
SNOWPLOW_MANIFEST_TABLE    (required)   the DynamoDB load manifest (hash key ``RunId``)
SNOWPLOW_WAREHOUSE_DSN     (required)   the PostgreSQL to load into, a libpq connection string
SNOWPLOW_MAX_RUNS          12           runs one DAG run takes on at most
SNOWPLOW_PARALLEL_TASKS    4            tasks of one DAG run that run at once
SNOWPLOW_POKE_INTERVAL     120          seconds between looks at S3 while waiting
SNOWPLOW_WAIT_SECONDS      1800         how long a DAG run waits for a run before it is skipped
=========================  ===========  ===================================================

The DSN is read when the file is parsed, so a DAG without a warehouse does not parse, rather than
failing in every task it runs; the task reads the module's value, never a param or an argument,
so it is not stored with the task's rendered fields. In production use an Airflow connection.

Per DAG run, ``--conf`` may override ``archive_url`` (the transformer's output) and ``max_runs``
(the params below, which the tasks read). The table and the connection are fixed when the file is
parsed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import Param, get_current_context, task, task_group

from airflow_provider_snowplow.archive.urls import parse_archive_url
from airflow_provider_snowplow.operators.manifest import SnowplowMarkRunLoadedOperator
from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor
from airflow_provider_snowplow.tasks.settings import PipelineSettings, setting

# ---- Settings: every knob of this pipeline, in one place. ------------------------------------
SETTINGS = PipelineSettings.from_environment(max_runs=12, poke_interval=120, parallel_tasks=4)
TRANSFORMED_URL = setting(
    "SNOWPLOW_TRANSFORMED_URL", parse_archive_url, example="s3://acme-snowplow/transformed/"
)
# setting() refuses an empty value; libpq checks the rest when the task connects.
WAREHOUSE_DSN = setting(
    "SNOWPLOW_WAREHOUSE_DSN", str, example="'host=db.example.com dbname=analytics user=loader'"
)
# -----------------------------------------------------------------------------------------------

LAYOUT = "transformer-output"

with SETTINGS.dag(
    "snowplow_load_transformed",
    timedelta(minutes=10),
    {
        "archive_url": Param(TRANSFORMED_URL, type="string", description="the transformer's output"),
    },
    what="runs",
    layout=LAYOUT,
    doc_md=__doc__,
) as dag:
    wait_for_sealed_runs = SnowplowPendingRunSensor(
        task_id="wait_for_sealed_runs", **SETTINGS.sensor_arguments()
    )

    @task(map_index_template="{{ snowplow_run_id }}")
    def load_into_postgres(snowplow_run_id: str, archive_url: str) -> dict[str, Any]:
        """Insert the run's good events (one JSON document a row) and return what was read and the seal."""
        import gzip

        import psycopg2

        from airflow_provider_snowplow.archive.contents import signatures_json
        from airflow_provider_snowplow.archive.layouts import make_layout
        from airflow_provider_snowplow.hooks.manifest import SnowplowManifestHook
        from airflow_provider_snowplow.tasks.claimed_run import claimed_run

        context = get_current_context()
        context["snowplow_run_id"] = snowplow_run_id  # type: ignore[typeddict-unknown-key]
        hook = SnowplowManifestHook(
            SETTINGS.table_name, aws_conn_id=SETTINGS.aws_conn_id, layout=make_layout(LAYOUT)
        )
        with claimed_run(snowplow_run_id, hook=hook, context=context):
            run = hook.read_run(archive_url, snowplow_run_id)
            seal = hook.read_seal(archive_url, snowplow_run_id)
            events = []
            for part in run.parts:
                if "/output=good/" in part.key:
                    body = hook.read_object(archive_url, part.key)
                    events += [line for line in gzip.decompress(body).decode().splitlines() if line]
            with psycopg2.connect(WAREHOUSE_DSN) as db, db.cursor() as cursor:
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
    def load_run(snowplow_run_id: str, archive_url: str) -> None:
        """One sealed transformer run: load it, then record it as loaded."""
        loaded = load_into_postgres(snowplow_run_id, archive_url)
        SnowplowMarkRunLoadedOperator(
            task_id="mark_loaded", snowplow_run_id=snowplow_run_id, archive_url=archive_url, processed=loaded
        )

    load_run.partial(archive_url="{{ params.archive_url }}").expand(
        snowplow_run_id=wait_for_sealed_runs.output
    )
