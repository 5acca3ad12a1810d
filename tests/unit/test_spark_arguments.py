"""The Spark job's command line: what the operators build is what the script reads, and bad input is one line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from airflow_provider_snowplow.errors import OutputUrlError, RunIdError
from airflow_provider_snowplow.processing.spark_arguments import JobArgumentError, SparkJobArguments

RUN = "enriched/archive/run=2017-04-07-10-00-00/"
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
            ["--archive-url", "s3://a-b/x/", "--run-id", RUN, "--output-url", "/tmp/out"],
            OutputUrlError,
            "must start with s3://",
        ),
        (
            ["--archive-url", "s3://a-b/x/", "--run-id", RUN, "--output-url", "out", "--format", "parquet"],
            OutputUrlError,
            "absolute path",
        ),
        (
            [
                "--archive-url",
                "s3://a-b/x/",
                "--run-id",
                RUN,
                "--run-id",
                "y/" + RUN[9:],
                "--output-url",
                "s3://a-b/y/",
            ],
            JobArgumentError,
            "same run folder twice",
        ),
        (
            [
                "--archive-url",
                "s3://a-b/x/",
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
        "from airflow_provider_snowplow.processing.spark_submit import main\n"
        "code = main(['--archive-url', 's3://a-b/x/', '--output-url', 's3://a-b/y/'])\n"
        "print(code, 'pyspark' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["2", "False"]
    assert done.stderr.startswith("error: the Spark job's arguments:") and done.stderr.count("\n") == 1
