"""Discovery of S3 Loader windows, driven on scripted answers: found from the newest recorded window.

The calls are those of :mod:`airflow_provider_snowplow.manifest.windows`: a probe of the last 100
windows' records, one listing from the start window on, and the claims of the listed runs; only a
manifest that records none of the probed windows sends the probe further back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from airflow_provider_snowplow.archive.layouts import S3LoaderLayout
from airflow_provider_snowplow.archive.urls import S3Url
from airflow_provider_snowplow.aws.plans import Response

# The names test_discovery.py imports too: both drive find_pending_runs on the kit's scripted answers.
from airflow_provider_snowplow.manifest.discovery import (
    ArchiveSurvey,
    NotReadyRun,
    RunDiscovery,
    find_pending_runs,
)
from airflow_provider_snowplow.manifest.items import Claim, claim_key
from airflow_provider_snowplow.manifest.windows import PROBE_WINDOWS
from airflow_provider_snowplow.testing.archive import sdk_record
from airflow_provider_snowplow.testing.plans import (
    ScriptedAws,
    items_page,
    requested_keys,
    s3_object,
    s3_page,
)

BUCKET = "acme-snowplow"
ARCHIVE = S3Url(BUCKET, "enriched/good/")
TABLE = "snowplow-load-manifests"
LAYOUT = S3LoaderLayout("date={yyyy}-{MM}-{dd}/hour={HH}")  # hourly, 600 s grace
THIS_HOUR = datetime(2026, 11, 30, 10)
NOW = (THIS_HOUR + timedelta(minutes=15)).replace(tzinfo=UTC).timestamp()  # last hour is ready
CURRENT = f"its window to close plus a {LAYOUT.grace_seconds:.0f} s grace period"


def window(hours_ago: int) -> datetime:
    return THIS_HOUR - timedelta(hours=hours_ago)


def run(hours_ago: int) -> str:
    return LAYOUT.run_id_at(ARCHIVE, window(hours_ago))


def objects(*hours_ago: int, next_token: str | None = None) -> Response:
    """A listing page of one S3 Loader object per window, each written during its window."""
    entries = [
        s3_object(
            f"{run(h)}{window(h):%Y-%m-%d-%H}0500-{h:04d}.gz", window(h).replace(tzinfo=UTC).timestamp()
        )
        for h in hours_ago
    ]
    return s3_page(entries, next_token=next_token)


def probed(first: int) -> list[str]:
    """The run ids one probe asks for: PROBE_WINDOWS windows back from ``first`` hours ago."""
    return [run(first + i) for i in range(PROBE_WINDOWS)]


def records(*hours_ago: int) -> Response:
    return items_page(TABLE, [sdk_record(run(h)) for h in hours_ago])


@pytest.fixture
def survey() -> ArchiveSurvey:
    return ArchiveSurvey(ARCHIVE, TABLE, LAYOUT)


def test_the_listing_starts_after_the_newest_recorded_window(survey: ArchiveSurvey) -> None:
    aws = ScriptedAws([records(3, 4), objects(2, 1, 0), items_page(TABLE, [])])
    found = aws.run(find_pending_runs(survey, NOW))

    assert found == RunDiscovery(
        pending=[run(2), run(1)],
        run_count=3,
        not_ready=[NotReadyRun(run(0), NOW - window(0).replace(tzinfo=UTC).timestamp(), CURRENT)],
    )
    probe, listing, claims = aws.calls
    assert requested_keys(probe) == probed(0)
    assert listing.params == {"Bucket": BUCKET, "Prefix": ARCHIVE.prefix, "StartAfter": run(3)}
    assert requested_keys(claims) == [claim_key(run(h)) for h in (2, 1, 0)]
    # The module's bound, 1 probe + 1 listing page + 2 reads of 100 keys, with the records of the
    # listed runs already read by the probe.
    assert len(aws.calls) <= 1 + 1 + 2


def test_an_unrecorded_window_between_recorded_ones_is_offered_again(survey: ArchiveSurvey) -> None:
    held = Claim(run(2), "dag/other", "token", NOW - 60, NOW + 600)
    aws = ScriptedAws([records(1, 4), objects(3, 2, 1, 0), items_page(TABLE, [held.to_item()])])
    found = aws.run(find_pending_runs(survey, NOW))

    assert (found.pending, found.claimed, found.loaded) == ([run(3)], [held], 1)
    assert [r.run_id for r in found.not_ready] == [run(0)]
    _, listing, claims = aws.calls
    assert listing.params["StartAfter"] == run(4), "from the oldest unrecorded window after a record"
    assert requested_keys(claims) == [claim_key(run(h)) for h in (3, 2, 0)], "not the recorded one"


@pytest.mark.parametrize("oldest", [50, 150, 250])
def test_with_no_window_recorded_the_probe_goes_back_to_the_oldest_object(
    survey: ArchiveSurvey, oldest: int
) -> None:
    probes = oldest // PROBE_WINDOWS + 1
    aws = ScriptedAws(
        [
            items_page(TABLE, []),
            objects(oldest, oldest - 1),
            *[items_page(TABLE, [])] * (probes - 1),
            objects(oldest, oldest - 1),
            items_page(TABLE, []),
        ]
    )
    found = aws.run(find_pending_runs(survey, NOW))

    assert found.pending == [run(oldest), run(oldest - 1)]
    assert aws.outline == [
        "batch_get_item",
        "list_objects_v2",
        *["batch_get_item"] * (probes - 1),
        "list_objects_v2",
        "batch_get_item",
    ]
    first_keys, listing = [call for call in aws.calls if call.method == "list_objects_v2"]
    assert first_keys.params == {"Bucket": BUCKET, "Prefix": ARCHIVE.prefix, "MaxKeys": 1000}
    assert listing.params == {"Bucket": BUCKET, "Prefix": ARCHIVE.prefix}, "from the beginning"
    probe_keys = [requested_keys(call) for call in aws.calls if call.method == "batch_get_item"][:-1]
    assert probe_keys == [probed(i * PROBE_WINDOWS) for i in range(probes)]


def test_an_empty_archive_costs_a_probe_and_two_listings(survey: ArchiveSurvey) -> None:
    aws = ScriptedAws([items_page(TABLE, []), s3_page(), s3_page()])
    assert aws.run(find_pending_runs(survey, NOW)) == RunDiscovery(pending=[])
    assert aws.outline == ["batch_get_item", "list_objects_v2", "list_objects_v2"]


def test_max_runs_stops_the_listing_once_enough_runs_are_whole(survey: ArchiveSurvey) -> None:
    aws = ScriptedAws([records(6), objects(5, 4, 3, next_token="page-2"), items_page(TABLE, [])])
    found = aws.run(find_pending_runs(survey, NOW, max_runs=1))

    assert (found.pending, found.more_pending, found.run_count) == ([run(5)], True, 2)
    # The page's last run may go on in the next page: it is left out, and that page never asked.
    _, listing, claims = aws.calls
    assert "ContinuationToken" not in listing.params
    assert requested_keys(claims) == [claim_key(run(5)), claim_key(run(4))]
