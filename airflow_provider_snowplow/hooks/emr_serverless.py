"""SnowplowEmrServerlessHook: the Amazon provider's EMR Serverless hook, running our submission plans.

The submission logic (re-attach to a job run of the same submission, else start one with a
numbered client token) is core code in :mod:`airflow_provider_snowplow.spark.emr_serverless`;
this hook only lends it the connection's ``emr-serverless`` client, so operators never call boto3.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.providers.amazon.aws.hooks.emr import EmrServerlessHook

from airflow_provider_snowplow.aws.runners import run_sync
from airflow_provider_snowplow.spark.emr_serverless import JobRun, get_job_run, start_or_attach


class SnowplowEmrServerlessHook(EmrServerlessHook):
    """EMR Serverless on an Airflow AWS connection, for the Snowplow Spark job.

    Args:
        aws_conn_id: the Airflow AWS connection (``endpoint_url``/``service_config`` honoured).
        region_name: overrides the connection's region.
    """

    hook_name = "Snowplow Spark job on EMR Serverless"

    def __init__(self, aws_conn_id: str | None = "aws_default", region_name: str | None = None) -> None:
        super().__init__(aws_conn_id=aws_conn_id, region_name=region_name)

    def start_or_attach_job_run(
        self, application_id: str, name: str, start: dict[str, Any], created_after: datetime
    ) -> JobRun:
        """The submission's job run: re-attached to when one is live or done, else started (idempotent)."""
        return run_sync(start_or_attach(application_id, name, start, created_after), self._clients)

    def get_job_run(self, application_id: str, job_run_id: str) -> JobRun:
        """The job run's current state."""
        return run_sync(get_job_run(application_id, job_run_id), self._clients)

    @property
    def _clients(self) -> dict[str, Any]:
        return {"emr-serverless": self.conn}
