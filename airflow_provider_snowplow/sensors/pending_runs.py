"""SnowplowPendingRunSensor: wait until a Snowplow archive has runs that are not loaded yet.

Its XCom ``return_value`` is the list of pending run ids, oldest first, ready for
``.expand(snowplow_run_id=sensor.output)``.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from airflow.sdk import BaseSensorOperator, Context, PokeReturnValue, conf
from airflow.sdk.exceptions import AirflowSensorTimeout

from airflow_provider_snowplow.errors import SnowplowProviderError
from airflow_provider_snowplow.manifest.discovery import RunDiscovery
from airflow_provider_snowplow.tasks.base import (
    ARCHIVE_URL,
    CONNECTION,
    READINESS,
    Argument,
    SnowplowManifestTaskMixin,
    template_fields,
)
from airflow_provider_snowplow.tasks.discovery_log import log_details
from airflow_provider_snowplow.validation import positive_int


class PendingRunError(SnowplowProviderError):
    """The trigger reported a failure; the message is the trigger's."""


def _max_runs(value: object) -> int | None:
    """``max_runs``: a positive whole number, or None / ``""`` for Airflow's ``max_map_length``."""
    return None if value is None or value == "" else positive_int(value)


class SnowplowPendingRunSensor(SnowplowManifestTaskMixin, BaseSensorOperator):
    """Succeed when at least one run is pending; return their ids (oldest first, at most ``max_runs``).

    A run is pending when it has no record in the manifest (loaded or skipped), no live claim (a
    task processing it right now), its objects are not in GLACIER or DEEP_ARCHIVE, and it is
    complete: its folder holds ``ready_marker`` and its newest object is at least ``settle_seconds``
    old. A run still being written is logged as not ready, with what it waits for, and is offered
    by a later poke once complete.

    Args:
        archive_url: ``s3://bucket/prefix/`` of the enriched archive (templated).
        table_name: the manifest table (templated).
        max_runs: cap on the returned list (templated). Defaults to, and is always clamped to,
            Airflow's ``[core] max_map_length``, so ``.expand()`` over the result cannot fail.
        aws_conn_id: the Airflow AWS connection (templated).
        region_name: overrides the connection's region (templated).
        ready_marker: the object a run folder must hold to count as complete (``""`` or None for
            none; templated). Default ``_SUCCESS``, which Snowplow's batch pipeline writes.
        settle_seconds: how old a run's newest object must be (templated). Default 900: see
            :mod:`airflow_provider_snowplow.archive.layouts.readiness` for why.
        deferrable: wait in the triggerer instead of a worker slot; defaults to
            ``[operators] default_deferrable``.
        **kwargs: anything ``BaseSensorOperator`` takes (``mode``, ``poke_interval``,
            ``timeout``, ``soft_fail``...).
    """

    arguments = (ARCHIVE_URL, Argument("max_runs", _max_runs, converts=True), *CONNECTION, *READINESS)
    template_fields = template_fields(arguments)
    ui_color = "#f5e6ff"
    archive_url: str
    max_runs: int | str | None

    def __init__(
        self,
        *,
        archive_url: str,
        max_runs: int | str | None = None,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.keep_arguments(locals())
        self.deferrable = deferrable
        self.check_literal_arguments()

    def _checked_max_runs(self) -> int:
        """The arguments as rendered, checked; ``max_runs`` clamped to ``[core] max_map_length``."""
        self.check_arguments()
        limit = conf.getint("core", "max_map_length", fallback=1024)
        max_runs = limit if self.max_runs is None else int(self.max_runs)
        if max_runs > limit:
            self.log.warning("max_runs=%d exceeds [core] max_map_length=%d; using %d", max_runs, limit, limit)
        return min(max_runs, limit)

    def poke(self, context: Context) -> PokeReturnValue | bool:
        """One look at the archive: done, with the pending run ids as XCom, when any is pending."""
        max_runs = self._checked_max_runs()  # before the hook: bad input never reaches AWS
        found = self.hook.find_pending_runs(self.archive_url, max_runs)
        self._log_discovery(found)
        if not found.pending:
            return False
        return PokeReturnValue(is_done=True, xcom_value=found.pending)

    def execute(self, context: Context) -> Any:
        """Poke or reschedule as usual; deferrable: look once, then wait in the triggerer."""
        if not self.deferrable:
            return super().execute(context)
        max_runs = self._checked_max_runs()
        found = self.hook.find_pending_runs(self.archive_url, max_runs)
        self._log_discovery(found)
        if found.pending:
            return found.pending
        from airflow_provider_snowplow.triggers.pending_runs import SnowplowPendingRunTrigger

        self.defer(
            trigger=SnowplowPendingRunTrigger(
                archive_url=self.archive_url,
                table_name=self.table_name,
                max_runs=max_runs,
                aws_conn_id=self.aws_conn_id,
                region_name=self.region_name,
                ready_marker=self.readiness.marker,
                settle_seconds=self.readiness.settle_seconds,
                layout=self.layout,
                partition_format=self.partition_format,
                grace_seconds=float(self.grace_seconds),
                filename_prefix=self.filename_prefix or "",
                poke_interval=self.poke_interval,
                end_time=time.time() + self.timeout,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout),
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> list[str]:
        """Resume after the trigger fired; an error event fails the task (even with soft_fail)."""
        if event.get("status") == "timeout":
            raise AirflowSensorTimeout(event["message"])
        if event.get("status") != "success":
            raise PendingRunError(event.get("message", f"unexpected trigger event {event!r}"))
        pending: list[str] = event["pending_run_ids"]
        self.log.info("%d pending run(s) in %s: %s", len(pending), self.archive_url, ", ".join(pending))
        return pending

    def _log_discovery(self, found: RunDiscovery) -> None:
        self.log.info(
            "%s: %d runs; %d loaded, %d skipped, %d claimed, %d archived, %d not ready, %d pending%s "
            "(manifest read by %s)",
            self.archive_url,
            found.run_count,
            found.loaded,
            found.skipped,
            len(found.claimed),
            len(found.archived),
            len(found.not_ready),
            len(found.pending),
            " (capped by max_runs)" if found.more_pending else "",
            found.manifest_read,
        )
        for claim in found.claimed:
            self.log.info("Run %s is being processed by %s", claim.run_id, claim.owner)
        log_details(self.log, found, self.run_layout, self.archive_url)
        if found.archived:
            self.log.warning(
                "%d run(s) are in GLACIER/DEEP_ARCHIVE and cannot be loaded until restored: %s",
                len(found.archived),
                ", ".join(found.archived),
            )


PendingRunSensor = SnowplowPendingRunSensor  # the 0.1.0 name
