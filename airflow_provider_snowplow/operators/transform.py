"""SnowplowTransformRunOperator: the per-run processing step of a load pipeline.

Claims the run, turns its enriched TSV part files into JSON Lines (good events) and bad rows, and
writes them under ``output_url``. The claim makes it safe to map this over pending runs in
overlapping DAG runs: each run is processed by one DAG run at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator, Context

from airflow_provider_snowplow.claims import DEFAULT_LEASE_SECONDS
from airflow_provider_snowplow.errors import SnowplowProviderError
from airflow_provider_snowplow.manifest_table import validate_table_name
from airflow_provider_snowplow.operators.arguments import check_literal
from airflow_provider_snowplow.operators.assets import annotate_outlet_events
from airflow_provider_snowplow.operators.claims import claimed_run
from airflow_provider_snowplow.operators.manifest import RUN_ID_MAP_INDEX_TEMPLATE
from airflow_provider_snowplow.run_ids import parse_archive_url, validate_run_id


class BadRowsError(SnowplowProviderError):
    """``fail_on_bad_rows`` was set and the run had bad rows (they are written all the same)."""


class SnowplowTransformRunOperator(BaseOperator):
    """Transform one Snowplow run from enriched TSV to JSON Lines, under a claim.

    Args:
        snowplow_run_id: the run folder prefix (templated; expand over the sensor's output).
        archive_url: the enriched archive holding the run (templated).
        output_url: ``s3://bucket/prefix/``; the run's output goes to ``<output_url>run=.../``
            (templated).
        table_name: the manifest table holding claims (templated).
        aws_conn_id: the Airflow AWS connection (templated).
        region_name: overrides the connection's region.
        lease_seconds: claim lease; renewed while the task is alive.
        fail_on_bad_rows: fail the task (after writing everything) if any line was rejected.
        add_geolocation_data: add ``geo_location`` (``"lat,lon"``) to events, as the SDK does.
        **kwargs: anything ``BaseOperator`` takes. ``map_index_template`` defaults to the run id.
            Assets in ``outlets`` get an event per run with the counts below in its extra.

    Returns (XCom):
        counts and output keys: ``{"snowplow_run_id", "output_url", "objects", "bytes_read",
        "lines", "good", "bad", "good_keys", "bad_keys"}``.
    """

    template_fields: Sequence[str] = (
        "snowplow_run_id",
        "archive_url",
        "output_url",
        "table_name",
        "aws_conn_id",
    )
    ui_color = "#fff2cc"

    def __init__(
        self,
        *,
        snowplow_run_id: str,
        archive_url: str,
        output_url: str,
        table_name: str,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        fail_on_bad_rows: bool = False,
        add_geolocation_data: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("map_index_template", RUN_ID_MAP_INDEX_TEMPLATE)
        super().__init__(**kwargs)
        self.snowplow_run_id = snowplow_run_id
        self.archive_url = archive_url
        self.output_url = output_url
        self.table_name = table_name
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name
        self.lease_seconds = lease_seconds
        self.fail_on_bad_rows = fail_on_bad_rows
        self.add_geolocation_data = add_geolocation_data
        check_literal(snowplow_run_id, validate_run_id)
        check_literal(archive_url, parse_archive_url)
        check_literal(output_url, parse_archive_url)
        check_literal(table_name, validate_table_name)

    def execute(self, context: Context) -> dict[str, Any]:
        with claimed_run(
            self.snowplow_run_id,
            table_name=self.table_name,
            aws_conn_id=self.aws_conn_id,
            region_name=self.region_name,
            lease_seconds=self.lease_seconds,
            context=context,
        ):
            from airflow_provider_snowplow.hooks.manifest import SnowplowManifestHook
            from airflow_provider_snowplow.run_processing import process_run

            hook = SnowplowManifestHook.for_task(self)
            result = process_run(
                hook.s3_hook.conn,
                self.archive_url,
                self.snowplow_run_id,
                self.output_url,
                self.add_geolocation_data,
            )
            counts = result.counts
            self.log.info(
                "Run %s: %d objects, %d bytes, %d lines -> %d good, %d bad; output in %s",
                self.snowplow_run_id,
                result.objects,
                result.bytes_read,
                counts.lines,
                counts.good,
                counts.bad,
                result.output_url,
            )
            if counts.bad and self.fail_on_bad_rows:
                raise BadRowsError(
                    f"run {self.snowplow_run_id} had {counts.bad} bad row(s) of {counts.lines}; they are in "
                    f"{result.output_url}bad/ (fail_on_bad_rows=True)"
                )
        summary = result.to_dict()
        annotate_outlet_events(
            self.outlets, context, {k: v for k, v in summary.items() if not k.endswith("_keys")}
        )
        return summary
