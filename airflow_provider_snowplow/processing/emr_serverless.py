"""Moved to :mod:`airflow_provider_snowplow.spark.emr_serverless`; this path keeps 0.1.0 code working (with a warning)."""

from airflow_provider_snowplow.moved import moved_module

__getattr__ = moved_module(__name__, "airflow_provider_snowplow.spark.emr_serverless")
