"""The readiness rule and what it reads (a run folder's contents, fingerprints), without AWS."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from airflow_provider_snowplow.archive.contents import (
    Fingerprint,
    RunContents,
    RunObject,
    describe_changes,
    signatures_from,
    signatures_json,
)
from airflow_provider_snowplow.archive.layouts.readiness import ReadinessRule

RUN = "enriched/archive/run=2017-04-07-10-00-00/"
NOW = 1_000_000.0


def contents(*objects: tuple[str, float], storage_class: str = "STANDARD") -> RunContents:
    """A run folder holding ``(name, age in seconds)`` objects of 10 bytes each, at ``NOW``."""
    return RunContents(
        RUN,
        tuple(RunObject(RUN + name, 10, f"etag-{name}", NOW - age, storage_class) for name, age in objects),
    )


def test_the_defaults_never_find_a_run_ready_at_first_sight() -> None:
    rule = ReadinessRule()
    assert (rule.marker, rule.settle_seconds) == ("_SUCCESS", 900.0)
    just_copied = contents(("part-00000", 1), ("_SUCCESS", 0))
    assert not rule.check(just_copied, NOW).ready
    assert not rule.check(contents(("part-00000", 3600)), NOW).ready, "no marker"
    assert rule.check(contents(("part-00000", 1000), ("_SUCCESS", 901)), NOW).ready


@pytest.mark.parametrize(
    ("objects", "waiting_for", "age"),
    [
        ((("part-00000", 5000),), "marker '_SUCCESS'", 5000.0),
        ((("part-00000", 30), ("_SUCCESS", 1000)), "a 900 s quiet period", 30.0),
        ((), "a first object", None),
    ],
)
def test_a_run_that_is_not_ready_says_what_it_waits_for(
    objects: tuple[tuple[str, float], ...], waiting_for: str, age: float | None
) -> None:
    verdict = ReadinessRule().check(contents(*objects), NOW)
    assert (verdict.ready, verdict.waiting_for, verdict.age_seconds) == (False, waiting_for, age)


def test_the_quiet_period_counts_from_the_newest_object_whatever_its_kind() -> None:
    rule = ReadinessRule(marker=None, settle_seconds=60)
    assert rule.check(contents(("part-00000", 61)), NOW).ready
    # A checksum or an empty file written late still means the folder is being written.
    assert not rule.check(contents(("part-00000", 600), (".part-00000.crc", 10)), NOW).ready
    # A LastModified in the future (clock skew) is as young as can be.
    assert not rule.check(contents(("part-00000", -30)), NOW).ready


def test_a_marker_counts_only_at_its_place_in_the_run_folder() -> None:
    rule = ReadinessRule(marker="output/_DONE", settle_seconds=0)
    assert rule.check(contents(("part-00000", 1), ("output/_DONE", 1)), NOW).ready
    assert not rule.check(contents(("part-00000", 1), ("_DONE", 1)), NOW).ready


def test_no_marker_and_no_quiet_period_must_be_asked_for() -> None:
    assert ReadinessRule(marker=None, settle_seconds=0).check(contents(("part-00000", 0)), NOW).ready
    assert ReadinessRule(marker="", settle_seconds="0").marker is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"settle_seconds": -1}, "must be a number of seconds, zero or more, got -1"),
        ({"settle_seconds": "soon"}, "must be a number of seconds, zero or more, got 'soon'"),
        ({"settle_seconds": True}, "must be a number of seconds"),
        ({"settle_seconds": float("nan")}, "must be a number of seconds"),
        ({"marker": "/_SUCCESS"}, "must be an object name relative to the run folder"),
        ({"marker": "_SUCCESS/"}, "must be an object name relative to the run folder"),
        ({"marker": "../_SUCCESS"}, "must be an object name relative to the run folder"),
        ({"marker": "my marker"}, "must be an object name relative to the run folder"),
        ({"marker": 3}, "must be an object name relative to the run folder"),
    ],
)
def test_settings_that_can_never_work_are_refused(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ReadinessRule(**settings)  # type: ignore[arg-type]


def test_the_verdict_describes_itself_for_logs() -> None:
    rule = ReadinessRule()
    assert rule.describe() == "marker '_SUCCESS', 900 s quiet"
    verdict = rule.check(contents(("part-00000", 42), ("_SUCCESS", 42)), NOW)
    assert verdict.describe() == "newest object 42 s old, waiting for a 900 s quiet period"
    assert rule.check(contents(), NOW).describe() == "empty folder, waiting for a first object"


def test_contents_from_a_listing_tell_parts_markers_and_glacier_apart() -> None:
    listing = [
        {
            "Key": RUN + "_SUCCESS",
            "Size": 0,
            "ETag": '"d41d"',
            "LastModified": datetime(2017, 4, 7, tzinfo=UTC),
        },
        {"Key": RUN + "part-00000.gz", "Size": 7, "ETag": '"abc-2"', "StorageClass": "GLACIER"},
        {"Key": RUN + "part-00001", "Size": 0, "ETag": '"e"'},
    ]
    run = RunContents(RUN, tuple(RunObject.from_listing(entry) for entry in listing))
    assert run.signatures == ((RUN + "part-00000.gz", 7, "abc-2"),), "markers and empty files are no parts"
    assert run.archived and run.has("_SUCCESS") and not run.has("part-00001.gz")
    assert run.objects[0].last_modified == datetime(2017, 4, 7, tzinfo=UTC).timestamp()
    assert not RunContents(RUN, run.objects[:1]).archived


def test_a_fingerprint_changes_with_any_key_size_or_etag_and_not_with_order() -> None:
    parts = [(RUN + "part-00000", 10, "a"), (RUN + "part-00001", 20, "b")]
    same = Fingerprint.of(reversed(parts))
    assert same == Fingerprint.of(parts)
    assert (same.objects, same.bytes) == (2, 30) and same.digest.startswith("sha256:")
    for changed in (
        [parts[0], (RUN + "part-00002", 20, "b")],
        [parts[0], (RUN + "part-00001", 21, "b")],
        [parts[0], (RUN + "part-00001", 20, "c")],
    ):
        assert Fingerprint.of(changed).digest != same.digest


def test_changes_are_described_by_name_and_a_few_at_most() -> None:
    before = [(RUN + f"part-{i:05d}", 10, "e") for i in range(2)]
    after = [(RUN + "part-00000", 11, "f"), *[(RUN + f"part-{i:05d}", 10, "e") for i in range(2, 7)]]
    assert describe_changes(RUN, before, before) is None
    assert describe_changes(RUN, before, after) == (
        "gained part-00002, part-00003, part-00004 and 2 more; lost part-00001; rewrote part-00000"
    )


def test_signatures_travel_as_json_and_back() -> None:
    signatures = ((RUN + "part-00000", 10, "a"),)
    assert signatures_from(signatures_json(signatures)) == signatures
    with pytest.raises(ValueError, match="must be a list of"):
        signatures_from([{"key": "k"}])


@pytest.mark.parametrize(
    ("marker", "names", "similar"),
    [
        ("_SUCESS", ["part-00000", "_SUCCESS"], "_SUCCESS"),
        (
            "shredding_completed.json",
            ["output=good/sink-1.txt.gz", "shredding_complete.json"],
            "shredding_complete.json",
        ),
        ("_DONE", ["part-00000", "_SUCCESS"], None),
        ("_SUCCESS", ["part-00000", "sub/_SUCCESS"], None),
    ],
)
def test_a_missing_marker_names_the_object_named_most_like_it(
    marker: str, names: list[str], similar: str | None
) -> None:
    rule = ReadinessRule(marker, 0)
    verdict = rule.check(contents(*((name, 60) for name in names)), NOW)
    assert (verdict.ready, verdict.waiting_for, verdict.similar) == (False, f"marker {marker!r}", similar)
    typo = f" (it holds {similar!r}: is the marker mistyped?)" if similar else ""
    assert verdict.describe() == f"newest object 60 s old, waiting for marker {marker!r}{typo}"


def test_the_rule_describes_itself_as_every_surface_reports_it() -> None:
    assert ReadinessRule("_DONE", 30).description("enriched-archive").as_json() == {
        "layout": "enriched-archive",
        "rule": "marker '_DONE', 30 s quiet",
        "marker": "_DONE",
        "settle_seconds": 30.0,
        "window_seconds": None,
        "grace_seconds": None,
    }
