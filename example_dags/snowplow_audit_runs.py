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

Settings come from the DAG params, whose defaults read ``SNOWPLOW_ARCHIVE_URL``,
``SNOWPLOW_MANIFEST_TABLE`` and ``SNOWPLOW_AUDIT_DAYS`` (0: every run of the archive).
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pendulum
from airflow.sdk import DAG, task

log = logging.getLogger(__name__)

with DAG(
    dag_id="snowplow_audit_runs",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={
        "archive_url": os.environ.get("SNOWPLOW_ARCHIVE_URL", "s3://acme-snowplow/enriched/archive/"),
        "table_name": os.environ.get("SNOWPLOW_MANIFEST_TABLE", "snowplow-load-manifests"),
        "days": int(os.environ.get("SNOWPLOW_AUDIT_DAYS", "7")),
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
        found = SnowplowManifestHook(params["table_name"]).verify_loaded_runs(params["archive_url"], since)
        log.info("%s", found.summary())
        if found.unknown:
            log.info(
                "%d run(s) cannot be verified: their records say nothing of what was loaded",
                len(found.unknown),
            )
        if found.drifted:
            raise RunDriftError(found.summary())
        return {"checked": len(found.runs), "unknown": len(found.unknown)}

    verify_loaded_runs()
