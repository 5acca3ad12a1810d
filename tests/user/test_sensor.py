"""The pending-run sensor in every mode, run by a user's ``airflow dags test`` in the ``[local]`` environment.

``tests/user/dags/snowplow_user_sensor_modes.py`` has, per mode, a sensor that finds nothing ready at
first and must wait, and one whose runs are ready from the start. In deferrable mode the first must
defer and resume: ``airflow dags test`` runs the trigger in its own process, with the environment's
aiobotocore, which is where a plain install once failed. One DAG run serves every mode's test.
"""

from __future__ import annotations

import pytest

from tests.user.runs import SENSOR_MODES, Kit, SensorRun, UserAirflow, import_errors, run_sensor_modes

TABLE = "snowplow-load-manifests"


@pytest.fixture(scope="module")
def sensor_run(user_airflow: UserAirflow, kit: Kit) -> SensorRun:
    kit("create-table", "--table", TABLE)
    return run_sensor_modes(user_airflow, kit, "s3://acme-snowplow/", TABLE)


def test_the_dag_run_succeeds_with_each_sensor_run_once(sensor_run: SensorRun) -> None:
    result = sensor_run.result
    assert (result.returncode, result.state) == (0, "success"), result
    assert not import_errors(result), "\n".join(import_errors(result))
    assert result.tries == {
        (f"{m}.{t}", -1): 1 for m in SENSOR_MODES for t in ("wait_for_runs", "runs_ready")
    }
    # Only the deferrable sensor that had to wait deferred, once, and its trigger completed.
    assert result.output.count("[DAG TEST] running trigger in line") == 1, result
    assert result.output.count("[DAG TEST] Trigger completed") == 1


@pytest.mark.parametrize("mode", SENSOR_MODES)
def test_the_sensor_waits_until_a_run_is_ready_and_returns_ready_runs_at_once(
    mode: str, sensor_run: SensorRun
) -> None:
    result = sensor_run.result
    assert result.states[(f"{mode}.wait_for_runs", -1)] == "success", result
    assert result.xcoms[(f"{mode}.wait_for_runs", -1)] == [sensor_run.late[mode]], "the run that became ready"
    assert result.xcoms[(f"{mode}.runs_ready", -1)] == sensor_run.ready[mode], "ready from the start"
    # Reschedule: the waiting sensor gave its slot back at least once; the others never did.
    assert (result.reschedules[(f"{mode}.wait_for_runs", -1)] > 0) == (mode == "reschedule")
    assert result.reschedules[(f"{mode}.runs_ready", -1)] == 0
