"""The EMR Serverless hand-off against moto's EMR Serverless API, under ``dag.test()``.

moto accepts and lists job runs and reports them ``SUCCESS`` at once, but runs nothing: where a
test needs the job's output, it writes it with the worker path (the same layout, as
tests/spark/test_spark_job.py shows), as the job would have.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from airflow_provider_snowplow.aws.runners import run_sync
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.processing.run import process_run
from airflow_provider_snowplow.spark.arguments import SparkJobArguments
from airflow_provider_snowplow.spark.emr_serverless import start_or_attach
from airflow_provider_snowplow.testing.archive import READY_WHEN_SEEDED, Archive
from airflow_provider_snowplow.testing.events import valid_lines
from airflow_provider_snowplow.testing.local_aws import LocalAws
from tests.fault_proxy import FaultProxy
from tests.integration.airflow_runs import run_dag
from tests.support import OUTPUT_URL

DAG_ID = "snowplow_emr_serverless_run"
LINES = b"".join(line.encode() + b"\n" for line in valid_lines(12, seed=3))
ROLE = "arn:aws:iam::123456789012:role/snowplow-spark-job"


@pytest.fixture
def emr(aws: LocalAws) -> Any:
    return aws.client("emr-serverless")


@pytest.fixture
def application(emr: Any, dag_env: Archive, monkeypatch: pytest.MonkeyPatch) -> str:
    app = emr.create_application(name="snowplow", releaseLabel="emr-7.5.0", type="SPARK")["applicationId"]
    monkeypatch.setenv("SNOWPLOW_EMR_APPLICATION_ID", app)
    return str(app)


@pytest.fixture
def run_with_output(dag_env: Archive, s3: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    """Seed the run of a timestamp, with the output the job would write for it (moto runs no job).

    Keyword arguments are the DAG's settings (environment variables) for the test.
    """

    def seed(timestamp: str, **settings: str) -> str:
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        run_id = dag_env.add_run(timestamp, {"part-00000": LINES})
        process_run(s3, dag_env.url, run_id, OUTPUT_URL, readiness=READY_WHEN_SEEDED)
        return run_id

    return seed


def job_runs(emr: Any, application: str) -> list[dict[str, Any]]:
    return [
        emr.get_job_run(applicationId=application, jobRunId=run["id"])["jobRun"]
        for run in emr.list_job_runs(applicationId=application)["jobRuns"]
    ]


def test_the_job_is_started_polled_and_the_run_recorded_once(
    run_with_output: Callable[..., str], application: str, emr: Any, manifest: LoadManifest, aws: LocalAws
) -> None:
    run_id = run_with_output("2017-01-01-00-00-00")
    aws.request_counts(reset=True)
    outcome = run_dag(DAG_ID, snowplow_run_id=run_id)
    assert outcome.states[("emr", run_id)] == "success"
    [job] = job_runs(emr, application)
    assert outcome.xcoms[("emr", run_id)]["job"] == job["jobRunId"]
    assert outcome.xcoms[("emr", run_id)]["newly_loaded"] is True
    submit = job["jobDriver"]["sparkSubmit"]
    assert submit["entryPoint"] == "s3://acme-snowplow/code/spark_submit.py"
    # The bundle's zip first, so that the DAG's own Spark parameters come after it and win.
    assert submit["sparkSubmitParameters"] == (
        "--conf spark.submit.pyFiles=s3://acme-snowplow/code/snowplow_spark_job.zip --conf spark.executor.cores=2"
    )
    arguments = SparkJobArguments.from_argv(submit["entryPointArguments"])
    assert arguments.run_ids == (run_id,) and arguments.submission_id == job["name"]
    assert job["executionTimeoutMinutes"] == 60 and job["executionRole"] == ROLE
    counts = aws.request_counts()
    assert counts["emr-serverless:StartJobRun"] == 1 and counts["emr-serverless:GetJobRun"] >= 1, counts
    assert manifest.is_loaded(run_id) and manifest.get_claim(run_id) is None


@pytest.mark.usefixtures("application")
def test_with_region_name_the_wait_is_in_that_region_deferred_where_the_trigger_can_be(
    run_with_output: Callable[..., str], manifest: LoadManifest, capfd: pytest.CaptureFixture[str]
) -> None:
    from airflow.providers.amazon.aws.triggers.emr import EmrServerlessStartJobTrigger

    run_id = run_with_output("2017-01-01-05-00-00", SNOWPLOW_EMR_REGION="us-east-1")
    outcome = run_dag(DAG_ID, snowplow_run_id=run_id)
    assert outcome.states[("emr", run_id)] == "success"
    assert manifest.is_loaded(run_id) and manifest.get_claim(run_id) is None
    # The Amazon provider's trigger takes region_name from 9.37 on (the floor's 9.25 does not).
    deferred = "region_name" in inspect.signature(EmrServerlessStartJobTrigger).parameters
    logs = "".join(capfd.readouterr())
    assert ("from the worker, not the triggerer" in logs) is not deferred
    assert ("Pausing task as DEFERRED" in logs) is deferred


def test_a_job_that_succeeds_without_its_output_leaves_the_run_pending(
    dag_env: Archive, application: str, manifest: LoadManifest, capfd: pytest.CaptureFixture[str]
) -> None:
    run_id = dag_env.add_run("2017-01-01-01-00-00", {"part-00000": LINES})
    outcome = run_dag(DAG_ID, snowplow_run_id=run_id)
    assert outcome.states[("emr", run_id)] == "failed"
    assert "_SUCCESS.json is missing: run" in "".join(capfd.readouterr())
    assert not manifest.is_recorded(run_id) and manifest.get_claim(run_id) is None


def test_a_retry_re_attaches_to_the_job_run_it_started(
    run_with_output: Callable[..., str],
    application: str,
    proxied_connection: FaultProxy,
    emr: Any,
    manifest: LoadManifest,
    capfd: pytest.CaptureFixture[str],
) -> None:
    run_id = run_with_output("2017-01-01-02-00-00", SNOWPLOW_EMR_RETRIES="1")
    refused = proxied_connection.inject(
        "dynamodb:TransactWriteItems", "error", times=1, code="ValidationException"
    )
    outcome = run_dag(DAG_ID, snowplow_run_id=run_id)
    assert refused.fired == 1 and outcome.states[("emr", run_id)] == "success"
    assert len(job_runs(emr, application)) == 1, "moto ignores clientToken: a second StartJobRun would show"
    assert "Re-attached to job run" in "".join(capfd.readouterr())
    assert manifest.is_loaded(run_id)


def test_a_failure_while_polling_releases_the_claim(
    dag_env: Archive,
    application: str,
    proxied_connection: FaultProxy,
    manifest: LoadManifest,
    capfd: pytest.CaptureFixture[str],
) -> None:
    run_id = dag_env.add_run("2017-01-01-03-00-00", {"part-00000": LINES})
    proxied_connection.inject("emr-serverless:GetJobRun", "error", code="ValidationException")
    outcome = run_dag(DAG_ID, snowplow_run_id=run_id)
    assert outcome.states[("emr", run_id)] == "failed"
    log = "".join(capfd.readouterr())
    assert f"of run {run_id} on application {application} did not succeed" in log
    assert not manifest.is_recorded(run_id) and manifest.get_claim(run_id) is None


def test_failed_job_runs_are_never_re_attached_and_a_new_attempt_gets_a_new_token(emr: Any) -> None:
    app = emr.create_application(name="snowplow", releaseLabel="emr-7.5.0", type="SPARK")["applicationId"]
    clients = {"emr-serverless": emr}
    start = {"executionRoleArn": ROLE, "jobDriver": {"sparkSubmit": {"entryPoint": "s3://b/s.py"}}}
    since = datetime.now(UTC) - timedelta(days=1)
    first = run_sync(start_or_attach(app, "snowplow-x", start, since), clients)
    assert first.started
    again = run_sync(start_or_attach(app, "snowplow-x", start, since), clients)
    assert (again.job_run_id, again.started) == (first.job_run_id, False)
    emr.cancel_job_run(applicationId=app, jobRunId=first.job_run_id)
    second = run_sync(start_or_attach(app, "snowplow-x", start, since), clients)
    assert second.started and second.job_run_id != first.job_run_id
    other = run_sync(start_or_attach(app, "snowplow-y", start, since), clients)
    assert other.started, "job runs of another submission are not ours"
