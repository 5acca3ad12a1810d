"""Finding the runs of an archive that still need loading, in as few AWS requests as possible.

Cost model, for an archive of N runs of which P are pending (Snowplow's SDK loop costs N list
calls plus N ``GetItem`` plus N storage-class calls):

* listing: one ``ListObjectsV2`` page per 1,000 run folders;
* manifest: ``BatchGetItem`` (100 keys a request) for the N run keys, or a paginated ``Scan`` of the
  whole table when the table is small enough that its pages are fewer than those batches
  (decided from ``DescribeTable``, which also checks the key schema);
* storage class: one ``ListObjectsV2`` per not-loaded run, stopping once ``max_runs`` are found.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from airflow_provider_snowplow.archive.listing import is_archived, list_archive
from airflow_provider_snowplow.archive.urls import S3Url
from airflow_provider_snowplow.aws.plans import Plan
from airflow_provider_snowplow.manifest.items import SKIPPED, Claim
from airflow_provider_snowplow.manifest.reads import BATCH_GET_KEYS, ManifestRead, read_claims, read_records


@dataclass(frozen=True)
class RunDiscovery:
    """What an archive holds, as seen against the manifest.

    Attributes:
        pending: run ids to load, oldest first, at most ``max_runs``.
        more_pending: True when ``max_runs`` cut the list: more runs may be waiting.
        run_count: valid run folders in the archive.
        loaded: runs with a LOADED record (including records written by Snowplow's SDKs).
        skipped: runs recorded as SKIPPED (never to be loaded).
        claimed: live claims on runs that are not loaded: someone is processing them now (among
            the runs examined: with ``max_runs``, discovery stops once it has enough).
        archived: not-loaded runs whose objects are in GLACIER or DEEP_ARCHIVE; restore them first.
        manifest_read: how the manifest was read, ``"scan"`` or ``"batch_get"``.
        ignored: folders named like runs that are not (a bad timestamp), with the reason.
        expired_claims: claims whose lease ran out on runs that are pending again (a worker died
            or gave up); the next claimer takes them over.
    """

    pending: list[str]
    more_pending: bool = False
    run_count: int = 0
    loaded: int = 0
    skipped: int = 0
    claimed: list[Claim] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    manifest_read: str = "batch_get"
    ignored: dict[str, str] = field(default_factory=dict)
    expired_claims: list[Claim] = field(default_factory=list)


def find_pending_runs(
    archive: S3Url,
    table_name: str,
    now: float,
    max_runs: int | None = None,
    how: ManifestRead = "auto",
) -> Plan[RunDiscovery]:
    """The runs of ``archive`` that are neither recorded, claimed by a live owner, nor archived.

    Args:
        archive: the enriched archive.
        table_name: the manifest table.
        now: epoch seconds, to tell live claims from expired ones.
        max_runs: stop after this many pending runs (None: no limit).
        how: force ``"scan"`` or ``"batch_get"``; ``"auto"`` picks the cheaper.
    """
    listing = yield from list_archive(archive)
    run_ids = listing.run_ids
    manifest = yield from read_records(table_name, run_ids, how)
    statuses = list(manifest.statuses.values())
    skipped = statuses.count(SKIPPED)
    unrecorded = [r for r in run_ids if r not in manifest.statuses]
    pending: list[str] = []
    archived: list[str] = []
    claimed: list[Claim] = []
    expired: list[Claim] = []
    examined = 0
    # Claims and storage classes are looked up a batch at a time, only as far as max_runs needs.
    for start in range(0, len(unrecorded), BATCH_GET_KEYS):
        if max_runs is not None and len(pending) >= max_runs:
            break
        batch = unrecorded[start : start + BATCH_GET_KEYS]
        yield from read_claims(table_name, manifest, batch)
        for run_id in batch:
            if max_runs is not None and len(pending) >= max_runs:
                break
            examined += 1
            claim = manifest.claims.get(run_id)
            if claim is not None and claim.is_live(now):
                claimed.append(claim)
            elif (yield from is_archived(archive.bucket, run_id)):
                archived.append(run_id)
            else:
                pending.append(run_id)
                if claim is not None:
                    expired.append(claim)
    return RunDiscovery(
        pending=pending,
        more_pending=examined < len(unrecorded),
        run_count=len(run_ids),
        loaded=len(statuses) - skipped,
        skipped=skipped,
        claimed=claimed,
        archived=archived,
        manifest_read=manifest.how,
        ignored=listing.ignored,
        expired_claims=expired,
    )
