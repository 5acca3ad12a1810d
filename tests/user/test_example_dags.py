"""The example DAGs as a user runs them: copied into a DAGs folder, ``airflow dags test`` on the local endpoint.

In the ``[local]`` environment, with each DAG's ``SNOWPLOW_*`` settings (its docstring lists them)
and a quiet period of one second for the freshly written runs, as ``./dev demo`` sets them. The whole
folder is copied, so every example must parse; these run against the local endpoint alone:

* ``snowplow_load_runs``: three runs of the enriched archive, each transformed and recorded once;
* ``snowplow_audit_runs``: then finds the loaded runs unchanged;
* ``snowplow_load_s3_loader``: two closed hours of S3 Loader output loaded, the open hour held back.

Not run: ``snowplow_load_transformed`` loads into PostgreSQL (with psycopg2, which no extra
installs: its test is tests/integration/test_layout_dags.py), and ``snowplow_asset_consumer`` is
scheduled on the Asset events of loads, which ``airflow dags test`` of another DAG does not send.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.user.envs import REPO
from tests.user.runs import Kit, UserAirflow, import_errors

BUCKET = "acme-snowplow"
TABLE = "snowplow-load-manifests"
ARCHIVE = f"s3://{BUCKET}/enriched/archive/"
OUTPUT = f"s3://{BUCKET}/enriched/json/"
LOADER = f"s3://{BUCKET}/loader/"
LOADER_OUTPUT = f"s3://{BUCKET}/loader-json/"
HOURLY = "date={yyyy}-{MM}-{dd}/hour={HH}"
# Every required setting of every example DAG (the folder is parsed whole), as a user would set them
# for a local test; the warehouse is a dead port: the DAG that needs one is not run.
SETTINGS = {
    "SNOWPLOW_ARCHIVE_URL": ARCHIVE,
    "SNOWPLOW_OUTPUT_URL": OUTPUT,
    "SNOWPLOW_MANIFEST_TABLE": TABLE,
    "SNOWPLOW_LOADER_URL": LOADER,
    "SNOWPLOW_TRANSFORMED_URL": f"s3://{BUCKET}/transformed/",
    "SNOWPLOW_WAREHOUSE_DSN": "host=127.0.0.1 port=9 dbname=none",
    # The SQS wake-up's queue, on a dead port: the DAG it starts is not run here.
    "SNOWPLOW_SQS_QUEUE_URL": "http://127.0.0.1:9/000000000000/snowplow-run-markers",
    "SNOWPLOW_SETTLE_SECONDS": "1",
    "SNOWPLOW_POKE_INTERVAL": "1",
    "SNOWPLOW_WAIT_SECONDS": "120",
}


@pytest.fixture(scope="module")
def examples(user_airflow: UserAirflow, kit: Kit) -> UserAirflow:
    user_airflow.add_dags(*sorted((REPO / "example_dags").glob("*.py")))
    kit("create-table", "--table", TABLE)
    return user_airflow


@pytest.fixture(scope="module")
def loaded(examples: UserAirflow, kit: Kit) -> dict[str, Any]:
    """``snowplow_load_runs`` over three runs archived in the last hours; the manifest afterwards."""
    runs = kit("add-runs", "--archive", ARCHIVE, "--hours-ago", "3", "2", "1")
    result = examples.dags_test("snowplow_load_runs", SETTINGS)
    assert (result.returncode, result.state) == (0, "success"), result
    assert not import_errors(result), "\n".join(import_errors(result))
    return {
        "runs": runs,
        "result": result,
        "state": kit("state", "--table", TABLE, "--archive", ARCHIVE, "--output", OUTPUT),
    }


def test_load_runs_transforms_and_records_each_run_once(loaded: dict[str, Any]) -> None:
    runs, result, state = loaded["runs"], loaded["result"], loaded["state"]
    assert result.mapped("load_run.transform") == dict.fromkeys(runs, "success")
    assert result.mapped("load_run.mark_loaded") == dict.fromkeys(runs, "success")
    assert {key: tries for key, tries in result.tries.items() if key[0].startswith("load_run.")} == {
        (task, index): 1 for task in ("load_run.transform", "load_run.mark_loaded") for index in range(3)
    }, "each run processed by one try"
    assert state["outputs"] == runs, "one _SUCCESS.json per run"
    assert sorted(state["records"]) == runs
    for run_id, record in state["records"].items():
        index = runs.index(run_id)
        assert record["status"] == "LOADED"
        assert record["loaded_by"].startswith("snowplow_load_runs/")
        assert record["loaded_by"].endswith(f"/load_run.mark_loaded[{index}]"), record
        assert record["objects"] == 1, "the record keeps what was processed: the run's part file"
    assert (state["claims"], state["pending"], state["not_ready"]) == ([], [], [])


def test_audit_finds_the_loaded_runs_unchanged(examples: UserAirflow, loaded: dict[str, Any]) -> None:
    result = examples.dags_test("snowplow_audit_runs", SETTINGS)
    assert (result.returncode, result.state) == (0, "success"), result
    assert result.xcoms[("verify_loaded_runs", -1)] == {"checked": 3, "unknown": 0}


def test_s3_loader_loads_each_closed_hour_once_and_holds_back_the_open_one(
    examples: UserAirflow, kit: Kit
) -> None:
    hours = kit("loader-hours", "--url", LOADER, "--partition-format", HOURLY)
    settings = {**SETTINGS, "SNOWPLOW_OUTPUT_URL": LOADER_OUTPUT, "SNOWPLOW_PARTITION_FORMAT": HOURLY}
    result = examples.dags_test("snowplow_load_s3_loader", settings)
    assert (result.returncode, result.state) == (0, "success"), result
    assert result.mapped("load_hour.mark_loaded") == dict.fromkeys(hours["closed"], "success")
    state = kit(
        "state", "--table", TABLE, "--archive", LOADER, "--output", LOADER_OUTPUT,
        "--layout", "s3-loader", "--partition-format", HOURLY,
    )  # fmt: skip
    assert state["outputs"] == hours["closed"]
    assert {run: record["status"] for run, record in state["records"].items()} == dict.fromkeys(
        hours["closed"], "LOADED"
    )
    assert hours["open"] not in state["records"] and state["claims"] == []
