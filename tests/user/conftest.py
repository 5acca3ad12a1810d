"""The user lane's fixtures: the wheel, users' environments, the local endpoint and Airflow homes.

The environments are made once a session and shared by the lane's test files (see
:mod:`tests.user.envs`); each test file gets its own endpoint and its own AIRFLOW_HOME.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.user.envs import Lane, UserEnv, find_uv
from tests.user.runs import Kit, UserAirflow, UserEndpoint


def shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of this session's temporary tree that every xdist worker shares."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    shared = base / "user-lane"
    shared.mkdir(exist_ok=True)
    return shared


@pytest.fixture(scope="session")
def lane(tmp_path_factory: pytest.TempPathFactory) -> Lane:
    return Lane(shared_dir(tmp_path_factory), find_uv())


@pytest.fixture(scope="session")
def plain_env(lane: Lane) -> UserEnv:
    """``pip install ./airflow-provider-snowplow``: the package and its runtime dependencies only."""
    return lane.env("plain")


@pytest.fixture(scope="session")
def local_env(lane: Lane) -> UserEnv:
    """``pip install "./airflow-provider-snowplow[local]"``: plus the embedded S3 + DynamoDB endpoint."""
    return lane.env("local", extras=["local"])


@pytest.fixture(scope="module")
def endpoint(local_env: UserEnv) -> Iterator[UserEndpoint]:
    """The local endpoint as a user starts it, from the ``[local]`` environment (one per test file)."""
    served = UserEndpoint(local_env)
    served.start()
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working directory outside the repository for the user's commands."""
    return tmp_path_factory.mktemp("user")


@pytest.fixture(scope="module")
def kit(local_env: UserEnv, endpoint: UserEndpoint, workdir: Path) -> Kit:
    """``user_kit.py`` in the ``[local]`` environment, against this file's endpoint."""
    return Kit(local_env, endpoint.endpoint_url, workdir)


@pytest.fixture(scope="module")
def user_airflow(
    lane: Lane, local_env: UserEnv, endpoint: UserEndpoint, tmp_path_factory: pytest.TempPathFactory
) -> UserAirflow:
    """The ``[local]`` environment's Airflow, with this file's own home and DB, ``aws_default`` on the endpoint."""
    home = lane.home(local_env, tmp_path_factory.mktemp("airflow-home"))
    return UserAirflow(local_env, home, endpoint.endpoint_url)
