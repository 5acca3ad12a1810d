"""Asset events per processed or loaded run, so downstream DAGs can schedule on new Snowplow runs.

Declare the assets as the operator's ``outlets``; on success Airflow emits one event per outlet,
and this attaches what a consumer needs to its ``extra`` (the Snowplow run id, and counts).
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Asset, Context


def annotate_outlet_events(outlets: Any, context: Context, extra: dict[str, Any]) -> None:
    """Put ``extra`` on the event each ``Asset`` outlet of the task is about to emit."""
    events = context.get("outlet_events")
    if events is None:  # an empty accessor mapping is falsy, yet fills in on first access
        return
    for outlet in outlets or ():
        if isinstance(outlet, Asset):
            accessor = events[outlet]
            accessor.extra = {**accessor.extra, **extra}


def loaded_runs_asset(table_name: str) -> Asset:
    """The asset meaning "a Snowplow run was loaded into manifest ``table_name``".

    Give it to ``SnowplowMarkRunLoadedOperator(outlets=[...])`` in the loading DAG and to
    ``schedule=[...]`` of consumer DAGs; both sides build it from the table name, so they agree.
    """
    return Asset(
        name=f"snowplow_loaded_runs__{table_name}", uri=f"snowplow://manifest/{table_name}", group="snowplow"
    )
