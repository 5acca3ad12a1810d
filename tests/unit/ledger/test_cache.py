"""The per-ledger cache: filled once, served until stale, refreshed once at a time, errors kept per ledger."""

from __future__ import annotations

import threading

from airflow_provider_snowplow.errors import ManifestTableError
from airflow_provider_snowplow.ledger.cache import LedgerCache
from airflow_provider_snowplow.ledger.runs import LedgerSnapshot
from airflow_provider_snowplow.ledger.spec import LedgerSpec

SPEC = LedgerSpec.build({"archive_url": "s3://acme/a/", "table_name": "snowplow-load-manifests"})
OTHER = LedgerSpec.build({"archive_url": "s3://acme/b/", "table_name": "snowplow-load-manifests"})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_snapshot_is_served_until_stale_then_refreshed() -> None:
    clock, calls = Clock(), []

    def refresh(spec: LedgerSpec) -> LedgerSnapshot:
        calls.append(spec.key)
        return LedgerSnapshot((), taken_at=clock.now)

    cache = LedgerCache(refresh, max_age=60, clock=clock, background=False)
    assert cache.get(SPEC).age_seconds == 0.0 and len(calls) == 1
    clock.now += 59
    assert cache.get(SPEC).age_seconds == 59.0 and len(calls) == 1
    clock.now += 1
    assert cache.get(SPEC).age_seconds == 0.0 and len(calls) == 2  # stale: refreshed (here in the request)
    cache.get(OTHER)
    assert calls == [SPEC.key, SPEC.key, OTHER.key]


def test_a_failed_refresh_keeps_the_last_snapshot_and_says_why_in_one_line() -> None:
    clock = Clock()
    results: list[LedgerSnapshot | Exception] = [
        LedgerSnapshot((), taken_at=clock.now),
        ManifestTableError("manifest table 'x' does not exist: create it\nwith create-table"),
    ]

    def refresh(spec: LedgerSpec) -> LedgerSnapshot:
        result = results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result

    cache = LedgerCache(refresh, max_age=60, clock=clock, background=False)
    cache.get(SPEC)
    clock.now += 61
    failed = cache.get(SPEC)
    assert failed.snapshot is not None and failed.age_seconds == 61.0
    assert failed.error == "manifest table 'x' does not exist: create it"


def test_concurrent_first_requests_wait_for_one_refresh_and_stale_ones_for_none() -> None:
    clock, calls = Clock(), []
    release, entered = threading.Event(), threading.Event()

    def refresh(spec: LedgerSpec) -> LedgerSnapshot:
        calls.append(spec.key)
        entered.set()
        release.wait(10)
        return LedgerSnapshot((), taken_at=clock.now)

    cache = LedgerCache(refresh, max_age=60, clock=clock, background=True)
    seen: list[object] = []
    first = [threading.Thread(target=lambda: seen.append(cache.get(SPEC).snapshot)) for _ in range(3)]
    for thread in first:
        thread.start()
    release.set()
    for thread in first:
        thread.join(10)
    assert len(calls) == 1 and len(seen) == 3 and all(snapshot is not None for snapshot in seen)
    release.clear()
    entered.clear()
    clock.now += 60
    stale = cache.get(SPEC)  # answers at once with the old snapshot, one refresh under way
    assert stale.snapshot is seen[0] and stale.refreshing and stale.age_seconds == 60.0
    assert entered.wait(10) and cache.get(SPEC).refreshing and len(calls) == 2
    release.set()
    assert cache.refresh(SPEC).error is None  # waits for the background refresh, then makes its own
