"""Airflow operators of the Snowplow provider."""
