"""SnowplowEmrServerlessRunOperator: a run handed to the Spark job on EMR Serverless, with the claim held.

1. Claim the run with a lease that covers the job's whole life: ``execution_timeout_minutes`` (after
   which EMR Serverless cancels the job itself) plus ``lease_margin_seconds`` for queueing. The
   lease is not renewed while the task is deferred, on purpose: a renewal from the triggerer would
   make exclusivity depend on the triggerer staying up, and a triggerer down for longer than a lease
   would let another DAG run start a second job while the first still writes. Sized to the job's hard
   timeout, the claim cannot lapse while the job can still run, whichever Airflow process dies.
2. Start the job, or re-attach to it: job runs are named after the submission (the run and the DAG
   run), and a retry finds its earlier job run by name instead of starting another
   (:mod:`airflow_provider_snowplow.spark.emr_serverless`).
3. Wait: deferred to the Amazon provider's ``EmrServerlessStartJobTrigger`` (``deferrable=True``)
   or polling ``GetJobRun`` every ``waiter_delay`` seconds.
4. Record the run only when the job run reached ``SUCCESS`` **and** its ``_SUCCESS.json`` is in S3,
   in the transaction that drops the claim; on a failed or cancelled job, or anything else going
   wrong, release the claim at once.
"""

from __future__ import annotations

import inspect
import math
import time
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, cast

from airflow.sdk import BaseOperator, Context
from airflow.sdk.exceptions import TaskDeferred

from airflow_provider_snowplow.tasks.base import Argument, template_fields
from airflow_provider_snowplow.tasks.claimed_run import claim_or_skip
from airflow_provider_snowplow.tasks.spark_run import (
    SPARK_RUN_ARGUMENTS,
    SnowplowSparkRunMixin,
    SparkJobError,
    submission_id,
)
from airflow_provider_snowplow.validation import boolean, optional_string, positive_int, positive_number

if TYPE_CHECKING:
    from airflow_provider_snowplow.hooks.emr_serverless import SnowplowEmrServerlessHook
    from airflow_provider_snowplow.spark.emr_serverless import JobRun

DEFAULT_EXECUTION_TIMEOUT_MINUTES = 180
DEFAULT_LEASE_MARGIN_SECONDS = 3600


def non_empty(value: object) -> str:
    """An identifier (application id, role ARN, S3 URI): a non-empty string."""
    if optional_string(value) is None:
        raise ValueError(f"must be a non-empty string, got {value!r}")
    return cast(str, value)


class SnowplowEmrServerlessRunOperator(SnowplowSparkRunMixin, BaseOperator):
    """Process one Snowplow run with the Spark job on EMR Serverless, under a claim (see the module docstring).

    Takes the run's arguments (see ``SnowplowSparkRunMixin``) and:

    Args:
        application_id: the EMR Serverless Spark application (templated).
        execution_role_arn: the job role; it needs the policy of docs/iam-spark-job-role.json (templated).
        entry_point: ``s3://`` URI of the job's ``spark_submit.py``, as
            ``python -m airflow_provider_snowplow.spark.bundle`` writes it (templated).
        py_files: ``s3://`` URI of the bundle's ``snowplow_spark_job.zip``, passed as
            ``--conf spark.submit.pyFiles=...``; None (the default) when the job's modules come
            another way (a custom image, ``spark_submit_parameters``) (templated).
        spark_submit_parameters: e.g. ``--conf spark.archives=s3://.../venv.tar.gz#environment
            --conf spark.emr-serverless.driverEnv.PYSPARK_PYTHON=./environment/bin/python ...``
            (templated).
        execution_timeout_minutes: EMR Serverless cancels the job after this; the claim's lease is
            this plus ``lease_margin_seconds`` (templated).
        lease_margin_seconds: time for the job to be scheduled and for the task to notice its end
            (templated).
        waiter_delay: seconds between state checks (templated).
        deferrable: wait in the triggerer (the Amazon provider's ``EmrServerlessStartJobTrigger``).
        configuration_overrides: ``StartJobRun``'s ``configurationOverrides`` (logs, Spark defaults).
        **kwargs: anything ``BaseOperator`` takes; ``map_index_template`` defaults to the run id.

    Returns (XCom):
        the run's ``_SUCCESS.json`` counts, ``job`` (the job run id) and ``newly_loaded``.
    """

    arguments = (
        *SPARK_RUN_ARGUMENTS,
        Argument("application_id", non_empty),
        Argument("execution_role_arn", non_empty),
        Argument("entry_point", non_empty),
        Argument("py_files", optional_string),
        Argument("spark_submit_parameters", optional_string),
        Argument("execution_timeout_minutes", positive_int, converts=True),
        Argument("lease_margin_seconds", positive_number, converts=True),
        Argument("waiter_delay", positive_number, converts=True),
        Argument("deferrable", boolean, converts=True),
    )
    template_fields = (*template_fields(arguments), "configuration_overrides")
    template_fields_renderers: ClassVar[dict[str, str]] = {"configuration_overrides": "json"}
    ui_color = "#ffe5cc"
    application_id: str
    execution_role_arn: str
    entry_point: str
    py_files: str | None
    spark_submit_parameters: str | None
    execution_timeout_minutes: int | str
    lease_margin_seconds: float | str
    waiter_delay: float | str
    deferrable: bool | str

    def __init__(
        self,
        *,
        application_id: str,
        execution_role_arn: str,
        entry_point: str,
        py_files: str | None = None,
        spark_submit_parameters: str | None = None,
        execution_timeout_minutes: int | str = DEFAULT_EXECUTION_TIMEOUT_MINUTES,
        lease_margin_seconds: float | str = DEFAULT_LEASE_MARGIN_SECONDS,
        waiter_delay: float | str = 30,
        deferrable: bool | str = True,
        configuration_overrides: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.keep_arguments(locals())
        self.configuration_overrides = configuration_overrides
        self.check_literal_arguments()

    @cached_property
    def emr_hook(self) -> SnowplowEmrServerlessHook:
        """EMR Serverless on this task's connection, built on first use (never at parse time)."""
        from airflow_provider_snowplow.hooks.emr_serverless import SnowplowEmrServerlessHook

        return SnowplowEmrServerlessHook(aws_conn_id=self.aws_conn_id, region_name=self.region_name)

    @property
    def lease_seconds(self) -> float:
        """The claim's lease: the job's hard timeout plus the margin."""
        return cast(int, self.execution_timeout_minutes) * 60 + cast(float, self.lease_margin_seconds)

    def execute(self, context: Context) -> dict[str, Any]:
        """Claim, start or re-attach to the job, wait (deferred or polling), then record."""
        self.check_arguments()
        claim_or_skip(self.hook, self.snowplow_run_id, context, self.lease_seconds)
        try:
            job = self._start_or_attach(context)
            if job.state not in self._terminal_states():
                if self.deferrable:
                    self._defer(job)
                job = self._poll(job)
            if job.state != "SUCCESS":
                raise self._failed(job.job_run_id, f"{job.state}: {job.details}")
        except TaskDeferred:
            raise
        except BaseException:
            self.release(context)
            raise
        return self.record_run(context, job.job_run_id)

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> dict[str, Any]:
        """Back from the trigger: record the run if the job succeeded, else release the claim and fail."""
        self.check_arguments()
        event = event or {}
        job_run_id = str(event.get("job_details", {}).get("job_id", "unknown"))
        if event.get("status") != "success":
            self.release(context)
            raise self._failed(job_run_id, str(event.get("message", event)))
        return self.record_run(context, job_run_id)

    def _start_or_attach(self, context: Context) -> JobRun:
        from airflow_provider_snowplow.spark.emr_serverless import job_driver

        name = submission_id(context, self.snowplow_run_id)
        start: dict[str, Any] = {
            "executionRoleArn": self.execution_role_arn,
            "jobDriver": job_driver(
                self.job_arguments(context), self.entry_point, self.spark_submit_parameters, self.py_files
            ),
            "executionTimeoutMinutes": self.execution_timeout_minutes,
        }
        if self.configuration_overrides:
            start["configurationOverrides"] = self.configuration_overrides
        # Earlier tries of this DAG run started after the DAG run did; a day's margin for clock skew.
        started = getattr(context["dag_run"], "start_date", None) or datetime.now(UTC)
        since = started - timedelta(days=1)
        job = self.emr_hook.start_or_attach_job_run(self.application_id, name, start, since)
        verb = "Started" if job.started else "Re-attached to"
        self.log.info(
            "%s job run %s (%s) of run %s on %s",
            verb,
            job.job_run_id,
            name,
            self.snowplow_run_id,
            self.application_id,
        )
        return job

    def _defer(self, job: JobRun) -> None:
        """Wait in the triggerer; returns, to poll from the worker, only where no trigger watches our region.

        The Amazon provider's trigger takes a ``region_name`` from 9.37 on; an older one watches
        the connection's region, which is not where the job runs when ``region_name`` overrides it.
        """
        from airflow.providers.amazon.aws.triggers.emr import EmrServerlessStartJobTrigger

        where: dict[str, Any] = {"aws_conn_id": self.aws_conn_id}
        if self.region_name is not None:
            if "region_name" not in inspect.signature(EmrServerlessStartJobTrigger).parameters:
                self.log.warning(
                    "Waiting for job run %s from the worker, not the triggerer: this Amazon provider's "
                    "EmrServerlessStartJobTrigger cannot take region_name=%r (9.37 and later can)",
                    job.job_run_id,
                    self.region_name,
                )
                return
            where["region_name"] = self.region_name
        delay = cast(float, self.waiter_delay)
        self.defer(
            trigger=EmrServerlessStartJobTrigger(
                application_id=self.application_id,
                job_id=job.job_run_id,
                waiter_delay=max(1, int(delay)),
                waiter_max_attempts=math.ceil(self.lease_seconds / delay),
                **where,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.lease_seconds),
        )

    def _poll(self, job: JobRun) -> JobRun:
        deadline = time.monotonic() + self.lease_seconds
        while job.state not in self._terminal_states():
            if time.monotonic() > deadline:
                raise self._failed(job.job_run_id, f"still {job.state} when the claim's lease ran out")
            time.sleep(cast(float, self.waiter_delay))
            job = self.emr_hook.get_job_run(self.application_id, job.job_run_id)
            self.log.info("Job run %s is %s", job.job_run_id, job.state)
        return job

    @staticmethod
    def _terminal_states() -> frozenset[str]:
        from airflow_provider_snowplow.spark.emr_serverless import TERMINAL_STATES

        return TERMINAL_STATES

    def _failed(self, job_run_id: str, why: str) -> SparkJobError:
        return SparkJobError(
            f"EMR Serverless job run {job_run_id} of run {self.snowplow_run_id} on application "
            f"{self.application_id} did not succeed ({why}); the run stays pending and its claim is released"
        )
