"""SnowplowRunsToLoadOperator: the runs a DAG run started by an event, a hint or by hand should load.

The first task of an event-driven loading DAG. Its XCom ``return_value`` is a list of run ids,
oldest first, ready for ``.expand(snowplow_run_id=runs.output)``:

* started by :class:`~airflow_provider_snowplow.triggers.new_runs.SnowplowNewRunsTrigger`: the
  runs its events named (``triggering_asset_events``), with no second look at the archive;
* started any other way (by hand, by a wake-up that names no run such as an SQS message, by a
  clock): the runs pending now, found as the sensor finds them, without waiting.

Either way each run is claimed by the task that processes it, so a run named by a duplicate event,
or loaded meanwhile by another DAG run, is skipped there, not loaded twice.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseOperator, Context, conf

from airflow_provider_snowplow.archive.urls import parse_archive_url
from airflow_provider_snowplow.errors import RunIdError
from airflow_provider_snowplow.tasks.base import (
    ARCHIVE_URL,
    CONNECTION,
    READINESS,
    Argument,
    SnowplowManifestTaskMixin,
    template_fields,
)
from airflow_provider_snowplow.tasks.watched_archive import triggered_run_ids
from airflow_provider_snowplow.validation import positive_int


def _max_runs(value: object) -> int | None:
    """``max_runs``: a positive whole number, or None / ``""`` for Airflow's ``max_map_length``."""
    return None if value is None or value == "" else positive_int(value)


class SnowplowRunsToLoadOperator(SnowplowManifestTaskMixin, BaseOperator):
    """Return the runs this DAG run should load: those its watcher's events name, else those pending now.

    Args:
        archive_url: ``s3://bucket/prefix/`` of the archive (templated); only events of a trigger
            watching this archive and ``table_name`` count.
        table_name: the manifest table (templated).
        max_runs: cap on the returned list (templated). Defaults to, and is always clamped to,
            Airflow's ``[core] max_map_length``, so ``.expand()`` over the result cannot fail. Runs
            left out stay pending: the trigger fires for them again (after its ``refire_after``),
            a later DAG run takes them.
        aws_conn_id / region_name / ready_marker / settle_seconds / layout / partition_format /
            grace_seconds: as for the sensor (templated); the layout orders the runs, and the
            readiness rule applies when the runs pending now are looked up.
        **kwargs: anything ``BaseOperator`` takes.
    """

    arguments = (ARCHIVE_URL, Argument("max_runs", _max_runs, converts=True), *CONNECTION, *READINESS)
    template_fields = template_fields(arguments)
    ui_color = "#f5e6ff"
    archive_url: str
    max_runs: int | str | None

    def __init__(self, *, archive_url: str, max_runs: int | str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.keep_arguments(locals())
        self.check_literal_arguments()

    def execute(self, context: Context) -> list[str]:
        """The run ids, oldest first: see the class docstring."""
        self.check_arguments()
        limit = conf.getint("core", "max_map_length", fallback=1024)
        max_runs = min(limit, limit if self.max_runs is None else int(self.max_runs))
        events = context.get("triggering_asset_events") or {}
        named = triggered_run_ids(events, self.archive_url, self.table_name)
        if not named:
            found = self.hook.find_pending_runs(self.archive_url, max_runs)
            self.log.info(
                "No event named runs of %s: %d pending now%s",
                self.archive_url,
                len(found.pending),
                " (capped by max_runs)" if found.more_pending else "",
            )
            return found.pending
        runs = self._of_this_archive(named)
        if len(runs) > max_runs:
            self.log.warning(
                "The events named %d runs; loading the oldest %d (max_runs), the others stay pending",
                len(runs),
                max_runs,
            )
        self.log.info("The events named %d run(s) of %s: %s", len(runs), self.archive_url, ", ".join(runs))
        return runs[:max_runs]

    def _of_this_archive(self, run_ids: set[str]) -> list[str]:
        """The named runs that are runs of this archive in its layout, oldest first; others logged."""
        archive, layout = parse_archive_url(self.archive_url), self.run_layout
        valid = []
        for run_id in run_ids:
            try:
                valid.append(layout.validate_run_in_archive(run_id, archive))
            except RunIdError as wrong:
                self.log.warning("Ignoring a run an event named: %s", wrong)
        return layout.sort(valid)
