"""SnowplowMarkRunLoadedOperator: record one Snowplow run as loaded, exactly once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import Asset, BaseOperator, Context

from airflow_provider_snowplow.archive.contents import Fingerprint, PartSignature, signatures_from
from airflow_provider_snowplow.archive.urls import parse_archive_url
from airflow_provider_snowplow.errors import RunChangedError
from airflow_provider_snowplow.tasks.assets import annotate_outlet_events
from airflow_provider_snowplow.tasks.base import (
    CONNECTION,
    READINESS,
    RUN_OF_LAYOUT,
    SNOWPLOW_RUN_ID,
    Argument,
    SnowplowRunTaskMixin,
    template_fields,
)
from airflow_provider_snowplow.tasks.claimed_run import claim_owner, loaded_by
from airflow_provider_snowplow.tasks.partitioned_assets import add_run_partition, with_partitioned_outlets
from airflow_provider_snowplow.validation import boolean


def _optional_archive_url(value: object) -> str | None:
    """``archive_url`` of the mark operator: optional, but a real archive URL when given."""
    if value is None or value == "":
        return None
    parse_archive_url(value)  # type: ignore[arg-type]
    return str(value)


def _processed(value: object) -> tuple[PartSignature, ...] | None:
    """``processed``: the transform's XCom (or any mapping with ``input_objects``), or None."""
    if value is None or value == "":
        return None
    if not isinstance(value, dict) or "input_objects" not in value:
        raise ValueError(
            "must be the transform's XCom (a dict with 'input_objects', e.g. processed=transform.output), "
            f"got {type(value).__name__}"
        )
    return signatures_from(value["input_objects"])


class SnowplowMarkRunLoadedOperator(SnowplowRunTaskMixin, BaseOperator):
    """Write the run's record to the manifest, once, and release this DAG run's claim on it.

    The write is conditional: marking a run that is already recorded is a successful no-op that
    says so in the log (overlapping DAG runs, retries and manual re-runs are all safe). The record
    carries who loaded the run and when, and still reads as "loaded" to Snowplow's SDKs.

    With ``archive_url`` it also records *what* was loaded, for ``snowplow-manifest verify``: it
    lists the run once, checks it against the readiness rule and, given ``processed`` (the
    transform's XCom), checks that its part files are exactly those processed. A run that changed
    is not recorded: the claim is released and the task fails with ``RunChangedError``, so the run
    is offered again, whole. Without ``processed`` (after your own processing task) the record keeps
    what the run held at marking time; without ``archive_url`` it keeps nothing, and ``verify``
    reports the run as ``unknown``.

    When this DAG run claimed the run (see :func:`~airflow_provider_snowplow.tasks.claimed_run.claimed_run`),
    recording and releasing happen in one transaction, and fail with ``ClaimLostError`` if the
    claim has meanwhile passed to another DAG run.

    Args:
        snowplow_run_id: the run folder prefix (templated); named so to stay clear of Airflow's
            own ``run_id``, and mappable with ``.expand(snowplow_run_id=...)``.
        table_name: the manifest table (templated).
        archive_url: the archive holding the run (templated); records what the run holds.
        processed: the transform's XCom, e.g. ``transform.output`` (templated); with
            ``archive_url``, the run must still hold exactly the part files processed.
        ready_marker / settle_seconds: the readiness rule, as for the sensor (templated).
        aws_conn_id: the Airflow AWS connection (templated).
        region_name: overrides the connection's region (templated).
        release_claim: record atomically with releasing this DAG run's claim (default; templated).
            Set to False only to record runs processed outside claims.
        **kwargs: anything ``BaseOperator`` takes. ``map_index_template`` defaults to the run id.
            Assets in ``outlets`` get an event per run with ``{"snowplow_run_id", "newly_loaded",
            "table_name"}`` in its extra.
        partitioned_outlets: assets that get the same event with the run's time as its partition
            key, e.g. ``[loaded_run_times_asset(table)]`` (see
            :mod:`~airflow_provider_snowplow.tasks.partitioned_assets`); they join ``outlets``.
            Not templated: Airflow reads a task's assets when the DAG file is parsed.

    Returns (XCom):
        ``{"snowplow_run_id": ..., "newly_loaded": bool}``.
    """

    arguments = (
        SNOWPLOW_RUN_ID,
        *CONNECTION,
        *READINESS,
        Argument("archive_url", _optional_archive_url, converts=True),
        Argument("processed", _processed, converts=True),
        Argument("release_claim", boolean, converts=True),
    )
    together = (RUN_OF_LAYOUT,)
    template_fields = template_fields(arguments)
    ui_color = "#e6ffe6"
    archive_url: str | None
    processed: Any
    release_claim: bool | str

    def __init__(
        self,
        *,
        archive_url: str | None = None,
        processed: Any = None,
        release_claim: bool | str = True,
        partitioned_outlets: Sequence[Asset] = (),
        **kwargs: Any,
    ) -> None:
        if partitioned_outlets:
            kwargs["outlets"] = with_partitioned_outlets(kwargs.get("outlets"), partitioned_outlets)
        super().__init__(**kwargs)
        self.partitioned_outlets = list(partitioned_outlets)
        self.keep_arguments(locals())
        self.check_literal_arguments()

    def execute(self, context: Context) -> dict[str, Any]:
        """Record the run (releasing this DAG run's claim); returns the XCom described above."""
        self.check_arguments()
        run_id = self.snowplow_run_id
        owner = claim_owner(context) if self.release_claim else None
        if self.archive_url is None:
            fingerprint = None
            self.log.warning(
                "No archive_url: the record of %s will not say what was loaded, and `snowplow-manifest "
                "verify` reports it as unknown",
                run_id,
            )
        else:
            fingerprint = self._confirm_unchanged(run_id, owner)
        newly_loaded = self.hook.mark_loaded(run_id, loaded_by(context), owner, fingerprint)
        if newly_loaded:
            held = f" ({fingerprint.objects} part files, {fingerprint.bytes:,} bytes)" if fingerprint else ""
            self.log.info("Marked run %s loaded in %s%s", run_id, self.table_name, held)
        else:
            self._log_already_recorded(run_id)
        result = {"snowplow_run_id": run_id, "newly_loaded": newly_loaded}
        annotate_outlet_events(self.outlets, context, {**result, "table_name": self.table_name})
        add_run_partition(self.partitioned_outlets, context, self.run_layout, run_id)
        return result

    def _confirm_unchanged(self, run_id: str, owner: str | None) -> Fingerprint | None:
        """What the run holds now, if it is complete and still what was processed; else release, raise."""
        assert self.archive_url is not None
        try:
            contents = self.hook.confirm_ready(self.archive_url, run_id, since=self.processed)
        except RunChangedError:
            if self.hook.get_record(run_id) is not None:
                self.log.warning(
                    "Run %s changed after it was recorded; `snowplow-manifest verify` reports it", run_id
                )
                return None
            if owner is not None:
                released = self.hook.release_claim(run_id, owner=owner)
                self.log.info("Claim on %s %s", run_id, "released" if released else "was not ours any more")
            raise
        return contents.fingerprint()

    def _log_already_recorded(self, run_id: str) -> None:
        record = self.hook.get_record(run_id)
        by = f" by {record.loaded_by}" if record and record.loaded_by else ""
        at = f" at {record.loaded_at}" if record and record.loaded_at else ""
        status = record.status.lower() if record else "loaded"
        self.log.info("Run %s was already %s%s%s; nothing to do", run_id, status, by, at)


MarkRunLoadedOperator = SnowplowMarkRunLoadedOperator  # the 0.1.0 name
