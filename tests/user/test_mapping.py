"""The operators that need no extra, mapped over the sensor's runs as users map them, in a user's Airflow.

The DAG file is the one the development environment runs with ``dag.test()``
(tests/dags/snowplow_mapped_operators.py, tests/integration/test_mapping_idiom.py): copied into the
DAGs folder of the ``[local]`` environment, each of its DAGs is run by that environment's ``airflow
dags test`` over runs of archives of its own; every run must be transformed once (one
``_SUCCESS.json``, one try) and recorded once, by the mapped task labelled with its run id, leaving
no claim and nothing pending:

* ``snowplow_mapped_expand``: ``SnowplowTransformRunOperator.partial(...).expand(snowplow_run_id=
  sensor.output)``, and the same for ``SnowplowMarkRunLoadedOperator``;
* ``snowplow_mapped_expand_kwargs``: the sensor mapped over two archives with ``.expand_kwargs()``,
  the transform over dicts a task builds from its XComs, the mark over the transform's;
* ``snowplow_mapped_group``: the README's pattern, a mapped ``@task_group``.
"""

from __future__ import annotations

import json

import pytest

from tests.user.runs import TEST_DAGS, Kit, UserAirflow, import_errors

BUCKET = "acme-snowplow"
TABLE = "snowplow-load-manifests"
# DAG id -> the prefix of its mapped tasks' ids, and the archives it reads (its settings' names).
DAGS = {
    "snowplow_mapped_expand": ("", ["SNOWPLOW_ARCHIVE_URL"]),
    "snowplow_mapped_expand_kwargs": ("", ["SNOWPLOW_ARCHIVE_URL", "SNOWPLOW_OTHER_ARCHIVE_URL"]),
    "snowplow_mapped_group": ("load_run.", ["SNOWPLOW_ARCHIVE_URL"]),
}


@pytest.fixture(scope="module")
def mapping_airflow(user_airflow: UserAirflow, kit: Kit) -> UserAirflow:
    kit("create-table", "--table", TABLE)
    user_airflow.add_dags(TEST_DAGS / "snowplow_mapped_operators.py")
    return user_airflow


@pytest.mark.parametrize("dag_id", DAGS)
def test_each_run_is_processed_and_recorded_once(dag_id: str, mapping_airflow: UserAirflow, kit: Kit) -> None:
    prefix, read = DAGS[dag_id]
    settings = {
        "SNOWPLOW_ARCHIVE_URL": f"s3://{BUCKET}/{dag_id}/archive/",
        "SNOWPLOW_OTHER_ARCHIVE_URL": f"s3://{BUCKET}/{dag_id}/other/archive/",
        "SNOWPLOW_OUTPUT_URL": f"s3://{BUCKET}/{dag_id}/json/",
        "SNOWPLOW_MANIFEST_TABLE": TABLE,
    }
    archives = [settings[name] for name in read]
    # Three runs an archive, at other hours in each: an output folder is named after its run's time.
    spec = [
        {"archive": url, "hours_ago": [3 * n + 3, 3 * n + 2, 3 * n + 1]} for n, url in enumerate(archives)
    ]
    seeded = kit("seed", "--spec", json.dumps(spec))
    runs = sorted(run for archive_runs in seeded for run in archive_runs)
    result = mapping_airflow.dags_test(dag_id, settings)
    assert not import_errors(result), "\n".join(import_errors(result))
    assert (result.returncode, result.state) == (0, "success"), result
    for task in ("transform", "mark_loaded"):
        assert result.mapped(prefix + task) == dict.fromkeys(runs, "success"), f"{task}: one instance a run"
        assert {result.tries[key] for key in result.states if key[0] == prefix + task} == {1}, "no retry"
    for archive, archive_runs in zip(archives, seeded, strict=True):
        state = kit(
            "state", "--table", TABLE, "--archive", archive, "--output", settings["SNOWPLOW_OUTPUT_URL"]
        )
        assert state["outputs"] == runs, "one _SUCCESS.json per run"
        assert {run: record["status"] for run, record in state["records"].items()} == dict.fromkeys(
            archive_runs, "LOADED"
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
