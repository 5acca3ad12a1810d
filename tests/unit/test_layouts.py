"""Run layouts as pure logic: run ids, partition formats, readiness by window, one-line errors.

Shapes imitate the sources cited in tests/integration/test_layouts.py: S3 Loader 3.2.0's
``DynamicPath.scala`` (``pre-2023-12-25-153045-<uuid>.gz``; tokens ``{yyyy} {MM} {dd} {HH}``) and RDB
Loader 6.1.5's stream transformer ``Window.scala`` (``run=2021-10-30-00-00-00-<uuid>``, as in
``FolderMonitoringSpec.scala`` L51).
"""

from __future__ import annotations

from datetime import UTC, datetime

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
