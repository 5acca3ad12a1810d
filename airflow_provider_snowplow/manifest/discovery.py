"""Finding the runs of an archive that still need loading, in as few AWS requests as possible.

Cost model, for an archive of N runs of which P are pending (Snowplow's SDK loop costs N list
calls plus N ``GetItem`` plus N storage-class calls):

* listing: one ``ListObjectsV2`` page per 1,000 run folders;
* manifest: ``BatchGetItem`` (100 keys a request) for the N run keys, or a paginated ``Scan`` of the
  whole table when the table is small enough that its pages are fewer than those batches
  (decided from ``DescribeTable``, which also checks the key schema);
* per run: one listing (``ListObjectsV2``, a page per 1,000 objects) of each run that would be
  returned, stopping once ``max_runs`` are found. It tells both whether the run is ready (the
  :mod:`~airflow_provider_snowplow.archive.layouts.readiness` rule) and whether it is in Glacier. These
  listings run concurrently, at most ``concurrency`` in flight, and only as many as are still
  needed: a run that turns out not ready or archived costs its listing, nothing more.

That is the cost for folder layouts; a time-window layout (``s3-loader``) is found from the
manifest's newest recorded window instead, at a cost independent of the archive's age: see
:mod:`~airflow_provider_snowplow.manifest.windows`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from airflow_provider_snowplow.archive.contents import RunContents
from airflow_provider_snowplow.archive.layouts import (
    Layout,
    WindowLayout,
    layout_of,
    no_runs_error,
)
from airflow_provider_snowplow.archive.layouts.readiness import Readiness
from airflow_provider_snowplow.archive.listing import first_keys, list_folders, list_run_contents
from airflow_provider_snowplow.archive.urls import S3Url
from airflow_provider_snowplow.aws.plans import Plan, concurrently
from airflow_provider_snowplow.manifest.items import SKIPPED, Claim
from airflow_provider_snowplow.manifest.reads import (
    BATCH_GET_KEYS,
    ManifestRead,
    ManifestView,
    read_claims,
    read_records,
)
from airflow_provider_snowplow.manifest.windows import list_window_runs, probe_start, read_window_manifest

# Listings in flight at once: botocore's default connection pool size, so none waits for a socket.
DEFAULT_CONCURRENCY = 10


@dataclass(frozen=True)
class ArchiveSurvey:
    """An archive's runs against the manifest table that records them: what discovery and verify read.

    Attributes:
        archive: where the runs are.
        table_name: the manifest table.
        layout: how the runs are laid out and when one is complete (its readiness rule), e.g.
            ``EnrichedArchive(ReadinessRule())``: see :mod:`~airflow_provider_snowplow.archive.layouts`.
        how: how to read the manifest: ``"scan"``, ``"batch_get"``, or ``"auto"`` for the cheaper.
        concurrency: run listings in flight at once.
    """

    archive: S3Url
    table_name: str
    layout: Layout
    how: ManifestRead = "auto"
    concurrency: int = DEFAULT_CONCURRENCY


@dataclass(frozen=True)
class NotReadyRun:
    """A run that is not loaded and not claimed, but not complete yet by the readiness rule.

    Attributes:
        run_id: the run folder prefix.
        age_seconds: seconds since its newest object was written (None: the folder is empty).
        waiting_for: what it waits for, e.g. ``"marker '_SUCCESS'"`` or ``"a 900 s quiet period"``.
        similar: while it waits for a marker, the run's object named most like it (a typo?), else None.
    """

    run_id: str
    age_seconds: float | None
    waiting_for: str
    similar: str | None = None

    @classmethod
    def of(cls, run_id: str, verdict: Readiness) -> NotReadyRun:
        """The run ``run_id`` with the readiness rule's verdict on it."""
        return cls(run_id, verdict.age_seconds, verdict.waiting_for, verdict.similar)

    def describe(self) -> str:
        """``"<run id>: newest object 42 s old, waiting for a 900 s quiet period"``."""
        verdict = Readiness(False, self.age_seconds, self.waiting_for, self.similar)
        return f"{self.run_id}: {verdict.describe()}"


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
        not_ready: runs that are neither recorded, claimed nor archived but not complete yet (see
            :mod:`~airflow_provider_snowplow.archive.layouts.readiness`), oldest first (among the runs
            examined); they become pending by themselves once ready.
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
    not_ready: list[NotReadyRun] = field(default_factory=list)


def find_pending_runs(survey: ArchiveSurvey, now: float, max_runs: int | None = None) -> Plan[RunDiscovery]:
    """The runs of the archive that are neither recorded, claimed by a live owner, archived nor incomplete.

    Args:
        survey: the archive, its manifest table and layout, and how to read them.
        now: epoch seconds, to tell live claims from expired ones and to judge readiness.
        max_runs: stop after this many pending runs (None: no limit).

    Raises:
        LayoutError: the prefix holds folders or objects but no run of ``layout`` (the message
            names the layout they look like, if any).
    """
    archive, table_name, rule = survey.archive, survey.table_name, survey.layout
    if isinstance(rule, WindowLayout):
        return (yield from _find_window_runs(archive, table_name, now, max_runs, rule))
    folders = yield from list_folders(archive)
    run_ids = rule.sort(folders)
    ignored = rule.ignored(folders)
    if folders and not run_ids:
        seen = [*folders, *(yield from first_keys(archive))]
        # Folders named like runs with a bad timestamp are reported as ignored; another layout's
        # output under the prefix is a wrong setting, said at once.
        if not ignored or layout_of(seen) not in (None, rule.name):
            raise no_runs_error(rule, archive, seen)
    manifest = yield from read_records(table_name, run_ids, survey.how)
    statuses = list(manifest.statuses.values())
    skipped = statuses.count(SKIPPED)
    unrecorded = [r for r in run_ids if r not in manifest.statuses]
    pending: list[str] = []
    archived: list[str] = []
    claimed: list[Claim] = []
    not_ready: list[NotReadyRun] = []
    lapsed: dict[str, Claim] = {}  # expired claims of runs about to be listed
    examined = 0

    def wanted() -> int:
        return len(unrecorded) if max_runs is None else max_runs - len(pending)

    # Claims are read a batch at a time, and runs listed a wave at a time: only as many as max_runs
    # still needs, so that a cap of 50 never costs 100 listings.
    for start in range(0, len(unrecorded), BATCH_GET_KEYS):
        if wanted() <= 0:
            break
        batch = unrecorded[start : start + BATCH_GET_KEYS]
        yield from read_claims(table_name, manifest, batch)
        while batch and wanted() > 0:
            wave: list[str] = []
            while batch and len(wave) < wanted():
                run_id = batch.pop(0)
                examined += 1
                claim = manifest.claims.get(run_id)
                if claim is not None and claim.is_live(now):
                    claimed.append(claim)
                else:
                    wave.append(run_id)
                    if claim is not None:
                        lapsed[run_id] = claim
            listings = [list_run_contents(archive.bucket, r, rule.objects_prefix(r)) for r in wave]
            contents: list[RunContents] = yield from concurrently(listings, survey.concurrency)
            for run in contents:
                verdict = rule.check(run, now)
                if run.archived:
                    archived.append(run.run_id)
                elif verdict.ready:
                    pending.append(run.run_id)
                else:
                    not_ready.append(NotReadyRun.of(run.run_id, verdict))
    return RunDiscovery(
        pending=pending,
        more_pending=examined < len(unrecorded),
        run_count=len(run_ids),
        loaded=len(statuses) - skipped,
        skipped=skipped,
        claimed=claimed,
        archived=archived,
        manifest_read=manifest.how,
        ignored=ignored,
        expired_claims=[lapsed[run_id] for run_id in pending if run_id in lapsed],
        not_ready=not_ready,
    )


def _find_window_runs(
    archive: S3Url, table_name: str, now: float, max_runs: int | None, layout: WindowLayout
) -> Plan[RunDiscovery]:
    """:func:`find_pending_runs` for a time-window layout: probe, list from the watermark, judge."""
    view = ManifestView("batch_get", frozenset())
    start_after = yield from probe_start(archive, table_name, now, layout, view)
    enough = None if max_runs is None else max_runs + len(view.statuses)
    runs, cut = yield from list_window_runs(archive, layout, start_after, enough)
    yield from read_window_manifest(table_name, view, [run.run_id for run in runs])
    found = RunDiscovery(pending=[], run_count=len(runs), manifest_read=view.how)
    for run in runs:
        status = view.statuses.get(run.run_id)
        claim = view.claims.get(run.run_id)
        verdict = layout.check(run, now)
        if status is not None:
            found = _count(found, status)
        elif claim is not None and claim.is_live(now):
            found.claimed.append(claim)
        elif run.archived:
            found.archived.append(run.run_id)
        elif not verdict.ready:
            found.not_ready.append(NotReadyRun.of(run.run_id, verdict))
        elif max_runs is not None and len(found.pending) >= max_runs:
            cut = True
        else:
            found.pending.append(run.run_id)
    return replace(found, more_pending=cut)


def _count(found: RunDiscovery, status: str) -> RunDiscovery:
    if status == SKIPPED:
        return replace(found, skipped=found.skipped + 1)
    return replace(found, loaded=found.loaded + 1)
