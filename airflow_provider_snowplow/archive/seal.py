"""Moved to :mod:`airflow_provider_snowplow.archive.layouts.transformer_output`, the layout the seal belongs to; this path keeps working (with a warning)."""

from airflow_provider_snowplow.moved import moved_module

__getattr__ = moved_module(__name__, "airflow_provider_snowplow.archive.layouts.transformer_output")
