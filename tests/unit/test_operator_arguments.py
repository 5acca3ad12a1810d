"""Literal operator arguments that can never work fail when the DAG file is parsed."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from airflow_provider_snowplow.errors import (
    ArchiveUrlError,
    LayoutError,
    ManifestTableError,
    OutputUrlError,
    RunIdError,
)

RUN = "enriched/archive/run=2017-04-07-10-00-00/"
GOOD = {"archive_url": "s3://acme/enriched/archive/", "table_name": "snowplow-load-manifests"}


def task(cls: Any, partial: bool, **arguments: Any) -> Any:
    """``cls(**arguments)``; with ``partial``, what a DAG file that maps the task gives: ``cls.partial(**arguments)``."""
    if not partial:
        return cls(**arguments)
    from airflow.sdk import DAG

    with DAG("partial", schedule=None):
        return cls.partial(**arguments)


def sensor(partial: bool = False, **overrides: Any) -> Any:
    from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor

    return task(SnowplowPendingRunSensor, partial, task_id="wait", **{**GOOD, **overrides})


def mark(partial: bool = False, **overrides: Any) -> Any:
    from airflow_provider_snowplow.operators.manifest import SnowplowMarkRunLoadedOperator

    arguments = {"snowplow_run_id": RUN, "table_name": "t-1"}
    return task(SnowplowMarkRunLoadedOperator, partial, task_id="mark", **{**arguments, **overrides})


def transform(partial: bool = False, **overrides: Any) -> Any:
    from airflow_provider_snowplow.operators.transform import SnowplowTransformRunOperator

    arguments = {**GOOD, "snowplow_run_id": RUN, "output_url": "s3://acme/json/"}
    return task(SnowplowTransformRunOperator, partial, task_id="transform", **{**arguments, **overrides})


def spark_submit(partial: bool = False, **overrides: Any) -> Any:
    from airflow_provider_snowplow.operators.spark import SnowplowSparkSubmitRunOperator

    arguments = {**GOOD, "snowplow_run_id": RUN, "output_url": "s3://acme/json/"}
    return task(SnowplowSparkSubmitRunOperator, partial, task_id="spark", **{**arguments, **overrides})


def emr(partial: bool = False, **overrides: Any) -> Any:
    from airflow_provider_snowplow.operators.emr_serverless import SnowplowEmrServerlessRunOperator

    arguments = {
        **GOOD,
        "snowplow_run_id": RUN,
        "output_url": "s3://acme/json/",
        "application_id": "00fabc",
        "execution_role_arn": "arn:aws:iam::123456789012:role/snowplow-spark",
        "entry_point": "s3://acme/spark_submit.py",
    }
    return task(SnowplowEmrServerlessRunOperator, partial, task_id="emr", **{**arguments, **overrides})


# Both ways a DAG file gives a task its arguments: called, or in ``.partial()`` of a mapped task.
DOORS = pytest.mark.parametrize("partial", [False, True], ids=["called", "partial"])


# A row a bad literal, each written out whole: rows alike in shape are what makes it read as a table.
@pytest.mark.parametrize(
    ("build", "overrides", "error", "says"),
    [
        (sensor, {"archive_url": "acme/enriched"}, ArchiveUrlError, "must start with s3://"),
        (sensor, {"archive_url": "http://acme/enriched"}, ArchiveUrlError, "must start with s3://"),
        (sensor, {"table_name": "a"}, ManifestTableError, "not a valid DynamoDB table name"),
        (sensor, {"table_name": "my table"}, ManifestTableError, "not a valid DynamoDB table name"),
        (sensor, {"max_runs": 0}, ValueError, "wait: max_runs must be a positive whole number, got 0"),
        (sensor, {"max_runs": "ten"}, ValueError, "got 'ten'"),
        (
            transform,
            {"output_url": "acme/json"},
            OutputUrlError,
            "transform: output URL 'acme/json' must start with s3://",
        ),
        (transform, {"archive_url": "s3://"}, ArchiveUrlError, "archive URL 's3://' has no bucket"),
        (
            transform,
            {"archive_url": "acme/archive"},
            ArchiveUrlError,
            "transform: archive URL 'acme/archive' must start with s3://",
        ),
        (transform, {"lease_seconds": 0}, ValueError, "transform: lease_seconds must be a positive number"),
        (transform, {"fail_on_bad_rows": "yes"}, ValueError, "fail_on_bad_rows must be true or false"),
        (transform, {"shape": "json"}, ValueError, "transform: shape must be 'python' "),
        (
            mark,
            {"aws_conn_id": ""},
            ValueError,
            "mark: aws_conn_id must be a non-empty string without surrounding spaces, or None",
        ),
        (transform, {"table_name": "x" * 256}, ManifestTableError, "3-255 letters"),
        (
            sensor,
            {"settle_seconds": -5},
            ValueError,
            "wait: settle_seconds must be a number of seconds, zero",
        ),
        (transform, {"settle_seconds": "soon"}, ValueError, "transform: settle_seconds must be a number"),
        (
            sensor,
            {"ready_marker": "/_SUCCESS"},
            ValueError,
            "wait: ready_marker must be an object name relative",
        ),
        (mark, {"ready_marker": "has space"}, ValueError, "mark: ready_marker must be an object name"),
        (mark, {"archive_url": "acme/archive"}, ArchiveUrlError, "must start with s3://"),
        (mark, {"table_name": "a"}, ManifestTableError, "not a valid DynamoDB table"),
        (mark, {"processed": "everything"}, ValueError, "mark: processed must be the transform's XCom"),
        (transform, {"workers": 0}, ValueError, "transform: workers must be a positive whole number"),
        (
            transform,
            {"compression": "lz4"},
            ValueError,
            "transform: compression must be one of 'gzip', 'zstd'",
        ),
        (spark_submit, {"output_format": "csv"}, ValueError, "spark: output_format must be one of jsonl"),
        (spark_submit, {"table_name": "a"}, ManifestTableError, "not a valid DynamoDB table name"),
        (emr, {"application_id": ""}, ValueError, "emr: application_id must be a non-empty string"),
        (
            emr,
            {"execution_timeout_minutes": 0},
            ValueError,
            "emr: execution_timeout_minutes must be a positive",
        ),
        (emr, {"output_url": "acme/json"}, OutputUrlError, "must start with s3://"),
    ],
)
@DOORS
def test_bad_literals_fail_at_parse_time(
    build: Any, overrides: dict[str, Any], error: type, says: str, partial: bool
) -> None:
    with pytest.raises(error, match=says) as raised:
        build(partial, **overrides)
    assert "\n" not in str(raised.value), "one line"


def test_templates_and_good_literals_are_accepted_until_rendered() -> None:
    # building them does not raise: templated values are checked once rendered
    sensor(
        archive_url="{{ params.archive_url }}", table_name="{{ var.value.table }}", max_runs="{{ params.n }}"
    )
    mark(snowplow_run_id="{{ ti.xcom_pull('x') }}", processed="{{ ti.xcom_pull('transform') }}")
    sensor(ready_marker="{{ params.marker }}", settle_seconds="{{ params.settle }}")
    assert sensor(ready_marker="", settle_seconds="0").readiness.marker is None


@pytest.mark.parametrize("build", [mark, transform, spark_submit, emr])
def test_the_tasks_of_one_run_are_labelled_with_its_id(build: Any) -> None:
    task = build()
    assert task.map_index_template == "{{ task.snowplow_run_id }}"
    assert (task.snowplow_run_id, task.table_name) == (
        RUN,
        GOOD["table_name"] if build is not mark else "t-1",
    )
    assert build(map_index_template="{{ task.task_id }}").map_index_template == "{{ task.task_id }}"


def test_the_sensor_is_not_labelled_with_a_run() -> None:
    assert sensor().map_index_template is None


@pytest.mark.parametrize("build", [sensor, mark, transform, spark_submit, emr])
def test_every_argument_of_ours_is_templated(build: Any) -> None:
    task = build()
    ours, theirs = set(), set()
    for cls in type(task).__mro__:
        if cls.__module__.startswith("airflow_provider_snowplow") and "__init__" in vars(cls):
            ours |= {
                name
                for name, parameter in inspect.signature(vars(cls)["__init__"]).parameters.items()
                if parameter.kind is parameter.KEYWORD_ONLY
            }
        elif not cls.__module__.startswith("airflow_provider_snowplow"):
            theirs |= set(getattr(cls, "template_fields", ()))
    # The sensor's deferrable is decided when the DAG is built; the EMR operator's is templated.
    # partitioned_outlets are assets, which Airflow reads when the DAG file is parsed (as outlets).
    assert ours - {"deferrable", "partitioned_outlets"} <= set(task.template_fields) <= ours | theirs
    assert {"table_name", "aws_conn_id", "region_name"} <= ours
    for name in ours:  # every argument is kept as given, to be rendered
        assert hasattr(task, name), name


def test_rendered_values_are_checked_and_converted_before_any_aws_call() -> None:
    task = transform(
        lease_seconds="{{ params.lease }}",
        fail_on_bad_rows="{{ params.strict }}",
        workers="{{ params.workers }}",
        compression="{{ params.compression }}",
    )
    task.lease_seconds, task.fail_on_bad_rows, task.workers, task.compression = "600", "True", "4", "zstd"
    task.check_arguments()
    assert (task.lease_seconds, task.fail_on_bad_rows, task.workers, task.compression) == (
        600.0,
        True,
        4,
        "zstd",
    )
    task.output_url = "acme/json"
    with pytest.raises(OutputUrlError, match="transform: output URL 'acme/json' must start with s3://"):
        task.check_arguments()


HOUR = "enriched/date=2026-11-30/hour=10/"
LOADER: dict[str, Any] = {"layout": "s3-loader", "partition_format": "date={yyyy}-{MM}-{dd}/hour={HH}"}


@pytest.mark.parametrize(
    ("build", "overrides", "error", "says"),
    [
        (sensor, {"layout": "s3_loader"}, LayoutError, "wait: layout must be one of enriched-archive"),
        (sensor, {"layout": "s3-loader", "partition_format": "hour"}, LayoutError, "has no time token"),
        (transform, {**LOADER, "grace_seconds": -1}, ValueError, "transform: grace_seconds must be a number"),
    ],
)
@DOORS
def test_bad_layout_literals_fail_at_parse_time(
    build: Any, overrides: dict[str, Any], error: type, says: str, partial: bool
) -> None:
    with pytest.raises(error, match=says) as raised:
        build(partial, **overrides)
    assert "\n" not in str(raised.value), "one line"


# Run ids are checked against the task's layout, which .partial() checks only once it has all of
# its arguments (tests/unit/test_mapping_arguments.py): these fail when the task is called.
@pytest.mark.parametrize(
    ("build", "overrides", "says"),
    [
        (mark, {"snowplow_run_id": "manual__2026-11-26"}, "not a Snowplow run id"),
        (mark, {"snowplow_run_id": "s3://acme/" + RUN}, "drop the s3://bucket/ part"),
        (spark_submit, {"snowplow_run_id": "run=2017"}, "not a Snowplow run id"),
        (mark, {**LOADER}, "mark: 'enriched/archive/run=.*' is not a run id of the s3-loader layout"),
        (mark, {"snowplow_run_id": HOUR}, "not a Snowplow run id"),
    ],
)
def test_bad_run_ids_fail_at_parse_time(build: Any, overrides: dict[str, Any], says: str) -> None:
    with pytest.raises(RunIdError, match=says):
        build(**overrides)


def test_run_ids_are_checked_against_the_task_layout_once_it_is_known() -> None:
    assert mark(snowplow_run_id=HOUR, **LOADER).run_layout.name == "s3-loader"
    templated = mark(
        snowplow_run_id=HOUR, layout="{{ params.layout }}", partition_format=LOADER["partition_format"]
    )
    templated.layout = "transformer-output"  # as rendered
    with pytest.raises(RunIdError, match="not a run id of the transformer-output layout"):
        templated.check_arguments()


@pytest.mark.parametrize("build", [spark_submit, emr])
def test_the_spark_operators_hand_their_layout_to_the_job(
    build: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.sdk import DAG

    from airflow_provider_snowplow.spark.arguments import SparkJobArguments

    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_DEFAULT", '{"conn_type": "aws", "extra": {"region_name": "eu-west-1"}}'
    )
    task = build(archive_url="s3://acme/enriched/", snowplow_run_id=HOUR, **LOADER)
    task.check_arguments()
    context: Any = {"dag": DAG("load"), "run_id": "manual__1"}
    arguments = SparkJobArguments.from_argv(task.job_arguments(context).to_argv())
    assert (arguments.layout, arguments.partition_format) == ("s3-loader", LOADER["partition_format"])
    assert arguments.run_output_url(HOUR) == "s3://acme/json/date=2026-11-30/hour=10/"
