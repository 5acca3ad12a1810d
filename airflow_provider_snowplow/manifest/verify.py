"""Late data is found, not lost: compare each loaded run's record with what its folder holds now.

A record written by this package keeps the run's fingerprint at loading time (object count, total
bytes, digest of the part files' ``(key, size, ETag)``). If the run's folder has gained, lost or
rewritten part files since, the fingerprints differ, and the run's loaded data is incomplete or
stale. Nothing is re-queued automatically: whoever reads the report decides, and re-loads a run
deliberately with ``snowplow-manifest unmark``.

Cost: the run-folder listing, the manifest read of discovery (scan or batch reads), and one listing
per loaded run that has a fingerprint, concurrently. Records without one (written by Snowplow's
SDKs, or by a load that did not list the run) cannot be compared; they are reported as
``unknown`` and cost no listing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from airflow_provider_snowplow.archive.absence import list_runs_or_fail
from airflow_provider_snowplow.archive.contents import Fingerprint, RunContents
from airflow_provider_snowplow.archive.listing import list_run_contents
from airflow_provider_snowplow.aws.plans import Plan, concurrently
from airflow_provider_snowplow.manifest.discovery import ArchiveSurvey
from airflow_provider_snowplow.manifest.items import LOADED, RunRecord
from airflow_provider_snowplow.manifest.reads import read_records

Drift = Literal["unchanged", "gained", "lost", "changed", "unknown"]
DRIFTS: tuple[Drift, ...] = ("gained", "lost", "changed")
_NAMED_IN_SUMMARY = 3


@dataclass(frozen=True)
class RunCheck:
    """One loaded run, its record against its folder now.

    Attributes:
        run_id: the run folder prefix.
        drift: ``unchanged``; ``gained`` or ``lost`` (more or fewer part files than were loaded);
            ``changed`` (as many, but not the same ones or not the same bytes); ``unknown`` (the
            record says nothing of what was loaded).
        loaded_at: the record's ``LoadedAt`` (ISO 8601 UTC), None for SDK-written records.
        loaded: the fingerprint recorded at loading time (None: unknown).
        now: the fingerprint of the folder now (None: not listed, as for ``unknown`` runs).
        modified_since: part files (names relative to the run folder) written after ``loaded_at``.
    """

    run_id: str
    drift: Drift
    loaded_at: str | None = None
    loaded: Fingerprint | None = None
    now: Fingerprint | None = None
    modified_since: list[str] = field(default_factory=list)

    @property
    def drifted(self) -> bool:
        """Whether the run's part files differ from those loaded."""
        return self.drift in DRIFTS

    def describe(self) -> str:
        """``"<run> gained 1 part file (2 -> 3, 10 -> 15 bytes; new since loading: part-2)"``."""
        if self.loaded is None or self.now is None:
            return f"{self.run_id} {self.drift}"
        counts = f"{self.loaded.objects} -> {self.now.objects} part files"
        sizes = f"{self.loaded.bytes:,} -> {self.now.bytes:,} bytes"
        newer = f"; written since loading: {', '.join(self.modified_since)}" if self.modified_since else ""
        return f"{self.run_id} {self.drift} ({counts}, {sizes}{newer})"


@dataclass(frozen=True)
class Verification:
    """Every loaded run of an archive (in range), compared with the archive now; oldest first."""

    archive_url: str
    runs: list[RunCheck]

    @property
    def drifted(self) -> list[RunCheck]:
        """The runs whose part files changed after loading."""
        return [run for run in self.runs if run.drifted]

    @property
    def unknown(self) -> list[RunCheck]:
        """The runs whose record does not say what was loaded (written by an SDK, or without a listing)."""
        return [run for run in self.runs if run.drift == "unknown"]

    def count(self, drift: Drift) -> int:
        """How many runs have this drift."""
        return sum(run.drift == drift for run in self.runs)

    def summary(self) -> str:
        """One line: how many runs drifted, the first few, and what to do about them."""
        drifted = self.drifted
        if not drifted:
            return f"no loaded run of {self.archive_url} changed after loading ({len(self.runs)} checked)"
        shown = "; ".join(run.describe() for run in drifted[:_NAMED_IN_SUMMARY])
        more = f"; and {len(drifted) - _NAMED_IN_SUMMARY} more" if len(drifted) > _NAMED_IN_SUMMARY else ""
        return (
            f"{len(drifted)} loaded run(s) of {self.archive_url} changed after loading: {shown}{more}; "
            "their loaded data is incomplete or stale: reload each with `snowplow-manifest unmark RUN` "
            "(the next pipeline run loads it again)"
        )


def compare(record: RunRecord, contents: RunContents | None) -> RunCheck:
    """``record`` (a LOADED run's) against ``contents``, the run's folder as listed now."""
    if record.fingerprint is None or contents is None:
        return RunCheck(record.run_id, "unknown", record.loaded_at)
    then, now = record.fingerprint, contents.fingerprint()
    if now.digest == then.digest:
        drift: Drift = "unchanged"
    elif now.objects != then.objects:
        drift = "gained" if now.objects > then.objects else "lost"
    else:
        drift = "changed"
    loaded_at = _epoch(record.loaded_at)
    # S3 keeps LastModified to the second: an object written in the second of loading counts as
    # written after it (a run is loaded only once its newest object is settle_seconds old).
    modified = (
        contents.written_since(math.floor(loaded_at))
        if loaded_at is not None and drift != "unchanged"
        else []
    )
    return RunCheck(record.run_id, drift, record.loaded_at, then, now, modified)


def verify_loaded_runs(survey: ArchiveSurvey, since: datetime | None = None) -> Plan[Verification]:
    """Compare every loaded run of the archive (with a folder time at or after ``since``) with S3 now.

    ``since`` is naive UTC: only runs whose folder time is not earlier are checked (None: all).

    An archive without any run of the layout is an error, not "0 checked": an audit set up with a
    typo in the archive URL, or the wrong layout, would otherwise pass every day without checking
    anything, however many loaded runs the manifest holds.

    Raises:
        NoRunsError: nothing is stored under the archive URL (the message says what its parent holds).
        LayoutError: objects are stored there, but no run of the layout (the message says what to set).
    """
    archive, layout = survey.archive, survey.layout
    run_ids = yield from list_runs_or_fail(archive, layout)
    if since is not None:
        run_ids = [r for r in run_ids if (stamp := layout.run_time(r)) is not None and stamp >= since]
    view = yield from read_records(survey.table_name, run_ids, survey.how, keep_records=True)
    records = view.records or {}
    loaded = [records[r] for r in run_ids if r in records and records[r].status == LOADED]
    known = [record for record in loaded if record.fingerprint is not None]
    listings = [list_run_contents(archive.bucket, r.run_id, layout.objects_prefix(r.run_id)) for r in known]
    contents = yield from concurrently(listings, survey.concurrency)
    now = dict(zip((record.run_id for record in known), contents, strict=True))
    return Verification(str(archive), [compare(record, now.get(record.run_id)) for record in loaded])


def _epoch(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return None
