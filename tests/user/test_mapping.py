"""The operators that need no extra, mapped over the sensor's runs as users map them.

Each DAG of ``tests/user/dags`` is run by the ``[local]`` environment's ``airflow dags test`` over
three runs of its own archive; every run must be transformed once (one ``_SUCCESS.json``, one try)
and recorded once, by the mapped task labelled with its run id, leaving no claim and nothing pending:

* ``snowplow_user_map_partial``: ``SnowplowTransformRunOperator.partial(...).expand(snowplow_run_id=
  sensor.output)``, and the same for ``SnowplowMarkRunLoadedOperator``;
* ``snowplow_user_map_kwargs``: ``.partial(...).expand_kwargs(...)``, the transform's arguments built
  from the sensor's XCom, the mark's from the transform's;
* ``snowplow_user_task_group``: the README's pattern, a mapped ``@task_group``.
"""

from __future__ import annotations

import pytest

from tests.user.runs import LANE_DAGS, Kit, UserAirflow, import_errors

BUCKET = "acme-snowplow"
TABLE = "snowplow-load-manifests"
# DAG id -> the prefix of its mapped tasks' ids.
DAGS = {
    "snowplow_user_map_partial": "",
    "snowplow_user_map_kwargs": "",
    "snowplow_user_task_group": "load_run.",
}


@pytest.fixture(scope="module")
def mapping_airflow(user_airflow: UserAirflow, kit: Kit) -> UserAirflow:
    kit("create-table", "--table", TABLE)
    return user_airflow


@pytest.mark.parametrize("dag_id", DAGS)
def test_each_run_is_processed_and_recorded_once(dag_id: str, mapping_airflow: UserAirflow, kit: Kit) -> None:
    # Each DAG in a DAGs folder of its own: a DAG file that does not parse fails only its own test.
    for old in mapping_airflow.dags.glob("*.py"):
        old.unlink()
    mapping_airflow.add_dags(LANE_DAGS / f"{dag_id}.py")
    archive, output = f"s3://{BUCKET}/{dag_id}/archive/", f"s3://{BUCKET}/{dag_id}/json/"
    runs = kit("add-runs", "--archive", archive, "--hours-ago", "3", "2", "1")
    settings = {
        "SNOWPLOW_ARCHIVE_URL": archive,
        "SNOWPLOW_OUTPUT_URL": output,
        "SNOWPLOW_MANIFEST_TABLE": TABLE,
        "SNOWPLOW_SETTLE_SECONDS": "1",
    }
    result = mapping_airflow.dags_test(dag_id, settings)
    assert not import_errors(result), "\n".join(import_errors(result))
    assert (result.returncode, result.state) == (0, "success"), result
    prefix = DAGS[dag_id]
    for task in ("transform", "mark_loaded"):
        assert result.mapped(prefix + task) == dict.fromkeys(runs, "success"), f"{task}: one instance a run"
        assert {result.tries[key] for key in result.states if key[0] == prefix + task} == {1}, "no retry"
    state = kit("state", "--table", TABLE, "--archive", archive, "--output", output)
    assert state["outputs"] == runs, "one _SUCCESS.json per run"
    assert {run: record["status"] for run, record in state["records"].items()} == dict.fromkeys(
        runs, "LOADED"
    )
    for run_id, record in state["records"].items():
        (index,) = [
            key[1]
            for key, label in result.labels.items()
            if key[0] == prefix + "mark_loaded" and label == run_id
        ]
        assert record["loaded_by"].startswith(f"{dag_id}/")
        assert record["loaded_by"].endswith(f"/{prefix}mark_loaded[{index}]"), record
        assert record["objects"] == 1, "recorded with what the run held"
    assert (state["claims"], state["pending"], state["not_ready"]) == ([], [], [])
