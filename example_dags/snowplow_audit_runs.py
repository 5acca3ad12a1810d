"""Every day, check that the runs loaded lately still hold what was loaded; fail loudly if not.

    verify_loaded_runs

A run can change after it was loaded: a late copy into its folder, a re-run of the archive step.
Its loaded data is then incomplete or stale, and nothing in the pipeline notices: the run is
recorded, so it is never offered again. This DAG compares each loaded run's record (the part files
it held when loaded: count, bytes, digest) with its folder now, for the runs of the last
``days`` days, and fails with ``RunDriftError`` naming the runs that gained, lost or changed
part files. Nothing is re-queued by itself: reload a run deliberately with
``snowplow-manifest unmark RUN`` (the next ``snowplow_load_runs`` loads it again, whole).

Runs recorded by Snowplow's SDKs (or without ``archive_url`` on the mark task) say nothing of what
was loaded: they are counted as unknown, not as drift.

A template to copy, its settings in one block as in ``snowplow_load_runs``: read from these
environment variables when the file is parsed, each missing required one or unworkable value an
import error naming it (or write your values into the block):

=========================  ===========  =======================================================
variable                   default      meaning
=========================  ===========  =======================================================
SNOWPLOW_AWS_CONN_ID       aws_default  the Airflow AWS connection (S3 and DynamoDB)
SNOWPLOW_ARCHIVE_URL       (required)   the enriched archive, ``s3://bucket/enriched/archive/``
SNOWPLOW_MANIFEST_TABLE    (required)   the DynamoDB load manifest (hash key ``RunId``)
SNOWPLOW_AUDIT_DAYS        7            the runs of how many days back to check; 0: every run
=========================  ===========  =======================================================

Per DAG run, ``--conf`` may override ``archive_url`` and ``days`` (the params below, which the task
reads): ``{"days": 0}`` audits the whole archive once. The table and the connection are fixed when
the file is parsed.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pendulum
from airflow.sdk import DAG, Param, task

from airflow_provider_snowplow.archive.urls import parse_archive_url
from airflow_provider_snowplow.manifest.table import validate_table_name
from airflow_provider_snowplow.tasks.settings import setting
from airflow_provider_snowplow.validation import optional_string

log = logging.getLogger(__name__)


def days_back(value: str) -> int:
    """A number of days to look back: a whole number, zero (every run) or more."""
    try:
        days = int(value)
    except ValueError:
        days = -1
    if days < 0:
        raise ValueError(f"must be a whole number of days, 0 (every run) or more, got {value!r}")
    return days


# ---- Settings: every knob of this audit, in one place. ---------------------------------------
AWS_CONN_ID = setting("SNOWPLOW_AWS_CONN_ID", optional_string, default="aws_default")
ARCHIVE_URL = setting(
    "SNOWPLOW_ARCHIVE_URL", parse_archive_url, example="s3://acme-snowplow/enriched/archive/"
)
MANIFEST_TABLE = setting("SNOWPLOW_MANIFEST_TABLE", validate_table_name, example="snowplow-load-manifests")
AUDIT_DAYS = days_back(setting("SNOWPLOW_AUDIT_DAYS", days_back, default="7"))
# -----------------------------------------------------------------------------------------------

with DAG(
    dag_id="snowplow_audit_runs",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={
        "archive_url": Param(ARCHIVE_URL, type="string", description="the enriched archive"),
        "days": Param(AUDIT_DAYS, type="integer", minimum=0, description="days back to check; 0: all"),
    },
    tags=["snowplow"],
    doc_md=__doc__,
) as dag:

    @task
    def verify_loaded_runs(params: dict[str, Any] | None = None) -> dict[str, int]:
        """Compare the loaded runs with the archive; raise ``RunDriftError`` if any changed."""
        from airflow_provider_snowplow.errors import RunDriftError
        from airflow_provider_snowplow.hooks.manifest import SnowplowManifestHook

        assert params is not None
        days = int(params["days"])
        since = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=days) if days > 0 else None
        hook = SnowplowManifestHook(MANIFEST_TABLE, aws_conn_id=AWS_CONN_ID)
        found = hook.verify_loaded_runs(params["archive_url"], since)
        log.info("%s", found.summary())
        # Kept in the manifest for the Snowplow runs page of the Airflow UI (one PutItem).
        hook.manifest.record_verification(params["archive_url"], found, since)
        if found.unknown:
            log.info(
                "%d run(s) cannot be verified: their records say nothing of what was loaded",
                len(found.unknown),
            )
        if found.drifted:
            raise RunDriftError(found.summary())
        return {"checked": len(found.runs), "unknown": len(found.unknown)}

    verify_loaded_runs()
