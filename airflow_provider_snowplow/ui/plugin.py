"""The Airflow plugin: the ledger app under the API server, and a "Snowplow runs" navigation entry.

Registered through the ``airflow.plugins`` entry point (pyproject.toml), which Airflow loads in
every component whatever its provider discovery mode, so ``pip install`` is all it takes. Every
component imports this module, so it imports nothing heavy: the FastAPI app is built only when the
API server reads :attr:`SnowplowLedgerPlugin.fastapi_apps`, and its AWS clients on the first
request. The navigation entry is an external view with a ``url_route``: the Airflow UI shows the
page at ``/plugin/snowplow-runs``, inside its own navigation.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from airflow.plugins_manager import AirflowPlugin

URL_PREFIX = "/snowplow"
NAV_NAME = "Snowplow runs"


@cache
def _apps() -> list[dict[str, Any]]:
    from airflow_provider_snowplow.ui.app import create_app

    return [{"app": create_app(), "url_prefix": URL_PREFIX, "name": NAV_NAME}]


class SnowplowLedgerPlugin(AirflowPlugin):
    """The run ledger of every Snowplow archive the deployment's DAGs load from."""

    name = "snowplow_ledger"
    external_views = [  # noqa: RUF012  (AirflowPlugin's own attributes are class-level lists)
        {
            "name": NAV_NAME,
            "href": f"{URL_PREFIX}/",
            "url_route": "snowplow-runs",
            "destination": "nav",
            "nav_top_level": True,
            "icon": f"{URL_PREFIX}/icon.svg",
        }
    ]

    @property
    def fastapi_apps(self) -> list[dict[str, Any]]:  # type: ignore[override]
        """The ledger app, built on first access (by the API server alone)."""
        return _apps()
