"""The Spark job's command line: one table of arguments, built by the operators, parsed by the script.

Core code with no pyspark and no boto3, so the Airflow layer can build a job's arguments (for
``spark-submit`` or EMR Serverless's ``entryPointArguments``) without either. The script
(:mod:`.spark_submit`) parses them back with :meth:`SparkJobArguments.from_argv`; a test checks the
two directions agree.

Output locations:

* ``jsonl`` (the default): ``s3://bucket/prefix/`` exactly as for the worker path; the job writes
  the same keys, and ``_SUCCESS.json`` last.
* ``parquet``: anything Spark's writer can reach: ``s3://`` / ``s3a://`` (needs hadoop-aws on the
  cluster, as EMR has), ``hdfs://``, ``file:///path`` or an absolute local path.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, NoReturn

from airflow_provider_snowplow.archive.layouts import DEFAULT_LAYOUT, LAYOUT_NAMES, Layout, make_layout
from airflow_provider_snowplow.archive.layouts.readiness import ReadinessRule
from airflow_provider_snowplow.archive.urls import S3_URL_SCHEMES, parse_archive_url, parse_output_url
from airflow_provider_snowplow.errors import OutputUrlError, SnowplowProviderError
from airflow_provider_snowplow.event_transformer.shapes import DEFAULT_SHAPE, SHAPES, Shape, check_shape
from airflow_provider_snowplow.processing.run import output_folder, run_output_path

OutputFormat = Literal["jsonl", "parquet"]
OUTPUT_FORMATS: tuple[OutputFormat, ...] = ("jsonl", "parquet")
_PARQUET_SCHEMES = (*S3_URL_SCHEMES, "hdfs://", "file:/", "/")


class JobArgumentError(SnowplowProviderError, ValueError):
    """The Spark job was given arguments it cannot work with; the message says which and why."""


@dataclass(frozen=True)
class SparkJobArguments:
    """What one Spark job processes and where its output goes.

    Attributes:
        archive_url: the enriched archive holding the runs (``s3://bucket/prefix/``).
        run_ids: one or more runs of that archive, as its layout names them (e.g. run folder prefixes).
        output_url: where ``run=.../`` output folders are written (see the module docstring).
        output_format: ``jsonl`` (the worker path's layout) or ``parquet``.
        add_geolocation_data: add ``geo_location`` (``"lat,lon"``) to events, as the SDK does.
        shape: the JSON Lines' shape, ``"python"`` or ``"scala"`` (as the worker path's); the
            Parquet schema is the package's own, so Parquet output takes the default only.
        submission_id: who submitted the job, recorded in each run's ``_SUCCESS.json`` so that a
            retry of the submitting task recognises output of its own job.
        s3_endpoint_url: an S3 endpoint other than AWS's (an S3-compatible store, a VPC endpoint).
        region_name: the region of the S3 client; the default chain's when None.
        layout: how the archive's runs are laid out (``enriched-archive``, ``s3-loader``...), as
            for the worker path: which objects a run holds, and where its output goes.
        partition_format: ``s3-loader``: S3 Loader's ``partitionFormat``; None for flat output.
    """

    archive_url: str
    run_ids: tuple[str, ...]
    output_url: str
    output_format: OutputFormat = "jsonl"
    add_geolocation_data: bool = True
    shape: Shape = DEFAULT_SHAPE
    submission_id: str | None = None
    s3_endpoint_url: str | None = None
    region_name: str | None = field(default=None)
    layout: str = DEFAULT_LAYOUT
    partition_format: str | None = None

    def run_layout(self) -> Layout:
        """The archive's layout, judging nothing: the sensor judged readiness by the DAG's rule."""
        return make_layout(
            self.layout, ReadinessRule(marker=None, settle_seconds=0), self.partition_format, 0
        )

    def check(self) -> SparkJobArguments:
        """Validate every argument; returns self.

        Raises:
            ArchiveUrlError, OutputUrlError, RunIdError, JobArgumentError: one line naming the value.
        """
        archive = parse_archive_url(self.archive_url)
        layout = self.run_layout()
        if not self.run_ids:
            raise JobArgumentError("the Spark job needs at least one run id (--run-id)")
        for run_id in self.run_ids:
            layout.validate_run_in_archive(run_id, archive)
        if len({run_output_path(run_id, archive.prefix) for run_id in self.run_ids}) != len(self.run_ids):
            raise JobArgumentError(
                f"run ids {list(self.run_ids)!r} name the same run folder twice; their output would "
                "collide: give each run once"
            )
        if self.output_format not in OUTPUT_FORMATS:
            raise JobArgumentError(
                f"output format {self.output_format!r} is not one of {', '.join(OUTPUT_FORMATS)}"
            )
        check_shape(self.shape)
        if self.output_format == "parquet" and self.shape != DEFAULT_SHAPE:
            raise JobArgumentError(
                f"shape {self.shape!r} applies to JSON Lines output; Parquet output has the package's own "
                "schema: leave the shape out or use --format jsonl"
            )
        if self.output_format == "jsonl":
            parse_output_url(self.output_url)
        elif not self.output_url.startswith(_PARQUET_SCHEMES):
            raise OutputUrlError(
                f"output URL {self.output_url!r} for Parquet must be s3://, s3a://, hdfs://, file:/// or "
                "an absolute path"
            )
        return self

    def run_output_url(self, run_id: str) -> str:
        """Where one run's output goes: ``<output_url>run=YYYY-MM-DD-HH-MM-SS/``, as the worker path's."""
        archive_prefix = parse_archive_url(self.archive_url).prefix
        if self.output_format == "jsonl":
            output = parse_output_url(self.output_url)
            return f"s3://{output.bucket}/{output_folder(output, run_id, archive_prefix)}"
        return f"{self.output_url.rstrip('/')}/{run_output_path(run_id, archive_prefix)}"

    def to_argv(self) -> list[str]:
        """The command-line arguments that :meth:`from_argv` reads back into these arguments."""
        argv = ["--archive-url", self.archive_url, "--output-url", self.output_url]
        for run_id in self.run_ids:
            argv += ["--run-id", run_id]
        argv += ["--format", self.output_format]
        if not self.add_geolocation_data:
            argv.append("--no-geolocation")
        if self.shape != DEFAULT_SHAPE:
            argv += ["--shape", self.shape]
        if self.layout != DEFAULT_LAYOUT:
            argv += ["--layout", self.layout]
        for option, value in (
            ("--partition-format", self.partition_format),
            ("--submission-id", self.submission_id),
            ("--s3-endpoint-url", self.s3_endpoint_url),
            ("--region", self.region_name),
        ):
            if value:
                argv += [option, value]
        return argv

    @classmethod
    def from_argv(cls, argv: Sequence[str]) -> SparkJobArguments:
        """Parse and check a command line (as :meth:`to_argv` writes it).

        Raises:
            JobArgumentError: a missing or unknown option, as one line.
            ArchiveUrlError, OutputUrlError, RunIdError: a value that cannot work.
        """
        parsed = vars(_parser().parse_args(list(argv)))  # each option's dest is a field's name
        return cls(**{**parsed, "run_ids": tuple(parsed["run_ids"])}).check()


class _Parser(argparse.ArgumentParser):
    """argparse, raising one line instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise JobArgumentError(f"the Spark job's arguments: {message} (see --help)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="spark_submit.py",
        description="Transform Snowplow runs from enriched TSV to JSON Lines (or Parquet) on Spark.",
    )
    parser.add_argument("--archive-url", required=True, help="s3://bucket/prefix/ of the enriched archive")
    parser.add_argument(
        "--run-id", dest="run_ids", action="append", required=True, help="a run folder prefix; repeatable"
    )
    parser.add_argument("--output-url", required=True, help="where run=.../ output folders go")
    parser.add_argument("--format", dest="output_format", default="jsonl", choices=OUTPUT_FORMATS)
    parser.add_argument(
        "--no-geolocation", dest="add_geolocation_data", action="store_false", help="leave out geo_location"
    )
    parser.add_argument("--shape", default=DEFAULT_SHAPE, choices=SHAPES, help="the JSON Lines' shape")
    parser.add_argument("--submission-id", help="recorded in _SUCCESS.json (set by the operators)")
    parser.add_argument("--s3-endpoint-url", help="an S3 endpoint other than AWS's")
    parser.add_argument("--region", dest="region_name", metavar="REGION", help="the S3 client's region")
    parser.add_argument(
        "--layout", default=DEFAULT_LAYOUT, choices=LAYOUT_NAMES, help="the archive's run layout"
    )
    parser.add_argument("--partition-format", help="s3-loader: the loader's partitionFormat (default: flat)")
    return parser
