"""What the Spark hand-off operators share: the job's arguments, its submission id, and finishing a run.

A run handed to Spark is recorded only when the job succeeded **and** its ``_SUCCESS.json`` is in
S3 (the job writes it last, after every output object), and then in the same DynamoDB transaction
that drops this DAG run's claim; if anything fails first, the claim is released at once, so the run
is pending again for the next DAG run instead of waiting for its lease to expire.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, ClassVar, cast

from airflow.sdk import Asset, Context

from airflow_provider_snowplow.archive.run_ids import run_folder_name
from airflow_provider_snowplow.errors import SnowplowProviderError
from airflow_provider_snowplow.processing.run import SUCCESS_MARKER
from airflow_provider_snowplow.spark.arguments import OUTPUT_FORMATS, SparkJobArguments
from airflow_provider_snowplow.tasks.assets import annotate_outlet_events
from airflow_provider_snowplow.tasks.base import Argument
from airflow_provider_snowplow.tasks.claimed_run import claim_owner, loaded_by
from airflow_provider_snowplow.tasks.partitioned_assets import add_run_partition, with_partitioned_outlets
from airflow_provider_snowplow.tasks.run_processing import RUN_PROCESSING, SnowplowRunProcessingMixin
from airflow_provider_snowplow.validation import boolean


class SparkJobError(SnowplowProviderError):
    """The Spark job of a run failed, or finished without its ``_SUCCESS.json``; the run stays pending."""


def output_format(value: object) -> str:
    """``jsonl`` or ``parquet``."""
    if value not in OUTPUT_FORMATS:
        raise ValueError(f"must be one of {', '.join(OUTPUT_FORMATS)}, got {value!r}")
    return cast(str, value)


def submission_id(context: Context, snowplow_run_id: str) -> str:
    """The name of this DAG run's job for the run: the same for every try of the task, unique otherwise.

    ``snowplow-<run folder>-<hash of DAG, DAG run and run id>``: readable in the Spark and EMR
    consoles, and short enough for EMR Serverless's client token.
    """
    digest = hashlib.sha256(f"{claim_owner(context)}|{snowplow_run_id}".encode()).hexdigest()[:16]
    stamp = run_folder_name(snowplow_run_id).removeprefix("run=")
    return f"snowplow-{stamp}-{digest}"


SPARK_RUN_ARGUMENTS = (
    *RUN_PROCESSING,
    Argument("output_format", output_format),
    Argument("mark_loaded", boolean, converts=True),
)


class SnowplowSparkRunMixin(SnowplowRunProcessingMixin):
    """A run, claimed, handed to the Spark job, and recorded once the job's output is complete.

    Args:
        output_format: ``jsonl`` (the worker path's layout) or ``parquet`` (templated).
        mark_loaded: record the run (and drop the claim) once the job's output is complete; False
            keeps the claim for a downstream ``SnowplowMarkRunLoadedOperator`` (templated).
        partitioned_outlets: assets that get an event keyed by the run's time once it is recorded
            (see :mod:`~airflow_provider_snowplow.tasks.partitioned_assets`); needs ``mark_loaded``.
        **kwargs: the run, its archive, output and event options (see ``SnowplowRunProcessingMixin``),
            the manifest table, connection and run layout (the job reads a run's part files and
            names its output folder as the worker path does in that layout), and the base
            operator's arguments.
    """

    arguments: ClassVar[tuple[Argument, ...]]
    outlets: Any
    output_format: str
    mark_loaded: bool | str

    def __init__(
        self,
        *,
        output_format: str = "jsonl",
        mark_loaded: bool | str = True,
        partitioned_outlets: Sequence[Asset] = (),
        **kwargs: Any,
    ) -> None:
        if partitioned_outlets:
            if mark_loaded is False:
                raise ValueError(
                    "partitioned_outlets needs mark_loaded: their events announce the run's record"
                )
            kwargs["outlets"] = with_partitioned_outlets(kwargs.get("outlets"), partitioned_outlets)
        super().__init__(**kwargs)
        self.partitioned_outlets = list(partitioned_outlets)
        self.keep_arguments(locals())

    def job_arguments(self, context: Context) -> SparkJobArguments:
        """The job's command line for this run and DAG run (after ``check_arguments``)."""
        return SparkJobArguments(
            archive_url=self.archive_url,
            run_ids=(self.snowplow_run_id,),
            output_url=self.output_url,
            output_format=cast(Any, self.output_format),
            add_geolocation_data=cast(bool, self.add_geolocation_data),
            shape=cast(Any, self.shape),
            submission_id=submission_id(context, self.snowplow_run_id),
            s3_endpoint_url=self.hook.s3_endpoint_url,
            region_name=self.hook.region_name,
            layout=self.layout,
            partition_format=self.partition_format,
        ).check()

    def finished_output(self, submission: str | None = None) -> dict[str, Any] | None:
        """The run's ``_SUCCESS.json`` if its output is complete (and, given ``submission``, that job's)."""
        summary = self.hook.read_run_summary(self.output_url, self.snowplow_run_id)
        if summary is None or (submission is not None and summary.get("submission_id") != submission):
            return None
        return summary

    def record_run(self, context: Context, job: str) -> dict[str, Any]:
        """Check the output is complete, then record the run (dropping the claim); release it on failure.

        Returns:
            The XCom: the run's counts from ``_SUCCESS.json``, ``job`` and ``newly_loaded``.

        Raises:
            SparkJobError: the job reported success but its ``_SUCCESS.json`` is not there.
        """
        try:
            summary = self.finished_output()
            if summary is None:
                raise SparkJobError(
                    f"{job} finished, but {self.output_url}{run_folder_name(self.snowplow_run_id)}/"
                    f"{SUCCESS_MARKER} is missing: run {self.snowplow_run_id} was not marked loaded; "
                    "read the job's driver log"
                )
            newly_loaded = None
            if self.mark_loaded:
                newly_loaded = self.hook.mark_loaded(
                    self.snowplow_run_id, loaded_by(context), claim_owner(context)
                )
        except BaseException:
            self.release(context)
            raise
        result = {k: v for k, v in summary.items() if not k.endswith("_keys")} | {
            "job": job,
            "newly_loaded": newly_loaded,
        }
        annotate_outlet_events(self.outlets, context, result)
        if newly_loaded is not None:
            add_run_partition(self.partitioned_outlets, context, self.run_layout, self.snowplow_run_id)
        return result

    def release(self, context: Context) -> None:
        """Drop this DAG run's claim on the run (a no-op when another owner holds it)."""
        released = self.hook.release_claim(self.snowplow_run_id, owner=claim_owner(context))
        self.hook.log.info("Claim on %s %s", self.snowplow_run_id, "released" if released else "was not ours")
