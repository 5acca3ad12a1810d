"""Literal operator arguments that can never work fail when the DAG file is parsed."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_snowplow.errors import ArchiveUrlError, ManifestTableError, RunIdError

RUN = "enriched/archive/run=2017-04-07-10-00-00/"
GOOD = {"archive_url": "s3://acme/enriched/archive/", "table_name": "snowplow-load-manifests"}


def sensor(**overrides: Any) -> Any:
    from airflow_provider_snowplow.sensors.pending_runs import PendingRunSensor

    return PendingRunSensor(task_id="wait", **{**GOOD, **overrides})


def mark(**overrides: Any) -> Any:
    from airflow_provider_snowplow.operators.manifest import MarkRunLoadedOperator

    return MarkRunLoadedOperator(task_id="mark", **{"snowplow_run_id": RUN, "table_name": "t-1", **overrides})


def transform(**overrides: Any) -> Any:
    from airflow_provider_snowplow.operators.transform import SnowplowTransformRunOperator

    arguments = {**GOOD, "snowplow_run_id": RUN, "output_url": "s3://acme/json/"}
    return SnowplowTransformRunOperator(task_id="transform", **{**arguments, **overrides})


@pytest.mark.parametrize(
    ("build", "overrides", "error", "says"),
    [
        (sensor, {"archive_url": "acme/enriched"}, ArchiveUrlError, "must start with s3://"),
        (sensor, {"archive_url": "http://acme/enriched"}, ArchiveUrlError, "must start with s3://"),
        (sensor, {"table_name": "a"}, ManifestTableError, "not a valid DynamoDB table name"),
        (sensor, {"table_name": "my table"}, ManifestTableError, "not a valid DynamoDB table name"),
        (sensor, {"max_runs": 0}, ValueError, "max_runs must be a positive whole number, got 0"),
        (sensor, {"max_runs": "ten"}, ValueError, "got 'ten'"),
        (mark, {"snowplow_run_id": "manual__2026-11-26"}, RunIdError, "not a Snowplow run id"),
        (mark, {"snowplow_run_id": "s3://acme/" + RUN}, RunIdError, "drop the s3://bucket/ part"),
        (transform, {"output_url": "acme/json"}, ArchiveUrlError, "must start with s3://"),
        (transform, {"table_name": "x" * 256}, ManifestTableError, "3-255 letters"),
    ],
)
def test_bad_literals_fail_at_parse_time(
    build: Any, overrides: dict[str, Any], error: type, says: str
) -> None:
    with pytest.raises(error, match=says):
        build(**overrides)


def test_templates_and_good_literals_are_accepted_until_rendered() -> None:
    # building them does not raise: templated values are checked once rendered
    sensor(
        archive_url="{{ params.archive_url }}", table_name="{{ var.value.table }}", max_runs="{{ params.n }}"
    )
    mark(snowplow_run_id="{{ ti.xcom_pull('x') }}")
    assert transform().template_fields == (
        "snowplow_run_id",
        "archive_url",
        "output_url",
        "table_name",
        "aws_conn_id",
    )
    assert mark().map_index_template == "{{ task.snowplow_run_id }}"
    assert sensor().template_fields == ("archive_url", "table_name", "max_runs", "aws_conn_id")
