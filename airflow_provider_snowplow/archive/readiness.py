"""Moved to :mod:`airflow_provider_snowplow.archive.layouts.readiness`, beside the layouts whose rule it is; this path keeps working (with a warning)."""

from airflow_provider_snowplow.moved import moved_module

__getattr__ = moved_module(__name__, "airflow_provider_snowplow.archive.layouts.readiness")
