"""What a discovery of pending runs saw, in a task's log: shared by the sensor's poke and its trigger.

Both look at the archive the same way (one plan, two runners) and must tell the same story:
expired claims, folders that are not runs, an archive with no run at all, and why runs wait.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_snowplow.archive.layouts import Layout
from airflow_provider_snowplow.manifest.discovery import RunDiscovery

# A poke logs this many not-ready runs by name; an archive with thousands must not flood the log.
_LOGGED_NOT_READY = 10


def log_details(log: Any, found: RunDiscovery, layout: Layout, archive_url: str) -> None:
    """What a discovery saw besides its counts, for the poke and the trigger alike.

    Expired claims, folders that are not runs, an archive with no run at all (usually a wrong
    ``archive_url`` or ``layout``), and the first few runs not complete yet with what they wait for.
    """
    for claim in found.expired_claims:
        log.info("Run %s: the claim of %s expired; the run is pending again", claim.run_id, claim.owner)
    for folder, reason in found.ignored.items():
        log.warning("Ignored %s: %s", folder, reason)
    if not found.run_count:
        log.warning(
            "No run of the %s layout (like %r) under %s: check archive_url and layout "
            "(`snowplow-manifest status ARCHIVE_URL` says what the prefix holds)",
            layout.name,
            layout.example,
            archive_url,
        )
    for run in found.not_ready[:_LOGGED_NOT_READY]:
        log.info("Run not ready (%s): %s", layout.describe(), run.describe())
    if len(found.not_ready) > _LOGGED_NOT_READY:
        log.info(
            "... and %d more runs not ready (`snowplow-manifest status` lists them all)",
            len(found.not_ready) - _LOGGED_NOT_READY,
        )
