"""What ``airflow providers list`` and the providers manager learn about this package.

Registered through the ``apache_airflow_provider`` entry point; kept in its own module so that
Airflow's provider discovery imports nothing else of ours.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_snowplow import __version__

_INTEGRATION = "Snowplow"


def get_provider_info() -> dict[str, Any]:
    """What Airflow's providers manager reads: modules of hooks, sensors, triggers, operators, CLI."""
    return {
        "package-name": "airflow-provider-snowplow",
        "name": "Snowplow",
        "description": "Snowplow batch pipelines on AWS: load manifests compatible with Snowplow's SDKs, a "
        "pending-run sensor, exactly-once claims, and the enriched-event transformer.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": _INTEGRATION,
                "external-doc-url": "https://github.com/snowplow/snowplow-python-analytics-sdk",
                "tags": ["service"],
            }
        ],
        "hooks": [
            {
                "integration-name": _INTEGRATION,
                "python-modules": [
                    "airflow_provider_snowplow.hooks.manifest",
                    "airflow_provider_snowplow.hooks.emr_serverless",
                ],
            }
        ],
        "sensors": [
            {
                "integration-name": _INTEGRATION,
                "python-modules": ["airflow_provider_snowplow.sensors.pending_runs"],
            }
        ],
        "triggers": [
            {
                "integration-name": _INTEGRATION,
                "python-modules": [
                    "airflow_provider_snowplow.triggers.pending_runs",
                    "airflow_provider_snowplow.triggers.new_runs",
                    "airflow_provider_snowplow.triggers.sqs_wakeup",
                ],
            }
        ],
        "cli": ["airflow_provider_snowplow.cli.definition.get_cli_commands"],
        "operators": [
            {
                "integration-name": _INTEGRATION,
                "python-modules": [
                    "airflow_provider_snowplow.operators.emr_serverless",
                    "airflow_provider_snowplow.operators.manifest",
                    "airflow_provider_snowplow.operators.runs_to_load",
                    "airflow_provider_snowplow.operators.spark",
                    "airflow_provider_snowplow.operators.transform",
                ],
            }
        ],
    }
