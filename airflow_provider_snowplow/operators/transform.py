"""SnowplowTransformRunOperator: the per-run processing step of a load pipeline.

Claims the run, turns its enriched TSV part files into JSON Lines (good events) and bad rows, and
writes them under ``output_url``. The claim makes it safe to map this over pending runs in
overlapping DAG runs: each run is processed by one DAG run at a time. Before it writes
``_SUCCESS.json`` it lists the run again: a run that changed while it was read (or is not complete
by the readiness rule) fails the task with ``RunChangedError``, and the claim is released.
"""

from __future__ import annotations

from typing import Any, cast

from airflow.sdk import BaseOperator, Context

from airflow_provider_snowplow.errors import SnowplowProviderError
from airflow_provider_snowplow.event_transformer.shapes import Shape
from airflow_provider_snowplow.manifest.claims import DEFAULT_LEASE_SECONDS
from airflow_provider_snowplow.processing.codecs import Compression, check_compression
from airflow_provider_snowplow.processing.cpus import check_workers
from airflow_provider_snowplow.tasks.assets import annotate_outlet_events
from airflow_provider_snowplow.tasks.base import Argument, template_fields
from airflow_provider_snowplow.tasks.claimed_run import claimed_run
from airflow_provider_snowplow.tasks.run_processing import RUN_PROCESSING, SnowplowRunProcessingMixin
from airflow_provider_snowplow.validation import boolean, positive_number


class BadRowsError(SnowplowProviderError):
    """``fail_on_bad_rows`` was set and the run had bad rows (they are written all the same)."""


class SnowplowTransformRunOperator(SnowplowRunProcessingMixin, BaseOperator):
    """Transform one Snowplow run from enriched TSV to JSON Lines, under a claim.

    Takes the run's arguments (``snowplow_run_id``, ``archive_url``, ``output_url``,
    ``add_geolocation_data``, ``shape``: see ``SnowplowRunProcessingMixin``), the manifest table
    holding claims and the connection (``table_name``, ``aws_conn_id``, ``region_name``), and:

    Args:
        lease_seconds: claim lease; renewed while the task is alive (templated).
        fail_on_bad_rows: fail the task (after writing everything) if any line was rejected
            (templated).
        ready_marker / settle_seconds: the readiness rule the run must still meet when its output
            is complete (templated); use the sensor's settings.
        workers: how many part files are processed at once, by this task's process and worker
            processes; ``None`` (the default) for as many as the run keeps busy (one per 4 MB of
            input), up to every CPU the task may use (its CPU affinity and container quota); ``1``
            for one at a time in the task's own process (templated).
        compression: ``"gzip"`` (``.jsonl.gz``, the default: every reader has it) or ``"zstd"``
            (``.jsonl.zst``: a better ratio, as fast; needs the ``zstd`` extra) (templated).
        **kwargs: anything ``BaseOperator`` takes. ``map_index_template`` defaults to the run id.
            Assets in ``outlets`` get an event per run with the counts below in its extra.

    Returns (XCom):
        counts and output keys: ``{"snowplow_run_id", "output_url", "objects", "bytes_read",
        "lines", "good", "bad", "good_keys", "bad_keys", "compression", "input_objects", "digest"}``;
        pass it to ``SnowplowMarkRunLoadedOperator(processed=...)`` so that the record keeps what was
        read.
    """

    arguments = (
        *RUN_PROCESSING,
        Argument("lease_seconds", positive_number, converts=True),
        Argument("fail_on_bad_rows", boolean, converts=True),
        Argument("workers", check_workers, converts=True),
        Argument("compression", check_compression, converts=True),
    )
    template_fields = template_fields(arguments)
    ui_color = "#fff2cc"
    lease_seconds: float | str
    fail_on_bad_rows: bool | str
    workers: int | str | None
    compression: Compression | str

    def __init__(
        self,
        *,
        lease_seconds: float | str = DEFAULT_LEASE_SECONDS,
        fail_on_bad_rows: bool | str = False,
        workers: int | str | None = None,
        compression: Compression | str = "gzip",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.keep_arguments(locals())
        self.check_literal_arguments()

    def execute(self, context: Context) -> dict[str, Any]:
        """Claim the run, process it, and return its counts; the claim is released if this fails."""
        self.check_arguments()  # from here on, the converting arguments hold their checked values
        from airflow_provider_snowplow.processing.run import process_run

        lease_seconds = cast(float, self.lease_seconds)
        with claimed_run(self.snowplow_run_id, hook=self.hook, lease_seconds=lease_seconds, context=context):
            result = process_run(
                self.hook.s3_hook.conn,
                self.archive_url,
                self.snowplow_run_id,
                self.output_url,
                cast(bool, self.add_geolocation_data),
                cast(Shape, self.shape),  # as check_arguments() returned it, as are the next two
                self.readiness,
                self.run_layout,
                workers=cast(int | None, self.workers),
                compression=cast(Compression, self.compression),
                client_spec=self.hook.s3_client_spec,
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
            self.outlets,
            context,
            {k: v for k, v in summary.items() if not k.endswith("_keys") and k != "input_objects"},
        )
        return summary
