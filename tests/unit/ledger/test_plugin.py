"""The plugin is found by Airflow through its entry point, and loading it costs no AWS SDK nor web app."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

from airflow_provider_snowplow.ui.plugin import SnowplowLedgerPlugin


def test_the_plugin_is_an_airflow_plugins_entry_point() -> None:
    found = {ep.name: ep.value for ep in entry_points(group="airflow.plugins")}
    assert found["snowplow_ledger"] == "airflow_provider_snowplow.ui.plugin:SnowplowLedgerPlugin"


def test_airflow_loads_it_and_only_the_api_server_builds_the_app() -> None:
    code = (
        "import sys\n"
        "from airflow import plugins_manager\n"
        "plugins, errors = plugins_manager._get_plugins()\n"
        "assert not errors, errors\n"
        "ours = [p for p in plugins if p.name == 'snowplow_ledger']\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'boto3', 'botocore', 'fastapi'})\n"
        "print(len(ours), ours[0].external_views[0]['url_route'], 'ui.app' in str(sorted(sys.modules)), loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[-2] == "1 snowplow-runs False []"


def test_the_api_server_mounts_the_app_under_its_prefix() -> None:
    apps = SnowplowLedgerPlugin().fastapi_apps
    assert [(app["name"], app["url_prefix"]) for app in apps] == [("Snowplow runs", "/snowplow")]
    routes = {route.path for route in apps[0]["app"].routes}
    assert {
        "/",
        "/ledgers/{key}",
        "/api/ledgers",
        "/api/ledgers/{key}",
        "/api/ledgers/{key}/runs/{run_id:path}",
    } <= routes
