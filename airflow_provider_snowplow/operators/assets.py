"""Moved to :mod:`airflow_provider_snowplow.tasks.assets`; this path keeps 0.1.0 DAGs working."""

from airflow_provider_snowplow.tasks.assets import annotate_outlet_events, loaded_runs_asset

__all__ = ["annotate_outlet_events", "loaded_runs_asset"]
