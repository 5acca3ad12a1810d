"""What a plain ``pip install`` gives a user: a consistent environment, each file installed once.

The environments are those of the README's install commands (:mod:`tests.user.envs`): plain, and
with the ``[local]`` extra.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.user.envs import Lane, UserEnv, file_ownership, lock_constraints


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


def fake_dist(site_packages: Path, name: str, version: str, files: list[str] | None) -> None:
    """A minimal installed distribution: METADATA, and a RECORD listing ``files`` (None: no RECORD)."""
    info = site_packages / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    if files is not None:
        record = [*files, f"{info.name}/METADATA", f"{info.name}/RECORD"]
        (info / "RECORD").write_text("".join(f"{path},sha256=x,1\n" for path in record))


def test_the_ownership_check_finds_a_file_two_distributions_install(tmp_path: Path) -> None:
    """The check itself: a file listed twice, also under another spelling, is a collision; the rest are not."""
    env = UserEnv("fake", tmp_path / "venv")
    site_packages = env.root / "lib" / "python3.11" / "site-packages"
    fake_dist(site_packages, "first", "1.0", ["shared/__init__.py", "first/a.py", "../../../bin/tool"])
    fake_dist(site_packages, "second", "2.0", ["shared/./__init__.py", "second/b.py", "../../../bin/tool"])
    fake_dist(site_packages, "third", "3.0", None)
    ownership = file_ownership(env)
    assert ownership.collisions == {
        "bin/tool": ["first 1.0", "second 2.0"],
        "lib/python3.11/site-packages/shared/__init__.py": ["first 1.0", "second 2.0"],
    }
    assert ownership.owners["lib/python3.11/site-packages/first/a.py"] == ["first 1.0"]
    assert ownership.unrecorded == ["third 3.0"]
    assert "bin/tool: " in ownership.describe_collisions()


def test_the_lock_becomes_constraints_without_hashes() -> None:
    lock = (
        "# header\n"
        "apache-airflow==3.3.2 \\\n"
        "    --hash=sha256:aaaa \\\n"
        "    --hash=sha256:bbbb\n"
        "    # via airflow-provider-snowplow\n"
        "isal==1.7.0 ; platform_machine == 'x86_64' \\\n"
        "    --hash=sha256:cccc\n"
    )
    assert lock_constraints(lock) == "apache-airflow==3.3.2\nisal==1.7.0 ; platform_machine == 'x86_64'\n"
