"""A ledger's runs in one snapshot: each run's state, the counts, and the views the page asks for.

Every run is in exactly one state, the one ``snowplow-manifest status`` gives it:

* ``loaded``: a record says it was loaded (also records written by Snowplow's SDKs);
* ``skipped``: a record says never to load it;
* ``claimed``: a live claim holds it: a DAG run is processing it now;
* ``archived``: not recorded, and its objects are in GLACIER or DEEP_ARCHIVE;
* ``not_ready``: not recorded, not claimed, but incomplete by the layout's readiness rule;
* ``pending``: none of these: the next pipeline run loads it.

Two flags cut across them: ``changed`` (a loaded run the last stored ``verify`` found changed after
loading) and ``lapsed`` (a run whose claim expired without a record: its DAG run died or gave up).
Filters take the states and both flags.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from airflow_provider_snowplow.ledger.verification import DriftedRun, StoredVerification
from airflow_provider_snowplow.manifest.items import Claim, RunRecord, now_iso

RunState = Literal["loaded", "pending", "not_ready", "claimed", "skipped", "archived"]
STATES: tuple[RunState, ...] = ("loaded", "pending", "not_ready", "claimed", "skipped", "archived")
FLAGS = ("changed", "lapsed")
FILTERS = (*STATES, *FLAGS)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# The picture covers at most this many days (the newest of the selected range).
GRID_DAYS = 31


@dataclass(frozen=True)
class LedgerRun:
    """One run and everything the snapshot knows about it.

    Attributes:
        run_id: the run (a key prefix ending in ``/``).
        state: one of :data:`STATES`.
        time: the run's time from its id (naive UTC).
        record: its record, for loaded and skipped runs.
        claim: the live claim of a claimed run, or the expired claim of a run left unrecorded.
        waiting_for: what a not-ready run waits for (``marker '_SUCCESS'``...), as ``status`` says it.
        age_seconds: seconds since its newest object was written, when the refresh listed it.
        drift: what the last stored verify found, for a loaded run that changed after loading.
    """

    run_id: str
    state: RunState
    time: datetime | None
    record: RunRecord | None = None
    claim: Claim | None = None
    waiting_for: str = ""
    age_seconds: float | None = None
    drift: DriftedRun | None = None

    @property
    def changed(self) -> bool:
        """Whether the last verify found the run changed after it was loaded."""
        return self.drift is not None

    @property
    def lapsed(self) -> bool:
        """Whether the run holds an expired claim and no record (its DAG run died or gave up)."""
        return self.claim is not None and self.state != "claimed"

    @property
    def shown_state(self) -> str:
        """The state the picture colours the run with: ``changed`` over ``loaded``."""
        return "changed" if self.changed else self.state

    def matches(self, wanted: Collection[str]) -> bool:
        """Whether the run is in one of the ``wanted`` states or has one of its flags."""
        return (
            self.state in wanted
            or ("changed" in wanted and self.changed)
            or ("lapsed" in wanted and self.lapsed)
        )

    def as_json(self) -> dict[str, Any]:
        """The run as the JSON endpoint gives it (times ISO 8601 UTC)."""
        record = self.record
        fingerprint = record.fingerprint if record else None
        return {
            "run_id": self.run_id,
            "state": self.state,
            "time": self.time.isoformat() + "Z" if self.time else None,
            "changed": self.changed,
            "lapsed": self.lapsed,
            "waiting_for": self.waiting_for or None,
            "age_seconds": None if self.age_seconds is None else round(self.age_seconds, 1),
            "record": None
            if record is None
            else {
                "status": record.status,
                "loaded_at": record.loaded_at,
                "loaded_by": record.loaded_by,
                "objects": fingerprint.objects if fingerprint else None,
                "bytes": fingerprint.bytes if fingerprint else None,
                "digest": fingerprint.digest if fingerprint else None,
            },
            "claim": None
            if self.claim is None
            else {
                "owner": self.claim.owner,
                "claimed_at": now_iso(self.claim.claimed_at),
                "lease_expires_at": now_iso(self.claim.lease_expires_at),
            },
            "drift": None
            if self.drift is None
            else {"drift": self.drift.drift, "description": self.drift.description},
        }


@dataclass(frozen=True)
class RunPage:
    """One page of the selected runs.

    Attributes:
        runs: the runs on this page, newest first.
        total: how many runs the filters select.
        page: this page's number, from 1.
        pages: how many pages there are (at least 1).
        size: runs per page.
    """

    runs: list[LedgerRun]
    total: int
    page: int
    pages: int
    size: int


@dataclass(frozen=True)
class LedgerSnapshot:
    """Every run of one ledger as one refresh saw them, newest first, with what the refresh cost.

    Attributes:
        runs: every run, newest first.
        taken_at: epoch seconds of the refresh.
        requests: AWS requests the refresh made, by operation (``ListObjectsV2``: 3...).
        verification: the last stored verify, None if none was stored.
        ignored: folders named like runs that are not, with the reason.
        window_hours: ``True`` for hourly time-window layouts (the picture is a grid of hours).
    """

    runs: tuple[LedgerRun, ...]
    taken_at: float
    requests: dict[str, int] = field(default_factory=dict)
    verification: StoredVerification | None = None
    ignored: dict[str, str] = field(default_factory=dict)
    window_hours: bool = False

    def __post_init__(self) -> None:
        counts = Counter(run.state for run in self.runs)
        counted: dict[str, int] = {state: counts.get(state, 0) for state in STATES}
        counted["changed"] = sum(run.changed for run in self.runs)
        counted["lapsed"] = sum(run.lapsed for run in self.runs)
        object.__setattr__(self, "_counts", counted)

    @property
    def counts(self) -> dict[str, int]:
        """Runs by state, plus ``changed`` and ``lapsed``."""
        return dict(self._counts)  # type: ignore[attr-defined]

    @property
    def request_total(self) -> int:
        """AWS requests the refresh made."""
        return sum(self.requests.values())

    def find(self, run_id: str) -> LedgerRun | None:
        """The run with this id, if the snapshot has it."""
        return next((run for run in self.runs if run.run_id == run_id), None)

    def select(
        self, wanted: Collection[str] = (), since: datetime | None = None, until: datetime | None = None
    ) -> list[LedgerRun]:
        """The runs in one of the ``wanted`` states or flags (all if empty), timed in ``[since, until)``."""
        selected: Iterable[LedgerRun] = self.runs
        if wanted:
            selected = (run for run in selected if run.matches(wanted))
        if since is not None or until is not None:
            low = since or datetime.min
            high = until or datetime.max
            selected = (run for run in selected if run.time is not None and low <= run.time < high)
        return list(selected)

    def page(self, selected: list[LedgerRun], page: int = 1, size: int = DEFAULT_PAGE_SIZE) -> RunPage:
        """Page ``page`` (from 1, clamped to the last) of ``selected``, ``size`` runs a page."""
        size = max(1, min(size, MAX_PAGE_SIZE))
        pages = max(1, math.ceil(len(selected) / size))
        page = max(1, min(page, pages))
        start = (page - 1) * size
        return RunPage(selected[start : start + size], len(selected), page, pages, size)

    def grid(self, selected: list[LedgerRun], until: datetime | None = None) -> dict[str, Any]:
        """The picture over time of ``selected``: the last :data:`GRID_DAYS` days up to ``until``.

        ``selected`` is in the snapshot's order (newest first, as :meth:`select` returns it), so only
        the runs of the days shown are visited, however long the ledger. Hourly window layouts:
        ``{"kind": "hours", "days": [{"day", "cells": [24 x (state, run id) or None]}]}``, a cell per
        hour coloured by state. Other layouts: ``{"kind": "days", "days": [{"day", "counts":
        {state: n}, "total"}]}``, the runs of each day by state.
        """
        kind = "hours" if self.window_hours else "days"
        newest = next((run.time for run in selected if run.time is not None), None)
        oldest = next((run.time for run in reversed(selected) if run.time is not None), None)
        if newest is None or oldest is None:
            return {"kind": kind, "days": []}
        last = _day((until - timedelta(microseconds=1)) if until is not None else newest)
        first = max(_day(oldest), last - timedelta(days=GRID_DAYS - 1))
        days = [first + timedelta(days=i) for i in range(max(0, (last - first).days + 1))]
        index = {day: i for i, day in enumerate(days)}
        shown: list[LedgerRun] = []
        for run in selected:
            if run.time is None or run.time >= last + timedelta(days=1):
                continue
            if run.time < first:
                break
            shown.append(run)
        if self.window_hours:
            cells: list[list[dict[str, str] | None]] = [[None] * 24 for _ in days]
            for run in shown:
                assert run.time is not None
                cells[index[_day(run.time)]][run.time.hour] = {"state": run.shown_state, "run_id": run.run_id}
            return {
                "kind": kind,
                "days": [
                    {"day": f"{day:%Y-%m-%d}", "cells": row} for day, row in zip(days, cells, strict=True)
                ],
            }
        counts: list[Counter[str]] = [Counter() for _ in days]
        for run in shown:
            assert run.time is not None
            counts[index[_day(run.time)]][run.shown_state] += 1
        return {
            "kind": kind,
            "days": [
                {"day": f"{day:%Y-%m-%d}", "counts": dict(count), "total": sum(count.values())}
                for day, count in zip(days, counts, strict=True)
            ],
        }


def _day(moment: datetime) -> datetime:
    """Midnight of ``moment``'s day."""
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)
