"""The Spark job on EMR Serverless, submitted once per run and DAG run however often a task retries.

Plans (AWS work as data, see :mod:`airflow_provider_snowplow.aws.plans`), no boto3. A job run is
named after its submission (the run and the DAG run: see
:func:`airflow_provider_snowplow.tasks.spark_run.submission_id`). Before starting one,
:func:`start_or_attach` looks for a job run of that name: a live or finished one is re-attached
to, never started twice. Only when every earlier job run of the name failed is a new one started,
with a client token that numbers the attempt, so that two tries racing to start the same attempt
still get one job run from EMR Serverless (``StartJobRun`` is idempotent per ``clientToken``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from airflow_provider_snowplow.aws.pagination import Cursor, paginate
from airflow_provider_snowplow.aws.plans import AwsCall, Plan, error_code
from airflow_provider_snowplow.spark.arguments import SparkJobArguments

SUCCESS_STATE = "SUCCESS"
FAILED_STATES = frozenset({"FAILED", "CANCELLING", "CANCELLED"})
TERMINAL_STATES = FAILED_STATES | {SUCCESS_STATE}
JOB_RUN_LISTING = Cursor("nextToken", "nextToken")
CLIENT_TOKEN_LENGTH = 64  # StartJobRun's limit


@dataclass(frozen=True)
class JobRun:
    """A job run of the Spark job on an EMR Serverless application.

    Attributes:
        application_id: the application.
        job_run_id: the job run.
        state: its state when last seen (``SUBMITTED`` ... ``SUCCESS``/``FAILED``/``CANCELLED``).
        started: True when this call started it, False when it re-attached to an existing one.
        details: EMR Serverless's ``stateDetails`` (why it failed), when it says.
    """

    application_id: str
    job_run_id: str
    state: str
    started: bool = False
    details: str = ""


def job_driver(
    arguments: SparkJobArguments,
    entry_point: str,
    spark_submit_parameters: str | None = None,
    py_files: str | None = None,
) -> dict[str, Any]:
    """``StartJobRun``'s ``jobDriver``: the shipped script, with the job's command line.

    ``py_files`` (the bundle's zip, :mod:`.spark_bundle`) goes first in ``sparkSubmitParameters``
    as ``--conf spark.submit.pyFiles=...``, so that a setting of the caller's own comes later and wins.
    """
    submit: dict[str, Any] = {"entryPoint": entry_point, "entryPointArguments": arguments.to_argv()}
    parameters = [f"--conf spark.submit.pyFiles={py_files}"] if py_files else []
    if spark_submit_parameters:
        parameters.append(spark_submit_parameters)
    if parameters:
        submit["sparkSubmitParameters"] = " ".join(parameters)
    return {"sparkSubmit": submit}


def application_resource(application_id: str) -> str:
    """How messages name an EMR Serverless application."""
    return f"EMR Serverless application {application_id!r}"


def start_or_attach(
    application_id: str, name: str, start: dict[str, Any], created_after: datetime
) -> Plan[JobRun]:
    """The job run named ``name``, started now only if none but failed ones exist.

    Args:
        application_id: the EMR Serverless application.
        name: the submission's name; job runs of other names are never touched.
        start: ``StartJobRun`` parameters besides ``applicationId``, ``name`` and ``clientToken``
            (``executionRoleArn``, ``jobDriver``, ``executionTimeoutMinutes``...).
        created_after: look only at job runs created after this (the DAG run's start, minus a margin).
    """
    resource = application_resource(application_id)
    earlier: list[dict[str, Any]] = []
    listing = AwsCall(
        "emr-serverless",
        "list_job_runs",
        {"applicationId": application_id, "createdAtAfter": created_after},
        resource,
    )
    try:
        yield from paginate(
            listing,
            JOB_RUN_LISTING,
            lambda page: earlier.extend(r for r in page.get("jobRuns", []) if r.get("name") == name),
        )
    except Exception as exc:
        # moto answers ResourceNotFound for an application without job runs; for a missing
        # application, StartJobRun below fails with AWS's own message.
        if error_code(exc) != "ResourceNotFoundException":
            raise
    live = [r for r in earlier if r.get("state") not in FAILED_STATES]
    if live:
        newest = max(live, key=lambda r: r.get("createdAt") or datetime.min)
        return JobRun(application_id, newest["id"], newest["state"], details=newest.get("stateDetails", ""))
    token = f"{name[: CLIENT_TOKEN_LENGTH - 8]}-{len(earlier)}"
    response = yield AwsCall(
        "emr-serverless",
        "start_job_run",
        {**start, "applicationId": application_id, "name": name, "clientToken": token},
        resource,
    )
    assert response is not None
    return JobRun(application_id, response["jobRunId"], "SUBMITTED", started=True)


def get_job_run(application_id: str, job_run_id: str) -> Plan[JobRun]:
    """The job run's current state (one ``GetJobRun``)."""
    response = yield AwsCall(
        "emr-serverless",
        "get_job_run",
        {"applicationId": application_id, "jobRunId": job_run_id},
        f"job run {job_run_id!r} of {application_resource(application_id)}",
    )
    assert response is not None
    job = response["jobRun"]
    return JobRun(application_id, job_run_id, job["state"], details=job.get("stateDetails", ""))
