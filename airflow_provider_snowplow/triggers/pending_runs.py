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

from airflow_provider_snowplow.archive.layouts import DEFAULT_GRACE_SECONDS, DEFAULT_LAYOUT, make_layout
from airflow_provider_snowplow.archive.layouts.readiness import (
    DEFAULT_MARKER,
    DEFAULT_SETTLE_SECONDS,
    ReadinessRule,
)
from airflow_provider_snowplow.hooks.manifest import SnowplowManifestHook
from airflow_provider_snowplow.tasks.discovery_log import log_details


class SnowplowPendingRunTrigger(BaseTrigger):
    """Fire once the archive has runs that are neither loaded, claimed, archived nor incomplete.

    Args:
        archive_url: ``s3://bucket/prefix/`` of the enriched archive.
        table_name: the manifest table.
        max_runs: at most this many run ids in the event.
        aws_conn_id: the Airflow AWS connection.
        region_name: overrides the connection's region.
        ready_marker: the object a run folder must hold to count as complete (None: none).
        settle_seconds: how old a run's newest object must be, in seconds.
        layout: the run layout's name; ``partition_format``, ``grace_seconds`` and
            ``filename_prefix`` are its ``s3-loader`` options (see :func:`~airflow_provider_snowplow.archive.layouts.make_layout`).
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
        "ready_marker",
        "settle_seconds",
        "layout",
        "partition_format",
        "grace_seconds",
        "filename_prefix",
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
        ready_marker: str | None = DEFAULT_MARKER,
        settle_seconds: float = DEFAULT_SETTLE_SECONDS,
        poke_interval: float = 60.0,
        end_time: float | None = None,
        layout: str = DEFAULT_LAYOUT,
        partition_format: str | None = None,
        grace_seconds: float = DEFAULT_GRACE_SECONDS,
        filename_prefix: str = "",
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.archive_url, self.table_name, self.max_runs = archive_url, table_name, max_runs
        self.aws_conn_id, self.region_name = aws_conn_id, region_name
        self.ready_marker, self.settle_seconds = ready_marker, settle_seconds
        self.poke_interval, self.end_time = poke_interval, end_time
        self.layout, self.partition_format, self.grace_seconds = layout, partition_format, grace_seconds
        self.filename_prefix = filename_prefix

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """The classpath and the arguments that rebuild this trigger in the triggerer."""
        classpath = f"{type(self).__module__}.{type(self).__qualname__}"
        return classpath, {name: getattr(self, name) for name in self._SERIALIZED}

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Look every ``poke_interval`` seconds; fire once with success, timeout or error."""
        rule = ReadinessRule(self.ready_marker, self.settle_seconds)
        layout = make_layout(
            self.layout, rule, self.partition_format, self.grace_seconds, self.filename_prefix
        )
        hook = SnowplowManifestHook(
            self.table_name,
            aws_conn_id=self.aws_conn_id,
            region_name=self.region_name,
            readiness=rule,
            layout=layout,
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
                "No pending run in %s yet (%d runs, %d claimed, %d archived, %d not ready); next check in %.0f s",
                self.archive_url,
                found.run_count,
                len(found.claimed),
                len(found.archived),
                len(found.not_ready),
                self.poke_interval,
            )
            log_details(self.log, found, layout, self.archive_url)
            await asyncio.sleep(self.poke_interval)


PendingRunTrigger = SnowplowPendingRunTrigger  # the 0.1.0 name
