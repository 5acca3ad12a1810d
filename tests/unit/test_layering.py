"""The layering contracts in pyproject.toml hold, and would catch a core module importing Airflow."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.support import REPO

LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with the repository's contracts, on the package found first under ``root``."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [LINT_IMPORTS, "--config", str(REPO / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_package_keeps_its_layering_contracts(tmp_path: Path) -> None:
    done = lint_imports(REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    contracts = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    assert f"{len(contracts)} kept, 0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "planted", "contract"),
    [
        ("manifest/table.py", "import airflow.sdk", "The core imports neither Airflow"),
        (
            "event_transformer/stream.py",
            "from airflow_provider_snowplow.hooks import manifest",
            "The core imports",
        ),
        ("sensors/pending_runs.py", "import boto3", "reach AWS only through the hook"),
        ("processing/run.py", "import pyspark.sql", "Only the Spark job imports pyspark"),
        (
            "triggers/pending_runs.py",
            "from airflow_provider_snowplow.sensors import pending_runs",
            "Triggers run in the triggerer alone",
        ),
        (
            "cli/connect.py",
            "from airflow_provider_snowplow.testing import local_aws",
            "The shipped CLI needs no testing kit",
        ),
        (
            "cli/commands.py",
            "from airflow_provider_snowplow.cli import definition",
            "CLI commands import no CLI definition",
        ),
    ],
)
def test_a_planted_violation_breaks_the_check(
    tmp_path: Path, module: str, planted: str, contract: str
) -> None:
    copy = tmp_path / "airflow_provider_snowplow"
    shutil.copytree(REPO / "airflow_provider_snowplow", copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    target.write_text(target.read_text() + f"\n{planted}  # planted by the test\n")
    done = lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{contract}" in done.stdout and "BROKEN" in done.stdout
    assert f"airflow_provider_snowplow.{module.removesuffix('.py').replace('/', '.')}" in done.stdout


def test_no_two_modules_of_the_package_reach_each_other() -> None:
    import grimp

    graph = grimp.build_graph("airflow_provider_snowplow")
    circles = {
        tuple(sorted((module, imported)))
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if graph.chain_exists(importer=imported, imported=module)
    }
    assert not circles, f"modules that import each other (directly or through others): {sorted(circles)}"
