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
S3_LOADER, TRANSFORMED = EXAMPLES / "snowplow_load_s3_loader.py", EXAMPLES / "snowplow_load_transformed.py"
AUDIT = EXAMPLES / "snowplow_audit_runs.py"
SETTINGS = {
    "SNOWPLOW_ARCHIVE_URL": "s3://team-bucket/enriched/archive/",
    "SNOWPLOW_OUTPUT_URL": "s3://team-bucket/enriched/json/",
    "SNOWPLOW_MANIFEST_TABLE": "team-manifest",
    "SNOWPLOW_LOADER_URL": "s3://team-bucket/enriched/",
    "SNOWPLOW_TRANSFORMED_URL": "s3://team-bucket/transformed/",
    "SNOWPLOW_WAREHOUSE_DSN": "host=warehouse dbname=analytics",
}
# The settings each DAG file cannot do without.
REQUIRED = {
    LOAD: ["SNOWPLOW_ARCHIVE_URL", "SNOWPLOW_OUTPUT_URL", "SNOWPLOW_MANIFEST_TABLE"],
    CONSUMER: ["SNOWPLOW_MANIFEST_TABLE"],
    S3_LOADER: ["SNOWPLOW_LOADER_URL", "SNOWPLOW_OUTPUT_URL", "SNOWPLOW_MANIFEST_TABLE"],
    TRANSFORMED: ["SNOWPLOW_TRANSFORMED_URL", "SNOWPLOW_MANIFEST_TABLE", "SNOWPLOW_WAREHOUSE_DSN"],
    AUDIT: ["SNOWPLOW_ARCHIVE_URL", "SNOWPLOW_MANIFEST_TABLE"],
}
# A value per DAG file that cannot work, and the start of the check's message about it.
UNWORKABLE = [
    (LOAD, "SNOWPLOW_ARCHIVE_URL", "acme/archive", "archive URL 'acme/archive'"),
    (LOAD, "SNOWPLOW_WAIT_SECONDS", "soon", "must be a positive number"),
    (S3_LOADER, "SNOWPLOW_PARTITION_FORMAT", "{yyyy}/{HH}", "partition format '{yyyy}/{HH}' must hold"),
    (S3_LOADER, "SNOWPLOW_GRACE_SECONDS", "-1", "must be a number of seconds, zero or more"),
    (TRANSFORMED, "SNOWPLOW_TRANSFORMED_URL", "transformed/", "archive URL 'transformed/'"),
    (TRANSFORMED, "SNOWPLOW_MAX_RUNS", "0", "must be a positive whole number"),
    (AUDIT, "SNOWPLOW_AUDIT_DAYS", "-1", "must be a whole number of days"),
    (AUDIT, "SNOWPLOW_MANIFEST_TABLE", "a", "'a' is not a valid DynamoDB table name"),
]


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


@pytest.mark.parametrize(
    ("path", "variable"),
    [(path, variable) for path, variables in REQUIRED.items() for variable in variables],
    ids=lambda value: getattr(value, "stem", value),
)
def test_a_missing_required_setting_fails_the_import_naming_it(
    path: Any, variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(DagSettingError, match=rf"^{variable} is not set: set it in the environment"):
        parse(path, monkeypatch, **{variable: None})
    parse(path, monkeypatch)  # and with it set, the file parses


@pytest.mark.parametrize(
    ("path", "variable", "value", "message"), UNWORKABLE, ids=lambda value: getattr(value, "stem", value)
)
def test_a_setting_that_cannot_work_fails_the_import_with_the_operators_check(
    path: Any, variable: str, value: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(DagSettingError, match=f"^{re.escape(f'{variable}={value!r}: {message}')}"):
        parse(path, monkeypatch, **{variable: value})


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


@pytest.mark.parametrize(
    ("path", "task_ids", "params"),
    [
        (
            S3_LOADER,
            {"wait_for_hours", "load_hour.transform", "load_hour.mark_loaded"},
            {"archive_url": SETTINGS["SNOWPLOW_LOADER_URL"], "output_url": SETTINGS["SNOWPLOW_OUTPUT_URL"]},
        ),
        (
            TRANSFORMED,
            {"wait_for_sealed_runs", "load_run.load_into_postgres", "load_run.mark_loaded"},
            {"archive_url": SETTINGS["SNOWPLOW_TRANSFORMED_URL"]},
        ),
        (AUDIT, {"verify_loaded_runs"}, {"archive_url": SETTINGS["SNOWPLOW_ARCHIVE_URL"], "days": 3}),
    ],
    ids=lambda value: getattr(value, "stem", None),
)
def test_the_layout_and_audit_settings_reach_their_tasks(
    path: Any, task_ids: set[str], params: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    module = parse(
        path,
        monkeypatch,
        SNOWPLOW_AWS_CONN_ID="team_aws",
        SNOWPLOW_MAX_RUNS="5",
        SNOWPLOW_AUDIT_DAYS="3",
        SNOWPLOW_PARTITION_FORMAT="{yyyy}/{MM}/{dd}",
        SNOWPLOW_GRACE_SECONDS="60",
    )
    dag = module.dag
    assert set(dag.task_ids) == task_ids
    max_runs = {} if path == AUDIT else {"max_runs": 5}
    assert {name: param.value for name, param in dag.params.items()} == {**params, **max_runs}
    # The Python tasks read the module's settings when they run; the operators get them as arguments.
    settings = getattr(module, "SETTINGS", None)
    read = (
        (settings.aws_conn_id, settings.table_name)
        if settings
        else (module.AWS_CONN_ID, module.MANIFEST_TABLE)
    )
    assert read == ("team_aws", "team-manifest")
    operators = [task for task in dag.tasks if type(task).__module__.startswith("airflow_provider_snowplow")]
    assert all((task.aws_conn_id, task.table_name) == ("team_aws", "team-manifest") for task in operators)
    if path == S3_LOADER:
        assert {(task.partition_format, task.grace_seconds) for task in operators} == {
            ("{yyyy}/{MM}/{dd}", 60.0)
        }
        assert dag.get_task("wait_for_hours").poke_interval == 300.0


def test_the_asset_is_derived_from_the_table_the_tasks_write(monkeypatch: pytest.MonkeyPatch) -> None:
    load = parse(LOAD, monkeypatch).dag
    consumer = parse(CONSUMER, monkeypatch).LOADED_RUNS
    assert load.get_task("load_run.mark_loaded").outlets == [loaded_runs_asset("team-manifest")]
    assert consumer == loaded_runs_asset("team-manifest")
    assert "table_name" not in load.params, "a per-run table would make loads and Asset events disagree"


@pytest.mark.parametrize("path", list(REQUIRED), ids=lambda p: p.name)
def test_the_docstring_lists_every_variable_the_file_reads(path: Any) -> None:
    source = path.read_text()
    read = set(re.findall(r'setting\(\s*"(SNOWPLOW_\w+)"', source))
    if "PipelineSettings.from_environment" in source:  # and the settings every pipeline shares
        shared = (REPO / "airflow_provider_snowplow" / "tasks" / "settings.py").read_text()
        read |= set(re.findall(r'setting\(\s*"(SNOWPLOW_\w+)"', shared.split("class PipelineSettings")[1]))
    assert read, "the file reads its settings with setting()"
    docstring = source.split('"""')[1]
    assert read <= set(re.findall(r"SNOWPLOW_\w+", docstring))
    assert "os.environ" not in source and "acme-snowplow/" not in source.split('"""')[2].split("example=")[0]
