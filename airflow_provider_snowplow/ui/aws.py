"""A ledger's AWS requests, made through the manifest hook on the ledger's Airflow connection.

The hook turns the connection (credentials, role, endpoint, region) into boto3 clients as it does
for the tasks; clients are kept per ledger, so a refresh reuses their connections. A missing
connection, bad credentials, a missing bucket or table all end as one line for that ledger alone.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

from airflow_provider_snowplow.aws.runners import run_sync
from airflow_provider_snowplow.ledger.detail import RunDetail, inspect_run
from airflow_provider_snowplow.ledger.runs import LedgerRun, LedgerSnapshot
from airflow_provider_snowplow.ledger.spec import LedgerSpec
from airflow_provider_snowplow.ledger.survey import RequestTally, counted, survey_ledger


class LedgerClients:
    """boto3 clients per ledger connection, built on first use through :class:`SnowplowManifestHook`."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str | None, str | None], dict[str, Any]] = {}
        self._lock = threading.Lock()

    def clients(self, spec: LedgerSpec) -> dict[str, Any]:
        """The S3 and DynamoDB clients of the ledger's connection and region."""
        place = (spec.aws_conn_id, spec.region_name)
        with self._lock:
            if place not in self._clients:
                from airflow_provider_snowplow.hooks.manifest import SnowplowManifestHook

                hook = SnowplowManifestHook(
                    spec.table_name, aws_conn_id=spec.aws_conn_id, region_name=spec.region_name
                )
                if spec.aws_conn_id:  # the Amazon hook would fall back to boto3's own credentials
                    hook.get_connection(spec.aws_conn_id)
                hook.check_connection()
                self._clients[place] = {"s3": hook.s3_hook.conn, "dynamodb": hook.conn}
            return self._clients[place]

    def refresh(self, spec: LedgerSpec) -> LedgerSnapshot:
        """One refresh of the ledger (see :mod:`airflow_provider_snowplow.ledger.survey`), its requests counted."""
        tally = RequestTally()
        plan = survey_ledger(spec.archive, spec.table_name, spec.run_layout(), time.time())
        snapshot = run_sync(counted(plan, tally), self.clients(spec))
        return replace(snapshot, requests=tally.as_dict())

    def inspect(self, spec: LedgerSpec, run: LedgerRun) -> RunDetail:
        """The run's folder now, and its seal (see :mod:`airflow_provider_snowplow.ledger.detail`)."""
        return run_sync(inspect_run(spec.archive, spec.run_layout(), run, time.time()), self.clients(spec))
