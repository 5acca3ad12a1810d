"""The example DAGs are templates a team can copy: their settings say what they do, or refuse to parse."""

from __future__ import annotations

import importlib.util
import re
import uuid
from types import ModuleType
from typing import Any

import pytest

from airflow_provider_snowplow.tasks.assets import loaded_runs_asset
from airflow_provider_snowplow.tasks.settings import DagSettingError
from tests.support import REPO

EXAMPLES = REPO / "example_dags"
LOAD, CONSUMER = EXAMPLES / "snowplow_load_runs.py", EXAMPLES / "snowplow_asset_consumer.py"
SETTINGS = {
    "SNOWPLOW_ARCHIVE_URL": "s3://team-bucket/enriched/archive/",
    "SNOWPLOW_OUTPUT_URL": "s3://team-bucket/enriched/json/",
    "SNOWPLOW_MANIFEST_TABLE": "team-manifest",
}
REQUIRED = sorted(SETTINGS)


def parse(path: Any, monkeypatch: pytest.MonkeyPatch, **environment: str | None) -> ModuleType:
    """Import a DAG file as Airflow's DAG processor does, with ``environment`` on top of SETTINGS."""
    for name, value in {**SETTINGS, **environment}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location(f"example_{uuid.uuid4().hex}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("variable", REQUIRED)
def test_a_missing_required_setting_fails_the_import_naming_it(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in (LOAD, CONSUMER) if variable == "SNOWPLOW_MANIFEST_TABLE" else (LOAD,):
        with pytest.raises(DagSettingError, match=rf"^{variable} is not set: set it in the environment"):
            parse(path, monkeypatch, **{variable: None})


def test_a_setting_that_cannot_work_fails_the_import_with_the_operators_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(
        DagSettingError, match="SNOWPLOW_ARCHIVE_URL='acme/archive': archive URL 'acme/archive'"
    ):
        parse(LOAD, monkeypatch, SNOWPLOW_ARCHIVE_URL="acme/archive")
    with pytest.raises(DagSettingError, match="SNOWPLOW_WAIT_SECONDS='soon': must be a positive number"):
        parse(LOAD, monkeypatch, SNOWPLOW_WAIT_SECONDS="soon")


def test_the_settings_reach_every_task(monkeypatch: pytest.MonkeyPatch) -> None:
    dag = parse(
        LOAD,
        monkeypatch,
        SNOWPLOW_AWS_CONN_ID="team_aws",
        SNOWPLOW_MAX_RUNS="7",
        SNOWPLOW_WAIT_SECONDS="90",
        SNOWPLOW_POKE_INTERVAL="15",
        SNOWPLOW_PARALLEL_TASKS="3",
    ).dag
    assert {task.task_id for task in dag.tasks} == {
        "wait_for_runs",
        "load_run.transform",
        "load_run.mark_loaded",
    }
    assert {task.aws_conn_id for task in dag.tasks} == {"team_aws"}
    assert {task.table_name for task in dag.tasks} == {"team-manifest"}
    sensor = dag.get_task("wait_for_runs")
    assert (sensor.timeout, sensor.poke_interval, dag.max_active_tasks) == (90.0, 15.0, 3)
    assert {name: param.value for name, param in dag.params.items()} == {
        "archive_url": SETTINGS["SNOWPLOW_ARCHIVE_URL"],
        "output_url": SETTINGS["SNOWPLOW_OUTPUT_URL"],
        "max_runs": 7,
    }


def test_the_asset_is_derived_from_the_table_the_tasks_write(monkeypatch: pytest.MonkeyPatch) -> None:
    load = parse(LOAD, monkeypatch).dag
    consumer = parse(CONSUMER, monkeypatch).LOADED_RUNS
    assert load.get_task("load_run.mark_loaded").outlets == [loaded_runs_asset("team-manifest")]
    assert consumer == loaded_runs_asset("team-manifest")
    assert "table_name" not in load.params, "a per-run table would make loads and Asset events disagree"


@pytest.mark.parametrize("path", [LOAD, CONSUMER], ids=lambda p: p.name)
def test_the_docstring_lists_every_variable_the_file_reads(path: Any) -> None:
    source = path.read_text()
    read = set(re.findall(r'setting\(\s*"(SNOWPLOW_\w+)"', source))
    assert read, "the file reads its settings with setting()"
    docstring = source.split('"""')[1]
    assert read <= set(re.findall(r"SNOWPLOW_\w+", docstring))
    assert "os.environ" not in source and "acme-snowplow/" not in source.split('"""')[2].split("example=")[0]
