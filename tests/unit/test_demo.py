"""The demo needs the example DAG of a source checkout; an installed wheel alone says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_provider_snowplow import demo


def test_without_a_checkout_the_demo_says_how_to_run_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(demo, "REPO", tmp_path)
    assert demo.main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "clone the repository and run ./dev demo" in captured.err


def test_the_checkout_has_the_dag_the_demo_runs_with_the_tasks_it_reports_on() -> None:
    from airflow.dag_processing.dagbag import DagBag

    dagbag = DagBag(dag_folder=str(demo.REPO / "example_dags"))
    assert dagbag.import_errors == {}
    dag = dagbag.dags.get(demo.DAG_ID)
    assert dag is not None
    assert {"wait_for_runs", "load_run.transform", "load_run.mark_loaded"} <= set(dag.task_ids)
