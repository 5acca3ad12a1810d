"""Airflow triggers of the Snowplow provider."""
