"""An archive watched by the triggerer: the asset a loading DAG is scheduled on, and the runs its events name.

A DAG scheduled on :func:`new_runs_asset` starts when its
:class:`~airflow_provider_snowplow.triggers.new_runs.SnowplowNewRunsTrigger` fires; the DAG run
finds the runs it was started for in ``triggering_asset_events`` with :func:`triggered_run_ids`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import Asset, AssetWatcher

if TYPE_CHECKING:
    from airflow.triggers.base import BaseEventTrigger


def new_runs_asset(trigger: BaseEventTrigger, name: str, group: str = "snowplow") -> Asset:
    """The asset meaning "``trigger`` found runs to load", watched by ``trigger`` in the triggerer.

    Schedule a loading DAG on it (``schedule=[new_runs_asset(...)]``). Give each DAG's asset its
    own ``name`` (Airflow needs an asset's name and URI to be unique); DAGs whose triggers watch the
    same archive the same way still share one poll of it.
    """
    return Asset(
        name=name,
        uri=f"snowplow://watch/{name}",
        group=group,
        watchers=[AssetWatcher(name=name, trigger=trigger)],
    )


def triggered_run_ids(events: Mapping[Any, Sequence[Any]], archive_url: str, table_name: str) -> set[str]:
    """The run ids that the watcher events of a DAG run name for this archive and manifest table.

    Args:
        events: the DAG run's ``triggering_asset_events`` (its events by asset).
        archive_url: only events of a trigger watching this archive count...
        table_name: ...with this manifest table: a DAG scheduled on several assets never takes
            another archive's runs for its own.

    Each event's ``extra["payload"]`` is what the trigger fired; events of other kinds (a task's
    outlet, the REST API without such a payload, an SQS message) name no run.
    """
    run_ids: set[str] = set()
    for asset_events in events.values():
        for event in asset_events:
            payload = (getattr(event, "extra", None) or {}).get("payload")
            if (
                isinstance(payload, dict)
                and payload.get("archive_url") == archive_url
                and payload.get("table_name") == table_name
            ):
                run_ids.update(str(run_id) for run_id in payload.get("snowplow_run_ids") or ())
    return run_ids
