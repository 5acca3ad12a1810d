"""Test DAGs: the operators mapped with Airflow's own idiom, ``.partial(...).expand(...)`` and ``.expand_kwargs(...)``.

* ``snowplow_mapped_expand``: the sensor's run ids expanded over the transform, and over the
  mark-loaded operator after it, both at the top level (not in a task group);
* ``snowplow_mapped_expand_kwargs``: the sensor mapped over two archives with ``.expand_kwargs()``
  (a list of dicts), the transform over the dicts a task makes of their runs, and the mark-loaded
  operator over the transform's XComs turned into dicts (``.map()``): every argument it takes from
  one of them is the run's own (``processed`` included);
* ``snowplow_mapped_group``: the README's pattern, a task group mapped with ``.partial().expand()``,
  whose operators take every argument from the group.

The archives, output and table come from the environment, as for the example DAG; the second
archive (``SNOWPLOW_OTHER_ARCHIVE_URL``) is another prefix of the first one's bucket.
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import DAG, task, task_group

from airflow_provider_snowplow.archive.urls import parse_archive_url
from airflow_provider_snowplow.operators.manifest import SnowplowMarkRunLoadedOperator
from airflow_provider_snowplow.operators.transform import SnowplowTransformRunOperator
from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor

ARCHIVE_URL = os.environ.get("SNOWPLOW_ARCHIVE_URL", "s3://acme-snowplow/enriched/archive/")
OTHER_ARCHIVE_URL = os.environ.get("SNOWPLOW_OTHER_ARCHIVE_URL", "s3://acme-snowplow/other/archive/")
OUTPUT_URL = os.environ.get("SNOWPLOW_OUTPUT_URL", "s3://acme-snowplow/enriched/json/")
TABLE = os.environ.get("SNOWPLOW_MANIFEST_TABLE", "snowplow-load-manifests")
START = pendulum.datetime(2026, 1, 1, tz="UTC")
# Runs seeded by the testing kit are complete at once; with nothing pending the sensor is skipped.
SENSOR: dict[str, Any] = {
    "settle_seconds": 0,
    "mode": "poke",
    "poke_interval": 0.2,
    "timeout": 2,
    "soft_fail": True,
}


def archive_of(run_id: str) -> str:
    """The archive of a run id (the part before ``run=``), in the archives' bucket."""
    return f"s3://{parse_archive_url(ARCHIVE_URL).bucket}/{run_id.rpartition('run=')[0]}"


def record_of(summary: dict[str, Any]) -> dict[str, Any]:
    """The mark-loaded operator's arguments for one run, from the transform's XCom of it."""
    run_id = summary["snowplow_run_id"]
    return {"snowplow_run_id": run_id, "archive_url": archive_of(run_id), "processed": summary}


with DAG(dag_id="snowplow_mapped_expand", schedule=None, start_date=START):
    wait_for_runs = SnowplowPendingRunSensor(
        task_id="wait_for_runs", archive_url=ARCHIVE_URL, table_name=TABLE, **SENSOR
    )
    transform = SnowplowTransformRunOperator.partial(
        task_id="transform",
        archive_url=ARCHIVE_URL,
        output_url=OUTPUT_URL,
        table_name=TABLE,
        settle_seconds=0,
        retries=0,
    ).expand(snowplow_run_id=wait_for_runs.output)
    mark_loaded = SnowplowMarkRunLoadedOperator.partial(
        task_id="mark_loaded", table_name=TABLE, archive_url=ARCHIVE_URL, settle_seconds=0, retries=0
    ).expand(snowplow_run_id=wait_for_runs.output)
    transform >> mark_loaded


with DAG(dag_id="snowplow_mapped_expand_kwargs", schedule=None, start_date=START):
    archives = [ARCHIVE_URL, OTHER_ARCHIVE_URL]
    pending_by_archive = SnowplowPendingRunSensor.partial(
        task_id="wait_for_runs", table_name=TABLE, **SENSOR
    ).expand_kwargs([{"archive_url": ARCHIVE_URL}, {"archive_url": OTHER_ARCHIVE_URL, "max_runs": 5}])

    @task
    def runs_to_load(pending: Any) -> list[dict[str, str]]:
        """One dict of arguments per pending run: the run, and its archive (``pending``: a list per archive)."""
        return [
            {"snowplow_run_id": run_id, "archive_url": archive}
            for archive, run_ids in zip(archives, pending, strict=True)
            for run_id in run_ids
        ]

    transform = SnowplowTransformRunOperator.partial(
        task_id="transform", output_url=OUTPUT_URL, table_name=TABLE, settle_seconds=0, retries=0
    ).expand_kwargs(runs_to_load(pending_by_archive.output))
    SnowplowMarkRunLoadedOperator.partial(
        task_id="mark_loaded", table_name=TABLE, settle_seconds=0, retries=0
    ).expand_kwargs(transform.output.map(record_of))


with DAG(dag_id="snowplow_mapped_group", schedule=None, start_date=START):
    wait_for_runs = SnowplowPendingRunSensor(
        task_id="wait_for_runs", archive_url=ARCHIVE_URL, table_name=TABLE, **SENSOR
    )

    @task_group
    def load_run(
        snowplow_run_id: str, archive_url: str, output_url: str, table_name: str, settle_seconds: int
    ) -> None:
        """One run: transform it, then record it; every argument comes from the group."""
        transform = SnowplowTransformRunOperator(
            task_id="transform",
            snowplow_run_id=snowplow_run_id,
            archive_url=archive_url,
            output_url=output_url,
            table_name=table_name,
            settle_seconds=settle_seconds,
            retries=0,
        )
        transform >> SnowplowMarkRunLoadedOperator(
            task_id="mark_loaded",
            snowplow_run_id=snowplow_run_id,
            table_name=table_name,
            archive_url=archive_url,
            processed=transform.output,
            settle_seconds=settle_seconds,
            retries=0,
        )

    load_run.partial(
        archive_url=ARCHIVE_URL, output_url=OUTPUT_URL, table_name=TABLE, settle_seconds=0
    ).expand(snowplow_run_id=wait_for_runs.output)
