"""Test DAG: SnowplowTransformRunOperator on one run given by params, as the test environment says."""

from __future__ import annotations

from airflow_provider_snowplow.operators.transform import SnowplowTransformRunOperator
from airflow_provider_snowplow.testing.dags import one_run_dag, run_from_environment

with one_run_dag("snowplow_transform_one_run", fail_on_bad_rows=False):
    SnowplowTransformRunOperator(
        task_id="transform",
        **run_from_environment(),
        settle_seconds=0,  # runs seeded by the testing kit are complete at once
        fail_on_bad_rows="{{ params.fail_on_bad_rows }}",
    )
