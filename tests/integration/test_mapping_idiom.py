"""Airflow's mapping idiom, ``.partial(...).expand(...)`` and ``.expand_kwargs(...)``, under ``dag.test()``.

Every argument of every operator can be given to ``.partial()``, ``.expand()`` or
``.expand_kwargs()`` (the arguments of the shared mixins included), whether the operators are
mapped one by one at the top level of the DAG or inside a mapped task group: each run is
processed and recorded once, by the mapped task labelled with its id. The DAGs are in
tests/dags/snowplow_mapped_operators.py and tests/dags/snowplow_mapped_emr.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.processing.run import process_run
from airflow_provider_snowplow.testing.archive import READY_WHEN_SEEDED, Archive
from airflow_provider_snowplow.testing.events import valid_lines
from airflow_provider_snowplow.testing.local_aws import LocalAws
from tests.integration.airflow_runs import DagOutcome, run_dag
from tests.support import OUTPUT_URL, manifest_keys, output_summary


def events(seed: int) -> bytes:
    return b"".join(line.encode() + b"\n" for line in valid_lines(6, seed=seed))


def seed(archive: Archive, count: int, day: int = 1) -> list[str]:
    """``count`` runs of a few valid events each, hours apart, oldest first."""
    return [
        archive.add_run(f"2017-04-{day:02d}-{hour:02d}-00-00", {"part-00000": events(seed=day * 10 + hour)})
        for hour in range(count)
    ]


def assert_mapped_over(outcome: DagOutcome, task_id: str, runs: list[str]) -> None:
    """One successful mapped task per run, labelled with its id (its map index rendered), none other."""
    tasks = {label: state for (task, label), state in outcome.states.items() if task == task_id}
    assert tasks == dict.fromkeys(runs, "success"), tasks


def assert_loaded_once(outcome: DagOutcome, task_id: str, runs: list[str], manifest: LoadManifest) -> None:
    """Each run recorded once, by the mapped task labelled with it; no claim left in the table."""
    assert manifest_keys(manifest) == sorted(runs), "one record per run, and no claim left"
    for run_id in runs:
        assert outcome.xcoms[(task_id, run_id)]["newly_loaded"] is True
        record = manifest.get_record(run_id)
        assert record is not None and record.status == "LOADED"
        assert record.loaded_by is not None and f"/{task_id}[" in record.loaded_by


def assert_processed_and_loaded(
    outcome: DagOutcome, group: str, runs: list[str], s3: Any, manifest: LoadManifest
) -> None:
    """Each run transformed (its output there) and recorded once, by the mapped tasks labelled with it.

    ``group``: the prefix of the tasks' ids (``load_run.`` inside the mapped group, else ``""``).
    """
    assert_mapped_over(outcome, group + "transform", runs)
    assert_mapped_over(outcome, group + "mark_loaded", runs)
    for run_id in runs:
        assert output_summary(s3, run_id) is not None, run_id
    assert_loaded_once(outcome, group + "mark_loaded", runs, manifest)


@pytest.mark.parametrize(
    ("dag_id", "group"), [("snowplow_mapped_expand", ""), ("snowplow_mapped_group", "load_run.")]
)
def test_operators_mapped_over_the_sensor_output_one_by_one_or_in_a_mapped_task_group(
    dag_id: str, group: str, dag_env: Archive, s3: Any, manifest: LoadManifest
) -> None:
    """Mapped one by one with ``.partial().expand()``, or inside a task group mapped so.

    In the group, the operators take every argument from the group.
    """
    runs = seed(dag_env, 3)
    outcome = run_dag(dag_id)
    assert outcome.state == "success", outcome
    assert outcome.xcoms[("wait_for_runs", -1)] == runs
    assert_processed_and_loaded(outcome, group, runs, s3, manifest)
    for run_id in runs:
        done = output_summary(s3, run_id)
        assert done is not None and done["good"] == 6, run_id
        assert outcome.xcoms[(group + "transform", run_id)]["snowplow_run_id"] == run_id, (
            "labelled with its own run"
        )
    # The marking operator was given archive_url (in .partial(), or by the group): the records keep
    # what each run held.
    for run_id in runs:
        record = manifest.get_record(run_id)
        assert record is not None
        assert record.fingerprint == manifest.read_run(dag_env.url, run_id).fingerprint()

    again = run_dag(dag_id)
    assert again.state == "success"
    assert again.states[("wait_for_runs", -1)] == "skipped", "nothing is pending any more"
    assert manifest_keys(manifest) == sorted(runs)


def test_the_sensor_and_operators_mapped_with_expand_kwargs(
    dag_env: Archive, other_archive: Archive, s3: Any, manifest: LoadManifest
) -> None:
    runs = seed(dag_env, 2, day=1)
    other_runs = seed(other_archive, 2, day=2)
    outcome = run_dag("snowplow_mapped_expand_kwargs")
    assert outcome.state == "success", outcome
    # The sensor, mapped over the archives (not over runs), keeps Airflow's numbered map indexes.
    assert [outcome.xcoms[("wait_for_runs", index)] for index in ("0", "1")] == [runs, other_runs]
    assert_processed_and_loaded(outcome, "", runs + other_runs, s3, manifest)
    # Each record keeps what its transform processed (processed=, archive_url= from expand_kwargs).
    for archive, run_id in [(dag_env, run) for run in runs] + [(other_archive, run) for run in other_runs]:
        record = manifest.get_record(run_id)
        assert record is not None and record.fingerprint is not None
        assert record.fingerprint == manifest.read_run(archive.url, run_id).fingerprint()


@pytest.fixture
def application(aws: LocalAws, dag_env: Archive, monkeypatch: pytest.MonkeyPatch) -> str:
    """An EMR Serverless application on moto (which runs no job), named to the DAG by the environment."""
    emr = aws.client("emr-serverless")
    app = emr.create_application(name="snowplow", releaseLabel="emr-7.5.0", type="SPARK")["applicationId"]
    monkeypatch.setenv("SNOWPLOW_EMR_APPLICATION_ID", app)
    return str(app)


def test_the_emr_serverless_operator_mapped_with_expand_and_expand_kwargs(
    dag_env: Archive,
    other_archive: Archive,
    application: str,
    aws: LocalAws,
    s3: Any,
    manifest: LoadManifest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runs = seed(dag_env, 2, day=1)
    other_runs = seed(other_archive, 2, day=2)
    monkeypatch.setenv("SNOWPLOW_OTHER_RUN_IDS", ",".join(other_runs))
    # What the job writes; moto runs no job.
    for archive, run_id in [(dag_env, run) for run in runs] + [(other_archive, run) for run in other_runs]:
        process_run(s3, archive.url, run_id, OUTPUT_URL, readiness=READY_WHEN_SEEDED)
    outcome = run_dag("snowplow_mapped_emr")
    assert outcome.state == "success", outcome
    assert_mapped_over(outcome, "emr", runs)
    assert_mapped_over(outcome, "emr_kwargs", other_runs)
    emr = aws.client("emr-serverless")
    jobs = [
        emr.get_job_run(applicationId=application, jobRunId=job["id"])["jobRun"]
        for job in emr.list_job_runs(applicationId=application)["jobRuns"]
    ]
    assert len(jobs) == 4, "one job run per run"
    by_task = {"emr": runs, "emr_kwargs": other_runs}
    for task_id, task_runs in by_task.items():
        for run_id in task_runs:
            [job] = [job for job in jobs if job["jobRunId"] == outcome.xcoms[(task_id, run_id)]["job"]]
            arguments = job["jobDriver"]["sparkSubmit"]["entryPointArguments"]
            assert run_id in arguments, (task_id, run_id)
    # expand_kwargs gave the second task its own execution timeout, checked and converted.
    timeouts = {job["jobRunId"]: job["executionTimeoutMinutes"] for job in jobs}
    assert {timeouts[outcome.xcoms[("emr_kwargs", run)]["job"]] for run in other_runs} == {30}
    assert {timeouts[outcome.xcoms[("emr", run)]["job"]] for run in runs} == {60}
    assert manifest_keys(manifest) == sorted(runs + other_runs)
    for task_id, task_runs in by_task.items():
        for run_id in task_runs:
            assert outcome.xcoms[(task_id, run_id)]["newly_loaded"] is True
            assert manifest.is_loaded(run_id) and manifest.get_claim(run_id) is None
