"""What a plain ``pip install`` gives a user: a consistent environment, each file installed once.

The environments are those of the README's install commands (:mod:`tests.user.envs`): plain, and
with the ``[local]`` extra.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.user.envs import Lane, UserEnv, file_ownership


@pytest.fixture(params=["plain", "local"])
def user_env(request: pytest.FixtureRequest) -> UserEnv:
    env: UserEnv = request.getfixturevalue(f"{request.param}_env")
    return env


def test_every_requirement_is_met(lane: Lane, user_env: UserEnv) -> None:
    done = lane.pip_check(user_env)
    assert done.returncode == 0, (
        f"`uv pip check` in the {user_env.name} environment:\n{done.stdout}{done.stderr}"
    )


def test_no_two_distributions_install_the_same_file(user_env: UserEnv) -> None:
    ownership = file_ownership(user_env)
    assert ownership.unrecorded == [], "distributions without a RECORD"
    assert "airflow-provider-snowplow" in {d.split()[0] for ds in ownership.owners.values() for d in ds}
    assert ownership.collisions == {}, (
        f"files installed by more than one distribution in {user_env.name}:\n{ownership.describe_collisions()}"
    )


def test_the_installed_package_is_the_wheel_not_the_checkout(user_env: UserEnv, tmp_path: Path) -> None:
    """What the lane runs is the installed wheel, and only the README's extras are there."""
    done = user_env.run(
        [
            "python",
            "-c",
            "import importlib.util as u, airflow_provider_snowplow as p; "
            "print(p.__file__); print(u.find_spec('moto') is not None); print(u.find_spec('pytest') is not None)",
        ],
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    location, has_moto, has_pytest = done.stdout.split()
    assert Path(location).is_relative_to(user_env.site_packages)
    assert (has_moto, has_pytest) == (str(user_env.name == "local"), "False")
