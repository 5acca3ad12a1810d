"""Moved to :mod:`airflow_provider_snowplow.tasks.claimed_run`; this path keeps 0.1.0 DAGs working."""

from airflow_provider_snowplow.tasks.claimed_run import claim_owner, claimed_run, loaded_by

__all__ = ["claim_owner", "claimed_run", "loaded_by"]
