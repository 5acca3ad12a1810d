"""SnowplowMarkRunLoadedOperator: record one Snowplow run as loaded, exactly once."""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseOperator, Context

from airflow_provider_snowplow.tasks.assets import annotate_outlet_events
from airflow_provider_snowplow.tasks.base import (
    CONNECTION,
    RUN_ID_MAP_INDEX_TEMPLATE,
    SNOWPLOW_RUN_ID,
    Argument,
    SnowplowManifestTaskMixin,
    template_fields,
)
from airflow_provider_snowplow.tasks.claimed_run import claim_owner, loaded_by
from airflow_provider_snowplow.validation import boolean


class SnowplowMarkRunLoadedOperator(SnowplowManifestTaskMixin, BaseOperator):
    """Write the run's record to the manifest, once, and release this DAG run's claim on it.

    The write is conditional: marking a run that is already recorded is a successful no-op that
    says so in the log (overlapping DAG runs, retries and manual re-runs are all safe). The record
    carries who loaded the run and when, and still reads as "loaded" to Snowplow's SDKs.

    When this DAG run claimed the run (see :func:`~airflow_provider_snowplow.tasks.claimed_run.claimed_run`),
    recording and releasing happen in one transaction, and fail with ``ClaimLostError`` if the
    claim has meanwhile passed to another DAG run.

    Args:
        snowplow_run_id: the run folder prefix (templated); named so to stay clear of Airflow's
            own ``run_id``, and mappable with ``.expand(snowplow_run_id=...)``.
        table_name: the manifest table (templated).
        aws_conn_id: the Airflow AWS connection (templated).
        region_name: overrides the connection's region (templated).
        release_claim: record atomically with releasing this DAG run's claim (default; templated).
            Set to False only to record runs processed outside claims.
        **kwargs: anything ``BaseOperator`` takes. ``map_index_template`` defaults to the run id.
            Assets in ``outlets`` get an event per run with ``{"snowplow_run_id", "newly_loaded",
            "table_name"}`` in its extra.

    Returns (XCom):
        ``{"snowplow_run_id": ..., "newly_loaded": bool}``.
    """

    arguments = (SNOWPLOW_RUN_ID, *CONNECTION, Argument("release_claim", boolean, converts=True))
    template_fields = template_fields(arguments)
    ui_color = "#e6ffe6"

    def __init__(self, *, snowplow_run_id: str, release_claim: bool | str = True, **kwargs: Any) -> None:
        kwargs.setdefault("map_index_template", RUN_ID_MAP_INDEX_TEMPLATE)
        super().__init__(**kwargs)
        self.snowplow_run_id = snowplow_run_id
        self.release_claim = release_claim
        self.check_literal_arguments()

    def execute(self, context: Context) -> dict[str, Any]:
        """Record the run (releasing this DAG run's claim); returns the XCom described above."""
        self.check_arguments()
        run_id = self.snowplow_run_id
        owner = claim_owner(context) if self.release_claim else None
        newly_loaded = self.hook.mark_loaded(run_id, loaded_by(context), owner)
        if newly_loaded:
            self.log.info("Marked run %s loaded in %s", run_id, self.table_name)
        else:
            record = self.hook.get_record(run_id)
            by = f" by {record.loaded_by}" if record and record.loaded_by else ""
            at = f" at {record.loaded_at}" if record and record.loaded_at else ""
            status = record.status.lower() if record else "loaded"
            self.log.info("Run %s was already %s%s%s; nothing to do", run_id, status, by, at)
        result = {"snowplow_run_id": run_id, "newly_loaded": newly_loaded}
        annotate_outlet_events(self.outlets, context, {**result, "table_name": self.table_name})
        return result


MarkRunLoadedOperator = SnowplowMarkRunLoadedOperator  # the 0.1.0 name
