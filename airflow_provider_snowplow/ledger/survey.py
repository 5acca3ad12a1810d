"""One refresh of a ledger, as a plan: discovery's reads, keeping every run instead of the pending ones.

:func:`survey_ledger` makes the requests ``snowplow-manifest status`` makes, built from the same
bounded plans (the archive's listing, the manifest read, the claims of unrecorded runs, one listing
per unrecorded run that no live claim holds), plus one ``GetItem`` for the last stored ``verify``:

* folder layouts: ``ceil(runs / 1000)`` folder-listing pages; a ``DescribeTable`` and the cheaper
  of a ``Scan`` of the table (a page per MB) or ``BatchGetItem`` of every run id (100 a request);
  ``BatchGetItem`` of the claims of the unrecorded runs (none after a scan); one ``ListObjectsV2``
  per unrecorded, unclaimed run (concurrently); one ``GetItem``.
* ``s3-loader``: one listing of every object of the archive (a page per 1,000 objects), which is
  also each run's contents, so no run is listed again; then the same manifest reads and ``GetItem``.

Loaded and skipped runs cost nothing beyond the manifest read: a table of 100,000 loaded runs in
an enriched archive costs 100 listing pages, 1 ``DescribeTable``, ~15 scan pages and 1 ``GetItem``.
:func:`counted` tallies what a plan asks for, sub-plans included, for the page and the benchmark.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from airflow_provider_snowplow.archive.contents import RunContents
from airflow_provider_snowplow.archive.layouts import Layout, WindowLayout, no_runs_error
from airflow_provider_snowplow.archive.listing import first_keys, list_folders, list_run_contents
from airflow_provider_snowplow.archive.urls import S3Url
from airflow_provider_snowplow.aws.plans import AwsCall, Concurrently, Plan, T, concurrently
from airflow_provider_snowplow.ledger.runs import LedgerRun, LedgerSnapshot
from airflow_provider_snowplow.ledger.verification import StoredVerification, read_verification
from airflow_provider_snowplow.manifest.discovery import DEFAULT_CONCURRENCY
from airflow_provider_snowplow.manifest.items import SKIPPED, RunRecord
from airflow_provider_snowplow.manifest.reads import ManifestView, read_claims, read_records
from airflow_provider_snowplow.manifest.windows import list_window_runs


class RequestTally:
    """AWS requests by operation, counted from several threads at once."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, operation: str) -> None:
        """Count one request."""
        with self._lock:
            self._counts[operation] += 1

    def as_dict(self) -> dict[str, int]:
        """The counts so far, by operation."""
        with self._lock:
            return dict(sorted(self._counts.items()))


def counted(plan: Plan[T], tally: RequestTally) -> Plan[T]:
    """``plan`` unchanged, with each AWS call it (or a sub-plan) asks for counted in ``tally``."""
    try:
        step = next(plan)
    except StopIteration as done:
        result: T = done.value
        return result
    while True:
        if isinstance(step, AwsCall):
            tally.add(step.operation)
        elif isinstance(step, Concurrently):
            step = Concurrently(tuple(counted(sub, tally) for sub in step.plans), step.limit)
        try:
            outcome = yield step
        except Exception as exc:
            try:
                step = plan.throw(exc)
            except StopIteration as done:
                result = done.value
                return result
            continue
        try:
            step = plan.send(outcome)
        except StopIteration as done:
            result = done.value
            return result


def survey_ledger(
    archive: S3Url, table_name: str, layout: Layout, now: float, concurrency: int = DEFAULT_CONCURRENCY
) -> Plan[LedgerSnapshot]:
    """Every run of the archive with its state at epoch seconds ``now`` (see the module for the cost).

    Raises:
        LayoutError: the prefix holds objects but no run of ``layout``.
        AwsRequestError, ManifestTableError: a request failed (a missing bucket or table, credentials...).
    """
    ignored: dict[str, str] = {}
    contents: dict[str, RunContents] = {}
    if isinstance(layout, WindowLayout):
        listed, _ = yield from list_window_runs(archive, layout, None, None)
        contents = {run.run_id: run for run in listed}
        run_ids = layout.sort(contents)
        if not run_ids:
            seen = yield from first_keys(archive)
            if seen:
                raise no_runs_error(layout, archive, seen)
    else:
        folders = yield from list_folders(archive)
        run_ids = layout.sort(folders)
        ignored = layout.ignored(folders)
        if folders and not run_ids and not ignored:
            raise no_runs_error(layout, archive, [*folders, *(yield from first_keys(archive))])
    view: ManifestView = yield from read_records(table_name, run_ids, "auto", keep_records=True)
    records = view.records or {}
    unrecorded = [run_id for run_id in run_ids if run_id not in records]
    yield from read_claims(table_name, view, unrecorded)
    unlisted = [
        run_id
        for run_id in unrecorded
        if run_id not in contents and not ((claim := view.claims.get(run_id)) and claim.is_live(now))
    ]
    listings = [list_run_contents(archive.bucket, r, layout.objects_prefix(r)) for r in unlisted]
    for run in (yield from concurrently(listings, concurrency)):
        contents[run.run_id] = run
    stored = yield from read_verification(table_name, archive)
    runs = [
        _judge(run_id, layout, records.get(run_id), view, contents.get(run_id), stored, now)
        for run_id in run_ids
    ]
    runs.sort(key=lambda run: (run.time is not None, run.time, run.run_id), reverse=True)
    hourly = isinstance(layout, WindowLayout) and layout.window.total_seconds() <= 3600
    return LedgerSnapshot(tuple(runs), now, verification=stored, ignored=ignored, window_hours=hourly)


def _judge(
    run_id: str,
    layout: Layout,
    record: RunRecord | None,
    view: ManifestView,
    contents: RunContents | None,
    stored: StoredVerification | None,
    now: float,
) -> LedgerRun:
    """One run's state, as discovery decides it: record, live claim, Glacier, readiness."""
    time = layout.run_time(run_id)
    if record is not None:
        drift = stored.drifted.get(run_id) if stored else None
        if drift is not None and drift.loaded_at != record.loaded_at:
            drift = None  # loaded again since that verify
        state: Any = "skipped" if record.status == SKIPPED else "loaded"
        return LedgerRun(run_id, state, time, record=record, drift=drift if state == "loaded" else None)
    claim = view.claims.get(run_id)
    if claim is not None and claim.is_live(now):
        return LedgerRun(run_id, "claimed", time, claim=claim)
    if contents is None:  # cannot happen: every unclaimed unrecorded run is listed
        return LedgerRun(run_id, "pending", time, claim=claim)
    if contents.archived:
        return LedgerRun(run_id, "archived", time, claim=claim)
    verdict = layout.check(contents, now)
    if not verdict.ready:
        return LedgerRun(
            run_id,
            "not_ready",
            time,
            claim=claim,
            waiting_for=verdict.waiting_for,
            age_seconds=verdict.age_seconds,
        )
    return LedgerRun(run_id, "pending", time, claim=claim, age_seconds=verdict.age_seconds)
