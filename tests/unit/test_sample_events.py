"""The sample events read like one real run: collected before their run's time, on Earth."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow_provider_snowplow.event_transformer import transform
from airflow_provider_snowplow.testing.events import SAMPLE_EVENTS, realistic_lines, sample_lines

ARCHIVED_AT = datetime(2026, 11, 23, 10)


def when(value: str) -> datetime:
    return datetime.fromisoformat(value.removesuffix("Z"))


def test_events_are_collected_in_the_hour_before_their_run_and_located_on_earth() -> None:
    events = [transform(line) for line in realistic_lines(200, ARCHIVED_AT, seed=3)]
    collected = [when(e["collector_tstamp"]) for e in events if e.get("collector_tstamp")]
    assert collected and all(ARCHIVED_AT - timedelta(hours=1) <= t < ARCHIVED_AT for t in collected)
    for event in events:
        if event.get("dvce_created_tstamp") and event.get("collector_tstamp"):
            assert when(event["dvce_created_tstamp"]) <= when(event["collector_tstamp"])
        if event.get("etl_tstamp"):
            assert when(event["etl_tstamp"]) < ARCHIVED_AT
    latitudes = [e["geo_latitude"] for e in events if e.get("geo_latitude") is not None]
    longitudes = [e["geo_longitude"] for e in events if e.get("geo_longitude") is not None]
    assert latitudes and all(-90 <= x <= 90 for x in latitudes)
    assert longitudes and all(-180 <= x <= 180 for x in longitudes)


def test_the_sample_file_is_what_the_generator_makes() -> None:
    assert sample_lines("enriched-events.tsv") == [
        f"{line}\n".encode() for line in realistic_lines(**SAMPLE_EVENTS)
    ]
