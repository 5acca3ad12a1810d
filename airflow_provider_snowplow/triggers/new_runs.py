"""SnowplowNewRunsTrigger: start a DAG when an archive has runs to load (event-driven scheduling).

Put it in an ``AssetWatcher`` of the asset a loading DAG is scheduled on; the triggerer then runs
it for as long as the DAG is active, and each event it fires becomes an asset event that starts a
DAG run. It looks at the archive as the sensor's trigger does (the hook's bounded discovery:
listing, the manifest read in batches, claims, readiness), every ``poll_interval`` seconds, and
fires when runs that are ready, unrecorded and unclaimed are there, with their ids in the event.

It fires for a run once, not at every poll: see :mod:`~airflow_provider_snowplow.triggers.firing_rule`
for when it fires again. A duplicate or a lost event does no harm, because the DAG run still claims
each run before it processes it: a run already loaded or held by another DAG run is skipped.

Several DAGs watching the same archive (same table, layout, connection and poll settings) share
one poll: Airflow 3.3's shared stream runs :meth:`SnowplowNewRunsTrigger.open_shared_stream` once
for all of them, and each trigger applies its own firing rule to what that poll saw.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import AsyncIterator, Hashable
from dataclasses import dataclass, field
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from airflow_provider_snowplow.archive.layouts import (
    DEFAULT_GRACE_SECONDS,
    DEFAULT_LAYOUT,
    check_layout_name,
    make_layout,
)
from airflow_provider_snowplow.archive.layouts.readiness import (
    DEFAULT_MARKER,
    DEFAULT_SETTLE_SECONDS,
    ReadinessRule,
    check_marker,
    check_settle_seconds,
)
from airflow_provider_snowplow.archive.urls import parse_archive_url
from airflow_provider_snowplow.manifest.table import validate_table_name
from airflow_provider_snowplow.triggers.firing_rule import FiringRule
from airflow_provider_snowplow.validation import optional_region, optional_string, positive_int

log = logging.getLogger(__name__)

DEFAULT_MAX_RUNS = 100
DEFAULT_POLL_INTERVAL = 60.0
DEFAULT_MIN_INTERVAL = 60.0
DEFAULT_REFIRE_AFTER = 3600.0


@dataclass(frozen=True)
class Observation:
    """What one poll of the archive saw: the raw event of the shared stream.

    Attributes:
        at: epoch seconds of the poll.
        pending: pending run ids, oldest first, at most ``max_runs``.
        more_pending: ``max_runs`` cut the list.
        not_ready: runs that are there but not complete yet.
        claimed: runs a DAG run is processing now.
        error: the discovery's error, one line, when the poll failed (the others are then empty).
    """

    at: float
    pending: list[str] = field(default_factory=list)
    more_pending: bool = False
    not_ready: int = 0
    claimed: int = 0
    error: str | None = None


def _seconds(value: object, what: str, minimum: float = 0.0) -> float:
    """A number of seconds of at least ``minimum``; a one-line ValueError otherwise."""
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number of seconds, got {value!r}") from None
    if math.isnan(seconds) or seconds < minimum:
        raise ValueError(f"{what} must be a number of seconds of at least {minimum:g}, got {value!r}")
    return seconds


class SnowplowNewRunsTrigger(BaseEventTrigger):
    """Fire when the archive has ready, unrecorded, unclaimed runs it has not fired for yet.

    Args:
        archive_url: ``s3://bucket/prefix/`` of the archive.
        table_name: the manifest table.
        aws_conn_id: the Airflow AWS connection.
        region_name: overrides the connection's region.
        ready_marker: the object a run folder must hold to count as complete (None: none).
        settle_seconds: how old a run's newest object must be, in seconds.
        layout: the run layout's name; ``partition_format`` and ``grace_seconds`` are its
            ``s3-loader`` options (see :func:`~airflow_provider_snowplow.archive.layouts.make_layout`).
        max_runs: at most this many run ids in an event (the DAG maps over them: keep it at or
            under ``[core] max_map_length``); the rest come in later events, once these are claimed.
        poll_interval: seconds between looks at the archive.
        min_interval: seconds between two events, at least; runs found meanwhile wait for it.
        refire_after: seconds after which a run fired for, and still pending, is fired for again.

    The event's payload, which Airflow stores in the asset event's ``extra["payload"]``, is
    ``{"snowplow_run_ids": [...], "archive_url": ..., "table_name": ..., "more_pending": bool,
    "reason": ...}``.

    Raises:
        ValueError: an interval or count that can never work, when the DAG file is parsed.
        SnowplowProviderError: an archive URL, table name or layout that can never work.
    """

    _SERIALIZED = (
        "archive_url",
        "table_name",
        "aws_conn_id",
        "region_name",
        "ready_marker",
        "settle_seconds",
        "layout",
        "partition_format",
        "grace_seconds",
        "max_runs",
        "poll_interval",
        "min_interval",
        "refire_after",
    )
    # What the shared poll depends on: triggers that agree on these share one (the firing rule's
    # min_interval and refire_after are each trigger's own).
    _POLL_SETTINGS = _SERIALIZED[:-2]

    def __init__(
        self,
        archive_url: str,
        table_name: str,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        ready_marker: str | None = DEFAULT_MARKER,
        settle_seconds: float = DEFAULT_SETTLE_SECONDS,
        layout: str = DEFAULT_LAYOUT,
        partition_format: str | None = None,
        grace_seconds: float = DEFAULT_GRACE_SECONDS,
        max_runs: int = DEFAULT_MAX_RUNS,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        min_interval: float = DEFAULT_MIN_INTERVAL,
        refire_after: float = DEFAULT_REFIRE_AFTER,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        parse_archive_url(archive_url)
        self.archive_url = archive_url
        self.table_name = validate_table_name(table_name)
        self.aws_conn_id = optional_string(aws_conn_id)
        self.region_name = optional_region(region_name)
        self.ready_marker = check_marker(ready_marker)
        self.settle_seconds = check_settle_seconds(settle_seconds)
        self.layout = check_layout_name(layout)
        self.partition_format = partition_format or None
        self.grace_seconds = check_settle_seconds(grace_seconds)
        self.run_layout = make_layout(
            self.layout, self.readiness, self.partition_format, self.grace_seconds
        )  # checks the s3-loader options too
        self.max_runs = positive_int(max_runs)
        self.poll_interval = _seconds(poll_interval, "poll_interval", minimum=0.1)
        self.min_interval = _seconds(min_interval, "min_interval")
        self.refire_after = _seconds(refire_after, "refire_after", minimum=self.poll_interval)

    @property
    def readiness(self) -> ReadinessRule:
        """The readiness rule of the folder layouts' arguments."""
        return ReadinessRule(self.ready_marker, self.settle_seconds)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """The classpath and the arguments that rebuild this trigger in the triggerer."""
        classpath = f"{type(self).__module__}.{type(self).__qualname__}"
        return classpath, {name: getattr(self, name) for name in self._SERIALIZED}

    # --- one poll loop, shared or not ------------------------------------------------------------

    def shared_stream_key(self) -> Hashable:
        """The archive, table, layout, connection and poll settings: triggers equal in them share a poll."""
        return (type(self).__qualname__, *(getattr(self, name) for name in self._POLL_SETTINGS))

    @classmethod
    async def open_shared_stream(cls, kwargs: dict[str, Any]) -> AsyncIterator[Observation]:
        """Poll the archive every ``poll_interval`` seconds, forever, yielding what each poll saw.

        Runs once per group of triggers with equal :meth:`shared_stream_key`. A failed poll is an
        :class:`Observation` with its error, not an exception: an exception would end the stream and
        fail every trigger of the group, and the triggerer would restart them at once, polling AWS
        far more often than ``poll_interval``.
        """
        trigger = cls(**kwargs)
        from airflow_provider_snowplow.hooks.manifest import SnowplowManifestHook  # boto3: triggerer only

        hook = SnowplowManifestHook(
            trigger.table_name,
            aws_conn_id=trigger.aws_conn_id,
            region_name=trigger.region_name,
            readiness=trigger.readiness,
            layout=trigger.run_layout,
        )
        log.info(
            "Watching %s for new runs (%s, manifest %s), every %g s",
            trigger.archive_url,
            trigger.run_layout.describe(),
            trigger.table_name,
            trigger.poll_interval,
        )
        while True:
            now = time.time()
            try:
                found = await hook.find_pending_runs_async(trigger.archive_url, trigger.max_runs, now)
            except Exception as exc:
                yield Observation(now, error=f"{type(exc).__name__}: {exc}".replace("\n", " "))
            else:
                yield Observation(
                    now, found.pending, found.more_pending, len(found.not_ready), len(found.claimed)
                )
            await asyncio.sleep(max(0.0, now + trigger.poll_interval - time.time()))

    async def filter_shared_stream(self, shared_stream: AsyncIterator[Any]) -> AsyncIterator[TriggerEvent]:
        """This trigger's events: the polls its firing rule finds worth a DAG run."""
        rule = FiringRule(self.min_interval, self.refire_after)
        async for observation in shared_stream:
            if observation.error is not None:
                self.log.warning(
                    "Could not look at %s (next look in %g s): %s",
                    self.archive_url,
                    self.poll_interval,
                    observation.error,
                )
                continue
            reason = rule.why_fire(observation.pending, observation.at)
            if reason is None:
                self.log.debug(
                    "%s: %d pending (already fired for), %d claimed, %d not ready",
                    self.archive_url,
                    len(observation.pending),
                    observation.claimed,
                    observation.not_ready,
                )
                continue
            rule.record(observation.pending, observation.at)
            self.log.info(
                "%s: %s; firing for %d run(s): %s",
                self.archive_url,
                reason,
                len(observation.pending),
                ", ".join(observation.pending),
            )
            yield TriggerEvent(
                {
                    "snowplow_run_ids": list(observation.pending),
                    "archive_url": self.archive_url,
                    "table_name": self.table_name,
                    "more_pending": observation.more_pending,
                    "reason": reason,
                }
            )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll on its own (no shared stream: ``dag.test()``, or a triggerer that does not share)."""
        async for event in self.filter_shared_stream(self.open_shared_stream(self.serialize()[1])):
            yield event
