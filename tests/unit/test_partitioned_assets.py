"""Partition keys of loaded runs: the run's time in the format Airflow's time mappers read."""

from __future__ import annotations

from datetime import datetime

import pytest

from airflow_provider_snowplow.archive.layouts import make_layout
from airflow_provider_snowplow.errors import RunIdError
from airflow_provider_snowplow.tasks.assets import loaded_runs_asset
from airflow_provider_snowplow.tasks.partitioned_assets import (
    RUN_TIME_FORMAT,
    loaded_run_times_asset,
    run_partition_key,
    with_partitioned_outlets,
)


@pytest.mark.parametrize(
    ("layout", "partition_format", "run_id", "key"),
    [
        ("enriched-archive", None, "enriched/archive/run=2026-03-13-10-17-42/", "2026-03-13T10:17:42"),
        (
            "transformer-output",
            None,
            "transformed/run=2026-03-13-10-00-00-5b1c3f0e-7a2d-4e8b-9c61-0f2e4d6a8b13/",
            "2026-03-13T10:00:00",
        ),
        (
            "s3-loader",
            "date={yyyy}-{MM}-{dd}/hour={HH}",
            "enriched/date=2026-03-13/hour=10/",
            "2026-03-13T10:00:00",
        ),
        ("s3-loader", "{yyyy}/{MM}/{dd}", "enriched/2026/03/13/", "2026-03-13T00:00:00"),
    ],
)
def test_the_key_is_the_runs_time(layout: str, partition_format: str | None, run_id: str, key: str) -> None:
    assert run_partition_key(make_layout(layout, partition_format=partition_format), run_id) == key


def test_the_key_parses_with_the_default_format_of_airflows_time_mappers() -> None:
    from airflow.partition_mappers.temporal import StartOfDayMapper, StartOfHourMapper

    key = run_partition_key(make_layout("enriched-archive"), "enriched/archive/run=2026-03-13-10-17-42/")
    assert datetime.strptime(key, RUN_TIME_FORMAT) == datetime(2026, 3, 13, 10, 17, 42)
    assert StartOfHourMapper().to_downstream(key) == "2026-03-13T10"
    assert StartOfDayMapper().to_downstream(key) == "2026-03-13"


def test_a_day_rolls_up_from_the_24_hour_keys_of_s3_loader() -> None:
    from airflow.partition_mappers.base import RollupMapper
    from airflow.partition_mappers.temporal import StartOfDayMapper
    from airflow.partition_mappers.window import DayWindow

    layout = make_layout("s3-loader", partition_format="date={yyyy}-{MM}-{dd}/hour={HH}")
    hours = {run_partition_key(layout, f"enriched/date=2026-03-13/hour={h:02d}/") for h in range(24)}
    rollup = RollupMapper(upstream_mapper=StartOfDayMapper(), window=DayWindow())
    assert rollup.to_upstream("2026-03-13") == hours


def test_a_run_of_another_layout_has_no_key() -> None:
    with pytest.raises(RunIdError, match="is not a Snowplow run id"):
        run_partition_key(make_layout("enriched-archive"), "enriched/date=2026-03-13/hour=10/")


def test_partitioned_outlets_join_the_outlets_once() -> None:
    plain, times = loaded_runs_asset("team-manifest"), loaded_run_times_asset("team-manifest")
    assert with_partitioned_outlets([plain], [times]) == [plain, times]
    assert with_partitioned_outlets([plain, times], [times]) == [plain, times]
    assert with_partitioned_outlets(None, [times]) == [times]
    with pytest.raises(TypeError, match="partitioned_outlets must hold Assets"):
        with_partitioned_outlets([], ["snowplow://manifest"])  # type: ignore[list-item]


def test_the_operators_emit_on_their_partitioned_outlets_too() -> None:
    from airflow_provider_snowplow.operators.manifest import SnowplowMarkRunLoadedOperator
    from airflow_provider_snowplow.operators.spark import SnowplowSparkSubmitRunOperator

    plain, times = loaded_runs_asset("team-manifest"), loaded_run_times_asset("team-manifest")
    mark = SnowplowMarkRunLoadedOperator(
        task_id="mark",
        snowplow_run_id="enriched/archive/run=2026-03-13-10-17-42/",
        table_name="team-manifest",
        outlets=[plain],
        partitioned_outlets=[times],
    )
    assert mark.outlets == [plain, times]
    spark = SnowplowSparkSubmitRunOperator(
        task_id="spark",
        snowplow_run_id="enriched/archive/run=2026-03-13-10-17-42/",
        archive_url="s3://acme/enriched/archive/",
        output_url="s3://acme/json/",
        table_name="team-manifest",
        partitioned_outlets=[times],
    )
    assert spark.outlets == [times]
    with pytest.raises(ValueError, match="partitioned_outlets needs mark_loaded"):
        SnowplowSparkSubmitRunOperator(
            task_id="spark_no_record",
            snowplow_run_id="enriched/archive/run=2026-03-13-10-17-42/",
            archive_url="s3://acme/enriched/archive/",
            output_url="s3://acme/json/",
            table_name="team-manifest",
            mark_loaded=False,
            partitioned_outlets=[times],
        )
