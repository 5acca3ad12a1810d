"""Snapshots kept per ledger for a short, stated time, so that a page costs no AWS request.

The first request for a ledger fills its snapshot (it waits for the refresh). After ``max_age``
seconds the snapshot is *stale*: the next request still gets it at once, with its age, and starts
one refresh in the background; requests meanwhile keep getting the stale one. A refresh that fails
keeps the last good snapshot and records the error (one line), which the page shows; the ledger
tries again once the error is ``max_age`` old. Each ledger refreshes on its own, at most one
refresh at a time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from airflow_provider_snowplow.ledger.runs import LedgerSnapshot
from airflow_provider_snowplow.ledger.spec import LedgerSpec

DEFAULT_MAX_AGE_SECONDS = 60.0


@dataclass(frozen=True)
class CachedLedger:
    """What the cache holds for a ledger at one moment.

    Attributes:
        spec: the ledger.
        snapshot: the last good snapshot, None if no refresh has succeeded yet.
        error: the last refresh's error (one line), None if it succeeded.
        age_seconds: how old the snapshot is (None without one).
        refreshing: a refresh is under way in the background.
    """

    spec: LedgerSpec
    snapshot: LedgerSnapshot | None
    error: str | None
    age_seconds: float | None
    refreshing: bool


@dataclass
class _Slot:
    snapshot: LedgerSnapshot | None = None
    error: str | None = None
    tried_at: float | None = None
    refreshing: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


def one_line(exc: BaseException) -> str:
    """An error as one line: its message's first line, or its type when it has no message."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class LedgerCache:
    """Snapshots by ledger key, each refreshed by ``refresh`` when older than ``max_age`` seconds.

    Args:
        refresh: takes a ledger and returns a new snapshot (the AWS requests are made here).
        max_age: seconds a snapshot (or an error) is served before the next refresh.
        clock: epoch seconds.
        background: refresh stale snapshots on a thread (False: in the request, for tests and scripts).
    """

    def __init__(
        self,
        refresh: Callable[[LedgerSpec], LedgerSnapshot],
        max_age: float = DEFAULT_MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.time,
        background: bool = True,
    ) -> None:
        self._refresh = refresh
        self.max_age = max_age
        self._clock = clock
        self._background = background
        self._slots: dict[str, _Slot] = {}
        self._slots_lock = threading.Lock()

    def _slot(self, spec: LedgerSpec) -> _Slot:
        with self._slots_lock:
            return self._slots.setdefault(spec.key, _Slot())

    def get(self, spec: LedgerSpec) -> CachedLedger:
        """The ledger's snapshot: filled first if there is none, a background refresh started if stale."""
        slot = self._slot(spec)
        if slot.tried_at is None:
            with slot.lock:  # concurrent first requests wait for one refresh
                if slot.tried_at is None:
                    self._run(spec, slot)
        elif self._clock() - slot.tried_at >= self.max_age and not slot.refreshing:
            slot.refreshing = True
            if self._background:
                threading.Thread(target=self._refresh_in_background, args=(spec, slot), daemon=True).start()
            else:
                self._refresh_in_background(spec, slot)
        return self._view(spec, slot)

    def refresh(self, spec: LedgerSpec) -> CachedLedger:
        """Refresh the ledger now, whatever its age, and return the result."""
        slot = self._slot(spec)
        with slot.lock:
            self._run(spec, slot)
        return self._view(spec, slot)

    def _refresh_in_background(self, spec: LedgerSpec, slot: _Slot) -> None:
        try:
            with slot.lock:
                self._run(spec, slot)
        finally:
            slot.refreshing = False

    def _run(self, spec: LedgerSpec, slot: _Slot) -> None:
        try:
            snapshot = self._refresh(spec)
        except Exception as exc:  # every failure is the ledger's to show, not the page's to raise
            slot.error = one_line(exc)
        else:
            slot.snapshot, slot.error = snapshot, None
        slot.tried_at = self._clock()

    def _view(self, spec: LedgerSpec, slot: _Slot) -> CachedLedger:
        snapshot = slot.snapshot
        age = None if snapshot is None else max(0.0, self._clock() - snapshot.taken_at)
        return CachedLedger(spec, snapshot, slot.error, age, slot.refreshing)
