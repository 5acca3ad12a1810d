"""Backfill cut-offs: which runs of an archive to record as skipped, never to be loaded.

Snowplow's loaders let an operator start a new pipeline on an old archive by marking every run
before a date as done (``ToSkip``). We do the same with ``SKIPPED`` run records: Snowplow's SDKs
read any record as "in the manifest", so a skipped run is pending for nobody, while our records
still tell it from a load.

Planning costs one ``ListObjectsV2`` page per 1,000 runs and the manifest read of
:mod:`airflow_provider_snowplow.manifest.reads`; no storage-class call is made, since a run in Glacier
is as skippable as any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from airflow_provider_snowplow.archive.absence import list_runs_or_fail
from airflow_provider_snowplow.archive.layouts import EnrichedArchive, Layout
from airflow_provider_snowplow.archive.urls import S3Url
from airflow_provider_snowplow.aws.plans import Plan
from airflow_provider_snowplow.manifest.items import Claim
from airflow_provider_snowplow.manifest.reads import ManifestRead, read_manifest


@dataclass(frozen=True)
class SkipSelection:
    """What skipping the runs before a cut-off would do.

    Attributes:
        to_skip: runs before the cut-off with no record and no live claim, oldest first.
        recorded: runs before the cut-off that already have a record (loaded or skipped); left alone.
        claimed: live claims on runs before the cut-off: someone is loading them now, so they are
            left alone too (skip them once the claim is gone, or release it first).
        later: runs at or after the cut-off.
    """

    to_skip: list[str] = field(default_factory=list)
    recorded: list[str] = field(default_factory=list)
    claimed: list[Claim] = field(default_factory=list)
    later: int = 0


def select_runs_to_skip(
    archive: S3Url,
    table_name: str,
    before: datetime,
    now: float,
    how: ManifestRead = "auto",
    layout: Layout | None = None,
) -> Plan[SkipSelection]:
    """Sort the archive's runs against the cut-off ``before`` (naive UTC, like run folder names).

    Args:
        archive: the enriched archive.
        table_name: the manifest table.
        before: runs whose folder timestamp is strictly earlier are candidates.
        now: epoch seconds, to tell live claims from expired ones.
        how: how to read the manifest, as in :func:`~airflow_provider_snowplow.manifest.reads.read_manifest`.
        layout: the archive's run layout (the enriched archive if None).

    Raises:
        NoRunsError, LayoutError: the archive holds no run of ``layout`` (a typo in its URL, or the
            wrong layout): "nothing to skip" would hide it.
    """
    layout = layout or EnrichedArchive()
    run_ids = yield from list_runs_or_fail(archive, layout)
    earlier = [r for r in run_ids if (layout.run_time(r) or before) < before]
    manifest = yield from read_manifest(table_name, earlier, how)
    skip = SkipSelection(later=len(run_ids) - len(earlier))
    for run_id in earlier:
        claim = manifest.claims.get(run_id)
        if run_id in manifest.statuses:
            skip.recorded.append(run_id)
        elif claim is not None and claim.is_live(now):
            skip.claimed.append(claim)
        else:
            skip.to_skip.append(run_id)
    return skip
