"""SnowplowPendingRunTrigger: waits in the triggerer, not in a worker slot, until runs are pending.

It runs the same discovery plan as the sensor's poke (see
:mod:`airflow_provider_snowplow.manifest.discovery`), carried out by aiobotocore clients, so the
triggerer's event loop is never blocked.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_snowplow.hooks.manifest import SnowplowManifestHook


class SnowplowPendingRunTrigger(BaseTrigger):
    """Fire once the archive has runs that are neither loaded, claimed, nor archived.

    Args:
        archive_url: ``s3://bucket/prefix/`` of the enriched archive.
        table_name: the manifest table.
        max_runs: at most this many run ids in the event.
        aws_conn_id: the Airflow AWS connection.
        region_name: overrides the connection's region.
        poke_interval: seconds between discoveries.
        end_time: epoch seconds after which the trigger gives up with a ``timeout`` event; the
            scheduler enforces the sensor's timeout too, this also holds where no scheduler runs
            (``dag.test()``).

    The event payload is ``{"status": "success", "pending_run_ids": [...]}``,
    ``{"status": "timeout", "message": ...}``, or ``{"status": "error", "message": ...}`` when
    discovery fails (the sensor then fails the task with that message).
    """

    _SERIALIZED = (
        "archive_url",
        "table_name",
        "max_runs",
        "aws_conn_id",
        "region_name",
        "poke_interval",
        "end_time",
    )

    def __init__(
        self,
        archive_url: str,
        table_name: str,
        max_runs: int,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        poke_interval: float = 60.0,
        end_time: float | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.archive_url, self.table_name, self.max_runs = archive_url, table_name, max_runs
        self.aws_conn_id, self.region_name = aws_conn_id, region_name
        self.poke_interval, self.end_time = poke_interval, end_time

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """The classpath and the arguments that rebuild this trigger in the triggerer."""
        classpath = f"{type(self).__module__}.{type(self).__qualname__}"
        return classpath, {name: getattr(self, name) for name in self._SERIALIZED}

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Look every ``poke_interval`` seconds; fire once with success, timeout or error."""
        hook = SnowplowManifestHook(
            self.table_name, aws_conn_id=self.aws_conn_id, region_name=self.region_name
        )
        while True:
            try:
                found = await hook.find_pending_runs_async(self.archive_url, self.max_runs, time.time())
            except Exception as exc:
                yield TriggerEvent({"status": "error", "message": str(exc), "error_type": type(exc).__name__})
                return
            if found.pending:
                yield TriggerEvent({"status": "success", "pending_run_ids": found.pending})
                return
            if self.end_time is not None and time.time() + self.poke_interval > self.end_time:
                message = f"no pending run appeared in {self.archive_url} before the sensor's timeout"
                yield TriggerEvent({"status": "timeout", "message": message})
                return
            self.log.info(
                "No pending run in %s yet (%d runs, %d claimed, %d archived); next check in %.0f s",
                self.archive_url,
                found.run_count,
                len(found.claimed),
                len(found.archived),
                self.poke_interval,
            )
            await asyncio.sleep(self.poke_interval)


PendingRunTrigger = SnowplowPendingRunTrigger  # the 0.1.0 name
