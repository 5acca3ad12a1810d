"""The Spark job's command line: what the operators build is what the script reads, and bad input is one line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from airflow_provider_snowplow.errors import OutputUrlError, RunIdError, SnowplowProviderError
from airflow_provider_snowplow.spark.arguments import JobArgumentError, SparkJobArguments

RUN = "enriched/archive/run=2017-04-07-10-00-00/"
ARCHIVE = "s3://a-b/enriched/archive/"
ARGUMENTS = SparkJobArguments(
    "s3://acme-snowplow/enriched/archive/",
    (RUN, "enriched/archive/run=2017-04-07-11-00-00/"),
    "s3://acme-snowplow/enriched/json/",
    output_format="parquet",
    add_geolocation_data=False,
    submission_id="snowplow-0123",
    s3_endpoint_url="http://127.0.0.1:9000",
    region_name="eu-west-1",
)


@pytest.mark.parametrize(
    "arguments", [ARGUMENTS, SparkJobArguments(ARGUMENTS.archive_url, (RUN,), ARGUMENTS.output_url)]
)
def test_the_command_line_reads_back_what_was_written(arguments: SparkJobArguments) -> None:
    assert SparkJobArguments.from_argv(arguments.to_argv()) == arguments


def test_run_output_urls_follow_the_worker_layout() -> None:
    assert ARGUMENTS.run_output_url(RUN) == "s3://acme-snowplow/enriched/json/run=2017-04-07-10-00-00/"
    local = SparkJobArguments(ARGUMENTS.archive_url, (RUN,), "file:///data/events", output_format="parquet")
    assert local.check().run_output_url(RUN) == "file:///data/events/run=2017-04-07-10-00-00/"


HOURLY = "date={yyyy}-{MM}-{dd}/hour={HH}"


def test_s3_loader_runs_read_back_and_keep_their_whole_path_in_the_output() -> None:
    # Two days' hour=10 partitions: one run folder name, two output folders.
    day1, day2 = "enriched/date=2026-11-30/hour=10/", "enriched/date=2026-12-01/hour=10/"
    loader = "s3://acme-snowplow/enriched/"
    partitioned = SparkJobArguments(
        loader, (day1, day2), "s3://acme-snowplow/json/", layout="s3-loader", partition_format=HOURLY
    ).check()
    assert SparkJobArguments.from_argv(partitioned.to_argv()) == partitioned
    assert partitioned.run_output_url(day2) == "s3://acme-snowplow/json/date=2026-12-01/hour=10/"
    flat = SparkJobArguments(
        loader, ("enriched/2026-11-30-10/",), "/data/events", "parquet", layout="s3-loader"
    )
    assert SparkJobArguments.from_argv(flat.check().to_argv()) == flat
    assert flat.run_output_url("enriched/2026-11-30-10/") == "/data/events/2026-11-30-10/"


def test_a_run_id_of_another_layout_is_refused_naming_it() -> None:
    with pytest.raises(SnowplowProviderError, match="2017-04-07-10-00-00") as raised:
        SparkJobArguments(
            "s3://acme-snowplow/enriched/archive/", (RUN,), "s3://a-b/y/", layout="s3-loader"
        ).check()
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("argv", "error", "says"),
    [
        (["--archive-url", "s3://a-b/x/", "--output-url", "s3://a-b/y/"], JobArgumentError, "--run-id"),
        (
            [
                "--archive-url",
                "s3://a-b/x/",
                "--run-id",
                "x/run=2017-04-07-10-00-00",
                "--output-url",
                "s3://a-b/y/",
            ],
            RunIdError,
            "add the trailing slash",
        ),
        (
            ["--archive-url", ARCHIVE, "--run-id", RUN, "--output-url", "/tmp/out"],
            OutputUrlError,
            "must start with s3://",
        ),
        (
            ["--archive-url", ARCHIVE, "--run-id", RUN, "--output-url", "out", "--format", "parquet"],
            OutputUrlError,
            "absolute path",
        ),
        (
            [
                "--archive-url",
                ARCHIVE,
                "--run-id",
                RUN,
                "--run-id",
                RUN,
                "--output-url",
                "s3://a-b/y/",
            ],
            JobArgumentError,
            "same run folder twice",
        ),
        (
            [
                "--archive-url",
                ARCHIVE,
                "--run-id",
                RUN,
                "--output-url",
                "s3://a-b/y/",
                "--format",
                "csv",
            ],
            JobArgumentError,
            "invalid choice",
        ),
        (
            [
                "--archive-url",
                "s3://a-b/x/",
                "--run-id",
                RUN,
                "--output-url",
                "s3://a-b/y/",
                "--layout",
                "flat",
            ],
            JobArgumentError,
            "invalid choice: 'flat'",
        ),
    ],
)
def test_bad_arguments_are_one_line_naming_the_value(
    argv: list[str], error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=says) as raised:
        SparkJobArguments.from_argv(argv)
    assert "\n" not in str(raised.value)


def test_the_script_exits_2_with_one_line_and_never_starts_spark() -> None:
    code = (
        "import sys\n"
        "from airflow_provider_snowplow.spark.submit import main\n"
        "code = main(['--archive-url', 's3://a-b/x/', '--output-url', 's3://a-b/y/'])\n"
        "print(code, 'pyspark' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["2", "False"]
    assert done.stderr.startswith("error: the Spark job's arguments:") and done.stderr.count("\n") == 1
