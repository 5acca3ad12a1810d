"""One run's detail, read when someone opens it: its folder now, its readiness, its seal.

The snapshot already holds the run's record and claim. Opening a run adds what a refresh does not
read for every run: one ``ListObjectsV2`` of its folder (objects, bytes, the readiness verdict now,
Glacier or not) and, for a transformer run that is sealed, one ``GetObject`` of its
``shredding_complete.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from airflow_provider_snowplow.archive.layouts import SEAL, Layout, TransformerOutput
from airflow_provider_snowplow.archive.layouts.readiness import Readiness
from airflow_provider_snowplow.archive.layouts.transformer_output import read_seal
from airflow_provider_snowplow.archive.listing import list_run_contents
from airflow_provider_snowplow.archive.urls import S3Url
from airflow_provider_snowplow.aws.plans import Plan
from airflow_provider_snowplow.errors import RunInputError
from airflow_provider_snowplow.ledger.runs import LedgerRun


@dataclass(frozen=True)
class RunDetail:
    """A run of the snapshot, with its folder as listed now.

    Attributes:
        run: the run as the snapshot has it (state, record, claim, drift).
        readiness: the layout's verdict on the folder now.
        objects: objects in the folder now (part files, markers).
        parts: part files among them.
        bytes: bytes of the part files.
        archived: whether objects are in GLACIER or DEEP_ARCHIVE.
        seal: a transformer run's ``shredding_complete.json`` (its ``data``, with ``schema``), if sealed.
        seal_error: why the seal could not be read, if it could not.
    """

    run: LedgerRun
    readiness: Readiness
    objects: int
    parts: int
    bytes: int
    archived: bool
    seal: dict[str, Any] | None = None
    seal_error: str | None = None


def inspect_run(archive: S3Url, layout: Layout, run: LedgerRun, now: float) -> Plan[RunDetail]:
    """List the run's folder (and read its seal, for a sealed transformer run) at epoch seconds ``now``."""
    contents = yield from list_run_contents(archive.bucket, run.run_id, layout.objects_prefix(run.run_id))
    seal: dict[str, Any] | None = None
    seal_error = None
    if isinstance(layout, TransformerOutput) and contents.has(SEAL):
        try:
            seal = yield from read_seal(archive.bucket, run.run_id)
        except RunInputError as unreadable:
            seal_error = str(unreadable)
    parts = contents.parts
    return RunDetail(
        run=run,
        readiness=layout.check(contents, now),
        objects=len(contents.objects),
        parts=len(parts),
        bytes=sum(part.size for part in parts),
        archived=contents.archived,
        seal=seal,
        seal_error=seal_error,
    )
