"""The lane catches a runtime dependency missing from a plain install.

A plain install once lacked aiobotocore: the deferrable sensor's trigger failed on its first poll
with ``No module named 'aiobotocore'``, where no test of the development environment (which had it
through the test extra) could see it. Here the plain environment runs the sensor DAG of
``test_sensor.py``, and so does a copy of it without aiobotocore: there the deferred sensor, and
only it, must fail, naming the module.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.user.envs import Lane, UserEnv
from tests.user.runs import Kit, SensorRun, UserAirflow, UserEndpoint, run_sensor_modes

TABLE = "snowplow-load-manifests"


@pytest.fixture(scope="module")
def without_aiobotocore(lane: Lane) -> UserEnv:
    """The plain install, then ``pip uninstall aiobotocore``."""
    return lane.env("plain-without-aiobotocore", uninstall=["aiobotocore"])


def sensor_dag_in(
    lane: Lane, env: UserEnv, plain_env: UserEnv, endpoint: UserEndpoint, kit: Kit, home: Path
) -> SensorRun:
    """The sensor DAG in ``env`` (with a copy of the plain environment's migrated DB), on archives of its own."""
    airflow = UserAirflow(env, lane.home(env, home, db_of=plain_env), endpoint.endpoint_url)
    return run_sensor_modes(airflow, kit, f"s3://acme-snowplow/{env.name}/", TABLE)


def test_a_missing_aiobotocore_fails_the_deferred_sensor_and_the_lane_says_so(
    lane: Lane,
    plain_env: UserEnv,
    without_aiobotocore: UserEnv,
    endpoint: UserEndpoint,
    kit: Kit,
    tmp_path: Path,
) -> None:
    kit("create-table", "--table", TABLE)

    intact = sensor_dag_in(lane, plain_env, plain_env, endpoint, kit, tmp_path / "plain")
    assert (intact.result.returncode, intact.result.state) == (0, "success"), intact.result
    assert intact.result.xcoms[("deferrable.wait_for_runs", -1)] == [intact.late["deferrable"]]
    assert "[DAG TEST] running trigger in line" in intact.result.output

    broken = sensor_dag_in(lane, without_aiobotocore, plain_env, endpoint, kit, tmp_path / "broken").result
    assert broken.returncode != 0 and broken.state == "failed", broken
    assert broken.states.pop(("deferrable.wait_for_runs", -1)) == "failed", broken
    assert set(broken.states.values()) == {"success"}, "only the deferred wait needs aiobotocore"
    assert "No module named 'aiobotocore'" in broken.output, broken
