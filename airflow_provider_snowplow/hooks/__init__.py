"""Airflow hooks of the Snowplow provider."""
