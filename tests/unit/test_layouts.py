"""Run layouts as pure logic: run ids, partition formats, readiness by window, one-line errors.

Shapes imitate the sources cited in tests/integration/test_layouts.py: S3 Loader 3.2.0's
``DynamicPath.scala`` (``pre-2023-12-25-153045-<uuid>.gz``; tokens ``{yyyy} {MM} {dd} {HH}``) and RDB
Loader 6.1.5's stream transformer ``Window.scala`` (``run=2021-10-30-00-00-00-<uuid>``, as in
``FolderMonitoringSpec.scala`` L51).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from airflow_provider_snowplow.archive.contents import RunContents, RunObject
from airflow_provider_snowplow.archive.layouts import (
    LAYOUT_NAMES,
    PartitionFormat,
    S3LoaderLayout,
    TransformerOutput,
    layout_of,
    make_layout,
    no_runs_error,
)
from airflow_provider_snowplow.archive.urls import parse_archive_url
from airflow_provider_snowplow.errors import LayoutError, RunIdError

ARCHIVE = parse_archive_url("s3://acme-enriched/enriched/")
UUID = "b4cac3e5-9948-40e3-bd68-38abcf01cdf9"


def at(hour: int, minute: int = 0) -> float:
    return datetime(2026, 11, 30, hour, minute, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("x/y", "has no time token"),
        ("{vendor}.{schema}/{yyyy}/{MM}/{dd}", "has {vendor}: enriched events are partitioned by time alone"),
        ("{HH}/{yyyy}/{MM}/{dd}", "in that order"),
        ("{yyyy}/{MM}", "in that order"),
        ("{yyyy}/{MM}/{dd}/{HH}/{mm}", "has {mm}"),
        ("", "partition format must be"),
    ],
)
def test_partition_formats_that_cannot_work_are_one_line_errors(value: str, message: str) -> None:
    with pytest.raises(LayoutError, match=message.replace("{", r"\{").replace("}", r"\}")) as raised:
        PartitionFormat.parse(value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("partition_format", "run_id", "start"),
    [
        ("date={yyyy}-{MM}-{dd}/hour={HH}", "enriched/date=2026-11-30/hour=10/", datetime(2026, 11, 30, 10)),
        ("{yyyy}/{MM}/{dd}/{HH}", "enriched/2026/11/30/10/", datetime(2026, 11, 30, 10)),
        ("//{yyyy}/{MM}//{dd}/", "enriched/2026/11/30/", datetime(2026, 11, 30)),
        (None, "enriched/2026-11-30-10/", datetime(2026, 11, 30, 10)),
    ],
)
def test_s3_loader_run_ids_round_trip_through_time(
    partition_format: str | None, run_id: str, start: datetime
) -> None:
    layout = S3LoaderLayout(partition_format)
    assert layout.run_id_at(ARCHIVE, start) == run_id
    assert layout.run_time(run_id) == start
    assert layout.validate_run_id(run_id) == run_id


def test_s3_loader_keys_map_to_their_partition_or_hour() -> None:
    hourly = S3LoaderLayout("date={yyyy}-{MM}-{dd}/hour={HH}")
    key = f"enriched/date=2026-11-30/hour=10/enr-2026-11-30-101500-{UUID}.gz"
    assert hourly.run_of_key(ARCHIVE, key) == "enriched/date=2026-11-30/hour=10/"
    assert hourly.run_of_key(ARCHIVE, "enriched/date=2026-11-30/notes.txt") is None
    flat = S3LoaderLayout(filename_prefix="pre-")
    assert (
        flat.run_of_key(ARCHIVE, f"enriched/pre-2026-11-30-101500-{UUID}.gz") == "enriched/pre-2026-11-30-10/"
    )
    assert flat.objects_prefix("enriched/pre-2026-11-30-10/") == "enriched/pre-2026-11-30-10"
    assert flat.run_of_key(ARCHIVE, f"enriched/other-2026-11-30-101500-{UUID}.gz") is None


def test_an_s3_loader_run_is_ready_only_after_its_window_and_grace() -> None:
    layout = S3LoaderLayout("date={yyyy}-{MM}-{dd}/hour={HH}", grace_seconds=600)
    run = RunContents("enriched/date=2026-11-30/hour=10/", (RunObject("k", 10, "e", at(10, 59)),))
    assert not layout.check(run, at(10, 59)).ready
    assert not layout.check(run, at(11, 9)).ready
    assert "grace" in layout.check(run, at(11, 9)).waiting_for
    assert layout.check(run, at(11, 10)).ready
    daily = S3LoaderLayout("{yyyy}/{MM}/{dd}")
    day = RunContents("enriched/2026/11/30/", (RunObject("k", 10, "e", at(10)),))
    assert not daily.check(day, at(23, 59)).ready


def test_transformer_runs_with_and_without_the_stream_uuid_sort_by_time() -> None:
    layout = TransformerOutput()
    stream = f"transformed/run=2021-10-30-00-00-00-{UUID}/"
    batch = "transformed/run=2021-09-05-13-00-27/"
    assert layout.sort([stream, batch, "transformed/run=2021-10-30-00-00-00-nope/"]) == [batch, stream]
    unsealed = RunContents(stream, (RunObject(stream + "output=good/sink-1.txt.gz", 5, "e", at(1)),))
    assert layout.check(unsealed, at(2)).waiting_for == "marker 'shredding_complete.json'"
    sealed = RunContents(
        stream, (*unsealed.objects, RunObject(stream + "shredding_complete.json", 9, "s", at(1)))
    )
    assert layout.check(sealed, at(1)).ready
    assert [obj.key for obj in sealed.parts] == [stream + "output=good/sink-1.txt.gz"]


def test_unknown_layouts_and_foreign_run_ids_are_one_line_errors() -> None:
    with pytest.raises(
        LayoutError, match="layout must be one of enriched-archive, transformer-output, s3-loader"
    ):
        make_layout("s3_loader")
    with pytest.raises(RunIdError, match="not a run id of the transformer-output layout"):
        make_layout("transformer-output").validate_run_id("enriched/2026/11/30/10/")
    with pytest.raises(RunIdError, match="not a Snowplow run id"):
        make_layout("enriched-archive").validate_run_id(f"transformed/run=2021-10-30-00-00-00-{UUID}/")
    assert LAYOUT_NAMES == ("enriched-archive", "transformer-output", "s3-loader")


def test_a_prefix_with_runs_of_another_layout_says_which() -> None:
    assert layout_of([f"transformed/run=2021-10-30-00-00-00-{UUID}/"]) == "transformer-output"
    assert layout_of(["enriched/archive/run=2017-04-07-10-00-00/part-00000.gz"]) == "enriched-archive"
    assert layout_of([f"enriched/date=2026-11-30/hour=10/2026-11-30-101500-{UUID}.gz"]) == "s3-loader"
    assert layout_of(["misc/readme.txt"]) is None
    error = no_runs_error(
        make_layout("enriched-archive"), ARCHIVE, [f"enriched/run=2021-10-30-00-00-00-{UUID}/"]
    )
    assert "set the layout to 'transformer-output'" in str(error)


@pytest.mark.parametrize(
    ("layout", "text", "json"),
    [
        (
            make_layout("enriched-archive"),
            "marker '_SUCCESS', 900 s quiet",
            {"marker": "_SUCCESS", "settle_seconds": 900.0, "window_seconds": None, "grace_seconds": None},
        ),
        (
            make_layout("transformer-output"),
            "marker 'shredding_complete.json', 0 s quiet",
            {
                "marker": "shredding_complete.json",
                "settle_seconds": 0.0,
                "window_seconds": None,
                "grace_seconds": None,
            },
        ),
        (
            make_layout("s3-loader", filename_prefix="pre-"),
            "each hour closed, plus 600 s grace",
            {"marker": None, "settle_seconds": None, "window_seconds": 3600.0, "grace_seconds": 600.0},
        ),
        (
            make_layout("s3-loader", partition_format="{yyyy}/{MM}/{dd}", grace_seconds=60),
            "each day closed, plus 60 s grace",
            {"marker": None, "settle_seconds": None, "window_seconds": 86400.0, "grace_seconds": 60.0},
        ),
    ],
    ids=["enriched", "transformer", "loader-flat", "loader-daily"],
)
def test_each_layout_describes_its_own_readiness_rule(layout: Any, text: str, json: dict[str, Any]) -> None:
    assert layout.readiness.as_json() == {"layout": layout.name, "rule": text, **json}
    assert layout.describe().startswith(layout.name) and layout.describe().endswith(text)


def test_a_loader_object_of_another_filename_prefix_is_no_run_that_waits_for_ever() -> None:
    """It used to be a run without a time, "not ready, waiting for a first object" every hour."""
    flat = S3LoaderLayout()
    key = f"enriched/pre-2026-11-30-101500-{UUID}.gz"
    assert flat.run_of_key(ARCHIVE, key) is None
    assert S3LoaderLayout(filename_prefix="pre-").run_of_key(ARCHIVE, key) == "enriched/pre-2026-11-30-10/"


@pytest.mark.parametrize(
    ("layout", "keys", "hint"),
    [
        (
            S3LoaderLayout(),
            [f"enriched/pre-2026-11-30-101500-{UUID}.gz"],
            "its objects look like s3-loader output with filename prefix 'pre-': set the filename prefix to 'pre-'",
        ),
        (
            S3LoaderLayout(filename_prefix="pre-"),
            [f"enriched/enr-2026-11-30-101500-{UUID}.gz"],
            "with filename prefix 'enr-': set the filename prefix to 'enr-'",
        ),
        (
            S3LoaderLayout(),
            [f"enriched/date=2026-11-30/hour=10/2026-11-30-101500-{UUID}.gz"],
            "in partitions like 'date=2026-11-30/hour=10/': set the partition format",
        ),
        (
            S3LoaderLayout("{yyyy}/{MM}/{dd}/{HH}"),
            [f"enriched/date=2026-11-30/hour=10/2026-11-30-101500-{UUID}.gz"],
            "in folders like 'date=2026-11-30/hour=10/', which partition format '{yyyy}/{MM}/{dd}/{HH}' does "
            "not match: set the partition format",
        ),
        (
            S3LoaderLayout("{yyyy}/{MM}/{dd}/{HH}"),
            [f"enriched/2026-11-30-101500-{UUID}.gz"],
            "lying flat under the prefix: leave the partition format out",
        ),
        (
            S3LoaderLayout("{yyyy}/{MM}/{dd}/{HH}"),
            [f"enriched/good/2026/11/30/10/2026-11-30-101500-{UUID}.gz"],
            "its s3-loader partitions lie under s3://acme-enriched/enriched/good/: set the archive URL to that",
        ),
        (
            make_layout("enriched-archive"),
            ["enriched/archive/run=2017-04-07-10-00-00/part-00000"],
            "its enriched-archive runs lie under s3://acme-enriched/enriched/archive/: set the archive URL",
        ),
    ],
)
def test_objects_that_hold_no_run_say_which_setting_would_make_them_runs(
    layout: Any, keys: list[str], hint: str
) -> None:
    error = no_runs_error(layout, ARCHIVE, keys)
    assert hint in str(error) and "\n" not in str(error)


@pytest.mark.parametrize(
    "layout",
    [make_layout(name) for name in LAYOUT_NAMES]
    + [make_layout("s3-loader", partition_format="date={yyyy}-{MM}-{dd}/hour={HH}")],
    ids=lambda layout: layout.describe(),
)
@pytest.mark.parametrize("segment", ["..", "."])
def test_no_layout_takes_a_run_id_with_a_dot_segment(layout: Any, segment: str) -> None:
    run_id = layout.example.replace("/", f"/{segment}/", 1)
    assert layout.run_time(layout.example) is not None
    with pytest.raises(RunIdError, match=f"it has a '{re.escape(segment)}' path segment"):
        layout.validate_run_id(run_id)
