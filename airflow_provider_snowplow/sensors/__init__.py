"""Airflow sensors of the Snowplow provider."""
