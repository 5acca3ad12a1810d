"""The demo (``demo/`` of the checkout, not in the wheel): its temporary home, its progress lines."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from demo import pipeline as demo
from demo import reporting


def test_the_checkout_has_the_dag_the_demo_runs_with_the_tasks_it_reports_on() -> None:
    from airflow.dag_processing.dagbag import DagBag

    dagbag = DagBag(dag_folder=str(demo.REPO / "example_dags"))
    assert dagbag.import_errors == {}
    dag = dagbag.dags.get(demo.DAG_ID)
    assert dag is not None
    assert {"wait_for_runs", "load_run.transform", "load_run.mark_loaded"} <= set(dag.task_ids)


def test_the_demo_removes_its_temporary_airflow_home(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    homes: list[Path] = []

    def succeed(home: Path, runs: int) -> bool:
        homes.append(home)
        (home / "airflow.log").write_text("log\n")
        return True

    def fail(home: Path, runs: int) -> bool:
        homes.append(home)
        raise reporting.AirflowFailed("`airflow dags test` failed (exit 1); its log ends:\nboom")

    def other_layout(layout: str, home: Path) -> bool:
        return succeed(home, 0)

    monkeypatch.setattr(demo, "demo", succeed)
    assert demo.main([]) == 0
    assert "(temporary files removed)" in capsys.readouterr().out
    monkeypatch.setattr(demo, "demo", fail)
    assert demo.main([]) == 1
    assert capsys.readouterr().err.startswith(
        "error: `airflow dags test` failed (exit 1); its log ends:\nboom"
    )
    # The layout demos leave nothing behind either.
    monkeypatch.setattr(demo, "_other_layout", other_layout)
    assert demo.main(["--layout", "s3-loader"]) == 0
    assert "(temporary files removed)" in capsys.readouterr().out
    assert len(homes) == 3 and not any(home.exists() for home in homes)


def test_a_long_command_reports_what_it_sees_and_that_it_is_still_working(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(reporting, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(reporting, "QUIET_SECONDS", 0.2)
    marker = tmp_path / "step"
    # The command marks a step, then stays silent well past QUIET_SECONDS before it ends.
    script = f"import pathlib, time; pathlib.Path({str(marker)!r}).write_text('x'); time.sleep(1.5)"
    seen: list[str] = []

    def watch() -> list[str]:
        if marker.exists() and not seen:
            seen.append("step done")
            return ["step done"]
        return []

    reporting.run_reporting([sys.executable, "-c", script], dict(os.environ), tmp_path / "log", watch)
    said = [line.split(" s  ", 1)[1] for line in capsys.readouterr().out.splitlines()]
    assert said[0] == "step done"
    assert said[1:] and all(line.endswith("still working") for line in said[1:]), said
    with pytest.raises(reporting.AirflowFailed, match=r"failed \(exit 3\); its log ends:\ngone"):
        reporting.run_reporting(
            [sys.executable, "-c", "import sys; print('gone'); sys.exit(3)"],
            dict(os.environ),
            tmp_path / "failed.log",
            lambda: [],
        )
