"""Airflow discovers the provider through its entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from airflow_provider_snowplow import __version__


def airflow(*args: str) -> str:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "airflow"), *args],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ.copy(),
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_airflow_providers_list_shows_the_package_with_its_version(airflow_db: Path) -> None:
    providers = {p["package_name"]: p for p in json.loads(airflow("providers", "list", "-o", "json"))}
    assert providers["airflow-provider-snowplow"]["version"] == __version__


def test_the_provider_registers_its_cli_group(airflow_db: Path) -> None:
    assert "create-table" in airflow("snowplow", "--help")
