"""Test DAGs that process one run: the DAG, and the places its operator reads, from the environment.

A test DAG file is parsed by Airflow in whatever process runs it, so it reads where the archive,
output and manifest table are from the environment (``SNOWPLOW_ARCHIVE_URL``,
``SNOWPLOW_OUTPUT_URL``, ``SNOWPLOW_MANIFEST_TABLE``), which a test sets before running the DAG;
the run comes in the DAG run's params. Usage, in a DAG file::

    with one_run_dag("my_run_dag"):
        SnowplowTransformRunOperator(task_id="transform", **run_from_environment())

Needs Airflow (imported when :func:`one_run_dag` is called).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from airflow.sdk import DAG

# The places of the demo (demo/ of the checkout), for a DAG parsed where none is set.
DEFAULT_ARCHIVE_URL = "s3://acme-snowplow/enriched/archive/"
DEFAULT_OUTPUT_URL = "s3://acme-snowplow/enriched/json/"
DEFAULT_TABLE = "snowplow-load-manifests"
# The run a DAG run gets when its trigger names none.
DEFAULT_RUN_ID = "enriched/archive/run=2017-01-01-00-00-00/"


class RunPlaces(TypedDict):
    """The keyword arguments of a one-run operator that say which run, and where it and its record go."""

    snowplow_run_id: str
    archive_url: str
    output_url: str
    table_name: str


def one_run_dag(dag_id: str, **params: Any) -> DAG:
    """A DAG run only when triggered, for the run in its ``snowplow_run_id`` param (and ``params``)."""
    from airflow.sdk import DAG

    return DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=datetime(2026, 1, 1, tzinfo=UTC),
        params={"snowplow_run_id": DEFAULT_RUN_ID, **params},
    )


def run_from_environment() -> RunPlaces:
    """An operator's ``snowplow_run_id`` (the DAG run's param), ``archive_url``, ``output_url`` and ``table_name``."""
    return {
        "snowplow_run_id": "{{ params.snowplow_run_id }}",
        "archive_url": os.environ.get("SNOWPLOW_ARCHIVE_URL", DEFAULT_ARCHIVE_URL),
        "output_url": os.environ.get("SNOWPLOW_OUTPUT_URL", DEFAULT_OUTPUT_URL),
        "table_name": os.environ.get("SNOWPLOW_MANIFEST_TABLE", DEFAULT_TABLE),
    }
