"""The deployment tests' Airflow: one stack per module, its logs attached to any failing test."""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator

import pytest

from airflow_provider_snowplow.testing.local_aws import LOCAL_CREDENTIALS, LocalAws
from tests.deployment.airflow_stack import AirflowStack, wait_for
from tests.support import ARCHIVE_URL, OUTPUT_URL, REPO, TABLE

DAG_ID = "snowplow_load_runs"
CONSUMER_DAG_ID = "snowplow_asset_consumer"


@pytest.fixture(scope="module")
def stack(local_aws: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirflowStack]:
    """PostgreSQL, API server, scheduler (LocalExecutor), triggerer and DAG processor on loopback.

    Every component talks to the session's moto server through ``aws_default``; the example DAG's
    params default to the root conftest's archive, output and table. Tests reset moto as usual.
    """
    connection = {
        "conn_type": "aws",
        "login": LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "password": LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "extra": {"endpoint_url": local_aws.endpoint_url, "region_name": "us-east-1"},
    }
    env = {
        **LOCAL_CREDENTIALS,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(connection),
        "SNOWPLOW_ARCHIVE_URL": ARCHIVE_URL,
        "SNOWPLOW_OUTPUT_URL": OUTPUT_URL,
        "SNOWPLOW_MANIFEST_TABLE": TABLE,
        "SNOWPLOW_POKE_INTERVAL": "1",
        "SNOWPLOW_WAIT_SECONDS": "120",
        "SNOWPLOW_SETTLE_SECONDS": "0",  # seeded runs end with their _SUCCESS marker
        "SNOWPLOW_SQS_QUEUE_URL": f"{local_aws.endpoint_url}/000000000000/snowplow-run-markers",
    }
    workdir = tmp_path_factory.mktemp("airflow-deployment")
    with AirflowStack(workdir, REPO / "example_dags", env) as airflow:
        wait_for("the DAG processor to serialize the example DAGs", lambda: _parsed(airflow), 60)
        _fail_scheduled_run(airflow, local_aws)
        yield airflow


def _parsed(airflow: AirflowStack) -> bool:
    airflow.check_alive()
    assert airflow.api is not None
    dags = {dag["dag_id"] for dag in airflow.api.get("/dags")["dags"]}
    return {DAG_ID, CONSUMER_DAG_ID} <= dags


def _fail_scheduled_run(airflow: AirflowStack, local_aws: LocalAws) -> None:
    """Take the hourly run that the scheduler creates at once out of the way of the tests' own runs.

    ``[scheduler] use_job_schedule = False`` would prevent it, but also every asset-triggered run.
    With moto emptied the run's sensor cannot find anything; it is failed before it finishes.
    """
    assert airflow.api is not None
    api = airflow.api
    local_aws.reset()

    def scheduled_run() -> str | None:
        runs = api.get(f"/dags/{DAG_ID}/dagRuns", run_type="scheduled")["dag_runs"]
        return runs[0]["dag_run_id"] if runs else None

    run_id = wait_for(f"the scheduler to create the hourly run of {DAG_ID}", scheduled_run, 60)
    api.patch(f"/dags/{DAG_ID}/dagRuns/{run_id}", {"state": "failed"})
    unfinished = {"running", "deferred", "queued", "scheduled", "up_for_retry", "restarting"}

    def settled() -> bool:
        tis = api.get(f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances")["task_instances"]
        return not any(ti["state"] in unfinished for ti in tis)

    wait_for(f"the tasks of {run_id} to stop", settled, 60)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, None, None]:
    """On failure, add the tails of every component's log to the report."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    airflow = getattr(item, "funcargs", {}).get("stack")
    if report.failed and isinstance(airflow, AirflowStack):
        report.sections.append(("Airflow deployment logs", airflow.log_tails(60)))
