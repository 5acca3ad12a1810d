"""Test DAGs: a part file lands in a run after it was offered, while it is transformed or before
it is marked loaded. Pointed at the test archive, table and run by environment variables."""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import DAG, task

from airflow_provider_snowplow.archive.urls import parse_archive_url
from airflow_provider_snowplow.operators.manifest import SnowplowMarkRunLoadedOperator
from airflow_provider_snowplow.operators.transform import SnowplowTransformRunOperator

ARCHIVE_URL = os.environ.get("SNOWPLOW_ARCHIVE_URL", "s3://acme-snowplow/enriched/archive/")
RUN_ID = os.environ.get("SNOWPLOW_RUN_ID", "enriched/archive/run=2017-04-01-10-00-00/")
LATE_PART = "part-99999"
SETTINGS: dict[str, Any] = {
    "snowplow_run_id": RUN_ID,
    "table_name": os.environ.get("SNOWPLOW_MANIFEST_TABLE", "snowplow-load-manifests"),
    "settle_seconds": 0,
}


def land_late_part(s3: Any) -> None:
    """What a late copy into the run folder does."""
    s3.put_object(Bucket=parse_archive_url(ARCHIVE_URL).bucket, Key=RUN_ID + LATE_PART, Body=b"late\n")


def land_a_part_while_reading(context: Any) -> None:
    """``pre_execute``: the transform's first read of a part file lets a late part land."""
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    writer = AwsBaseHook(client_type="s3").conn
    landed: list[bool] = []

    def before_get(**_: Any) -> None:
        if not landed:
            landed.append(True)
            land_late_part(writer)

    context["task"].hook.s3_hook.conn.meta.events.register("before-call.s3.GetObject", before_get)


for dag_id, late in (
    ("snowplow_part_lands_while_transforming", "transform"),
    ("snowplow_part_lands_before_marking", "mark"),
):
    with DAG(dag_id=dag_id, schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")):
        transform = SnowplowTransformRunOperator(
            task_id="transform",
            archive_url=ARCHIVE_URL,
            output_url=os.environ.get("SNOWPLOW_OUTPUT_URL", "s3://acme-snowplow/enriched/json/"),
            pre_execute=land_a_part_while_reading if late == "transform" else None,
            **SETTINGS,
        )
        mark_loaded = SnowplowMarkRunLoadedOperator(
            task_id="mark_loaded", archive_url=ARCHIVE_URL, processed=transform.output, **SETTINGS
        )
        if late == "mark":

            @task
            def late_copy() -> None:
                from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

                land_late_part(AwsBaseHook(client_type="s3").conn)

            transform >> late_copy() >> mark_loaded
        else:
            transform >> mark_loaded


with DAG(
    dag_id="snowplow_own_task_then_mark", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")
):

    @task
    def own_processing() -> list[str]:
        """A user's own task: claim, read the run once, process it, confirm it is unchanged."""
        from airflow_provider_snowplow.archive.layouts.readiness import ReadinessRule
        from airflow_provider_snowplow.hooks.manifest import SnowplowManifestHook
        from airflow_provider_snowplow.tasks.claimed_run import claimed_run

        hook = SnowplowManifestHook(SETTINGS["table_name"], readiness=ReadinessRule(settle_seconds=0))
        with claimed_run(RUN_ID, hook=hook):
            run = hook.read_run(ARCHIVE_URL, RUN_ID)
            processed = [part.key for part in run.parts]
            if os.environ.get("SNOWPLOW_LATE_PART") == "yes":
                land_late_part(hook.s3_hook.conn)
            hook.confirm_ready(ARCHIVE_URL, RUN_ID, since=run.signatures)
        return processed

    own_processing() >> SnowplowMarkRunLoadedOperator(
        task_id="mark_loaded", archive_url=ARCHIVE_URL, **SETTINGS
    )
