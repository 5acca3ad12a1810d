"""A claimed run handed to ``spark-submit`` (``local[2]``) from a real Airflow DAG under ``dag.test()``.

Each ``spark-submit`` starts its own JVM: the tests keep to one small run each.
"""

from __future__ import annotations

import gzip
import re
from typing import Any

import pytest

from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing.archive import Archive
from airflow_provider_snowplow.testing.events import valid_lines
from tests.fault_proxy import FaultProxy
from tests.integration.airflow_runs import run_dag
from tests.support import output_summary

DAG_ID = "snowplow_spark_submit_run"
GOOD = [line.encode() + b"\n" for line in valid_lines(40, seed=61)]
BAD = b"not\tan\tenriched\tevent\n"


def test_a_claimed_run_goes_to_spark_and_is_recorded_once(
    spark_dag: Archive, s3: Any, manifest: LoadManifest, capfd: pytest.CaptureFixture[str]
) -> None:
    run_id = spark_dag.add_run(
        "2017-01-01-00-00-00",
        {"part-00000.gz": gzip.compress(b"".join(GOOD[:20])), "part-00001": b"".join(GOOD[20:]) + BAD},
    )
    outcome = run_dag(DAG_ID, snowplow_run_id=run_id)
    assert outcome.states[("spark", run_id)] == "success"
    [command] = [line for line in "".join(capfd.readouterr()).splitlines() if "Spark-Submit cmd" in line]
    assert re.search(
        r"--py-files \S*/snowplow_spark_job\.zip .* \S*/spark_submit\.py --archive-url", command
    ), "the job goes as the bundle, built for the submission"
    xcom = outcome.xcoms[("spark", run_id)]
    assert (xcom["lines"], xcom["good"], xcom["bad"], xcom["newly_loaded"]) == (41, 40, 1, True)
    written = output_summary(s3, run_id)
    assert written is not None and written["engine"] == "spark" and written["submission_id"] in xcom["job"]
    record = manifest.get_record(run_id)
    assert record is not None and record.status == "LOADED" and (record.loaded_by or "").endswith("/spark")
    assert manifest.get_claim(run_id) is None
    again = run_dag(DAG_ID, snowplow_run_id=run_id)
    assert again.states[("spark", run_id)] == "skipped", "a recorded run is never handed to Spark again"


def test_a_failing_job_leaves_the_run_pending_and_the_claim_released(
    spark_dag: Archive, s3: Any, manifest: LoadManifest, capfd: pytest.CaptureFixture[str]
) -> None:
    run_id = spark_dag.add_run(
        "2017-01-01-01-00-00",
        {"part-00000": b"".join(GOOD[:5]), "part-00001.gz": gzip.compress(b"".join(GOOD))[:-40]},
    )
    outcome = run_dag(DAG_ID, snowplow_run_id=run_id)
    assert outcome.states[("spark", run_id)] == "failed"
    log = "".join(capfd.readouterr())
    assert f"s3://acme-snowplow/{run_id}part-00001.gz cannot be read" in log, (
        "the job's one line reaches the task log"
    )
    assert f"SparkJobError: spark-submit of run {run_id} failed" in log
    assert output_summary(s3, run_id) is None
    assert not manifest.is_recorded(run_id)
    assert manifest.get_claim(run_id) is None, "released at once, not left to expire"


def test_a_retry_after_the_job_finished_records_the_run_without_a_second_job(
    spark_dag: Archive,
    proxied_connection: FaultProxy,
    s3: Any,
    manifest: LoadManifest,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SNOWPLOW_SPARK_RETRIES", "1")
    run_id = spark_dag.add_run("2017-01-01-02-00-00", {"part-00000": b"".join(GOOD)})
    # The job finishes, then recording fails once: the first try fails after the job, the retry recovers.
    refused = proxied_connection.inject(
        "dynamodb:TransactWriteItems", "error", times=1, code="ValidationException"
    )
    outcome = run_dag(DAG_ID, snowplow_run_id=run_id)
    log = "".join(capfd.readouterr())
    assert refused.fired == 1
    assert outcome.states[("spark", run_id)] == "success"
    assert log.count("Spark-Submit cmd") == 1, "one spark-submit for both tries"
    assert "already finished" in log and "not submitting it again" in log
    assert manifest.is_loaded(run_id) and manifest.get_claim(run_id) is None
