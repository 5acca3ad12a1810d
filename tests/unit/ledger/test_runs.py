"""A snapshot's counts, filters, pages and picture: pure functions of its runs."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow_provider_snowplow.ledger.runs import GRID_DAYS, LedgerRun, LedgerSnapshot
from airflow_provider_snowplow.ledger.verification import DriftedRun
from airflow_provider_snowplow.manifest.items import Claim, RunRecord

START = datetime(2026, 11, 1)


def run(hour: int, state: str, **extra: object) -> LedgerRun:
    time = START + timedelta(hours=hour)
    return LedgerRun(f"enriched/archive/run={time:%Y-%m-%d-%H}-00-00/", state, time, **extra)  # type: ignore[arg-type]


def snapshot(*runs: LedgerRun, hourly: bool = False) -> LedgerSnapshot:
    ordered = sorted(runs, key=lambda r: (r.time, r.run_id), reverse=True)
    return LedgerSnapshot(tuple(ordered), taken_at=0.0, window_hours=hourly)


def test_counts_give_every_state_and_both_flags() -> None:
    record = RunRecord("x", "LOADED", loaded_at="2026-11-01T00:00:00.000Z")
    lapsed = Claim("x", "dag/run", "t", 0.0, 1.0)
    shot = snapshot(
        run(0, "loaded", record=record, drift=DriftedRun("x", "gained", record.loaded_at, "gained 1")),
        run(1, "loaded", record=record),
        run(2, "pending", claim=lapsed),
        run(3, "claimed", claim=Claim("x", "dag/run", "t", 0.0, 9e9)),
        run(4, "not_ready", waiting_for="marker '_SUCCESS'"),
    )
    assert shot.counts == {
        "loaded": 2, "pending": 1, "not_ready": 1, "claimed": 1, "skipped": 0, "archived": 0, "changed": 1, "lapsed": 1,
    }  # fmt: skip
    assert [r.state for r in shot.select(["changed", "claimed"])] == ["claimed", "loaded"]


def test_the_time_range_includes_since_and_excludes_until() -> None:
    shot = snapshot(*(run(hour, "loaded") for hour in range(48)))
    day_two = shot.select((), START + timedelta(days=1), START + timedelta(days=2))
    assert len(day_two) == 24 and {r.time.day for r in day_two if r.time} == {2}


def test_pages_clamp_to_the_last_and_keep_the_order() -> None:
    shot = snapshot(*(run(hour, "pending") for hour in range(7)))
    selected = shot.select()
    pages = [shot.page(selected, n, 3) for n in (1, 2, 3, 99)]
    assert [len(p.runs) for p in pages] == [3, 3, 1, 1] and pages[3].page == 3
    assert [r.time.hour for p in pages[:3] for r in p.runs if r.time] == [6, 5, 4, 3, 2, 1, 0]
    assert shot.page([], 5).pages == 1


def test_the_hourly_grid_has_a_cell_per_hour_and_the_daily_bars_a_count_per_state() -> None:
    runs = [run(0, "loaded"), run(5, "not_ready"), run(24 + 3, "pending")]
    hourly = snapshot(*runs, hourly=True)
    hours = hourly.grid(hourly.select())
    assert hours["kind"] == "hours" and [d["day"] for d in hours["days"]] == ["2026-11-01", "2026-11-02"]
    assert hours["days"][0]["cells"][5] == {"state": "not_ready", "run_id": runs[1].run_id}
    assert sum(cell is not None for day in hours["days"] for cell in day["cells"]) == 3
    daily = snapshot(*runs)
    days = daily.grid(daily.select())
    assert days["days"][0] == {"day": "2026-11-01", "counts": {"loaded": 1, "not_ready": 1}, "total": 2}


def test_the_picture_covers_at_most_its_days_ending_at_the_newest() -> None:
    runs = [run(24 * day, "loaded") for day in range(90)]
    shot = snapshot(*runs)
    grid = shot.grid(shot.select())
    assert shot.grid(shot.select(), until=START + timedelta(days=10))["days"][-1]["day"] == "2026-11-10"
    assert (
        len(grid["days"]) == GRID_DAYS and grid["days"][-1]["day"] == f"{START + timedelta(days=89):%Y-%m-%d}"
    )
