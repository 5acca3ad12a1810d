"""SnowplowSparkSubmitRunOperator mapped with Airflow's idiom under ``dag.test()``, real ``spark-submit``.

``.partial(...).expand(snowplow_run_id=sensor.output)`` and ``.partial(...).expand_kwargs([...])`` at
the top level of the DAG (tests/dags/snowplow_mapped_spark_submit.py). Each ``spark-submit`` starts
a JVM: one run each.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing.archive import Archive
from airflow_provider_snowplow.testing.events import valid_lines
from tests.integration.airflow_runs import run_dag
from tests.support import manifest_keys, output_summary


def test_the_spark_submit_operator_mapped_with_expand_and_expand_kwargs(
    spark_dag: Archive,
    other_archive: Archive,
    s3: Any,
    manifest: LoadManifest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = b"".join(line.encode() + b"\n" for line in valid_lines(10, seed=71))
    run_id = spark_dag.add_run("2017-01-01-00-00-00", {"part-00000": lines})
    other_run_id = other_archive.add_run("2017-01-02-00-00-00", {"part-00000": lines})
    monkeypatch.setenv("SNOWPLOW_OTHER_RUN_IDS", other_run_id)

    outcome = run_dag("snowplow_mapped_spark_submit")

    assert outcome.state == "success", outcome
    # One mapped task per run, labelled with its run id (the rendered map index).
    assert outcome.labels("spark") == [run_id] and outcome.labels("spark_kwargs") == [other_run_id]
    for task_id, run in (("spark", run_id), ("spark_kwargs", other_run_id)):
        xcom = outcome.xcoms[(task_id, run)]
        assert (xcom["good"], xcom["newly_loaded"]) == (10, True), task_id
        written = output_summary(s3, run)
        assert (
            written is not None and written["engine"] == "spark" and written["submission_id"] in xcom["job"]
        )
        record = manifest.get_record(run)
        assert record is not None and record.status == "LOADED"
        assert (record.loaded_by or "").endswith(f"/{task_id}[0]")
    assert manifest_keys(manifest) == sorted([run_id, other_run_id]), "one record per run, and no claim left"
