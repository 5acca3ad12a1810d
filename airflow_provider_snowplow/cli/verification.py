"""How ``verify`` shows what it found: text for a person, JSON for a script (keys in docs/cli.md)."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from airflow_provider_snowplow.archive.contents import Fingerprint
from airflow_provider_snowplow.manifest.verify import Drift, RunCheck, Verification

_OUTCOMES: tuple[Drift, ...] = ("unchanged", "gained", "lost", "changed", "unknown")


def verification_json(found: Verification, table: str, since: datetime | None) -> dict[str, Any]:
    """The ``verify --json`` report (keys documented in docs/cli.md)."""
    return {
        "archive_url": found.archive_url,
        "table": table,
        "since": since.isoformat() if since else None,
        "checked": len(found.runs),
        **{drift: found.count(drift) for drift in _OUTCOMES},
        "drifted": [_drift_json(run) for run in found.drifted],
        "unknown_runs": [run.run_id for run in found.unknown],
    }


def print_verification(found: Verification) -> None:
    """Counts and each drifted run on stdout; what to do about them on stderr."""
    counts = ", ".join(f"{found.count(drift)} {drift}" for drift in _OUTCOMES)
    print(f"{len(found.runs)} loaded run(s) of {found.archive_url} checked: {counts}")
    for run in found.drifted:
        print(f"  {run.describe()}")
    if found.unknown:
        print(
            f"  ({len(found.unknown)} run(s) unknown: their records say nothing of what was loaded, as "
            "Snowplow's SDKs write them)"
        )
    if found.drifted:
        print(
            "reload a run deliberately with `snowplow-manifest unmark RUN` (the next pipeline run loads it "
            "again); nothing is re-queued by itself",
            file=sys.stderr,
        )


def _fingerprint_json(fingerprint: Fingerprint | None) -> dict[str, Any] | None:
    if fingerprint is None:
        return None
    return {"objects": fingerprint.objects, "bytes": fingerprint.bytes, "digest": fingerprint.digest}


def _drift_json(run: RunCheck) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "drift": run.drift,
        "loaded_at": run.loaded_at,
        "loaded": _fingerprint_json(run.loaded),
        "now": _fingerprint_json(run.now),
        "modified_since": run.modified_since,
    }
