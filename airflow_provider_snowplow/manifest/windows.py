"""Discovery for time-window layouts (``s3-loader``): a cost that does not grow with the archive's age.

A folder layout lists every run folder (a page per 1,000). Two years of hourly S3 Loader partitions
hold 17,520 runs and perhaps a million objects; listing them to find this hour's would grow without
end. But a window layout can name its runs from time alone, so discovery starts from the manifest:

1. **probe**: the ids of the last :data:`PROBE_WINDOWS` windows before now, read in one
   ``BatchGetItem`` (100 keys). The newest recorded one is the *watermark*; a window left unrecorded
   between recorded ones inside the probe (a run whose processing failed while later ones loaded)
   moves the start back to it. Only when none of them is recorded (a first run, or a pipeline
   stopped for longer than the probe) does the probe go further back, 100 windows a request, down
   to the archive's oldest object (one more ``ListObjectsV2`` page).
2. **listing**: one ``ListObjectsV2`` without delimiter from ``StartAfter`` = the start window's key
   prefix, a page per 1,000 objects written since, stopping once ``max_runs`` whole runs are in hand.
   Keys sort in time order (the partition format's tokens run year to hour, the flat names begin
   with the time), and each listed object tells its run; so the listing is also each run's contents
   and no run is listed again.
3. **manifest**: ``BatchGetItem`` for the records and then the claims of the listed runs (100 keys a
   request).

Request bound, steady state (the watermark inside the probe): 1 probe + ``ceil(objects since the
start / 1000)`` listing pages + ``2 * ceil(runs listed / 100)`` reads: 4 requests for 3 new hourly
runs of a two-year archive. A run older than the probe and left unrecorded while newer runs were
loaded is not offered again: list it with ``snowplow-manifest runs`` and load or skip it by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from airflow_provider_snowplow.archive.contents import RunContents, RunObject
from airflow_provider_snowplow.archive.layouts import WindowLayout, no_runs_error
from airflow_provider_snowplow.archive.listing import first_keys
from airflow_provider_snowplow.archive.urls import S3Url
from airflow_provider_snowplow.aws.pagination import S3_LISTING, paginate
from airflow_provider_snowplow.aws.plans import AwsCall, Plan
from airflow_provider_snowplow.manifest.items import claim_key
from airflow_provider_snowplow.manifest.reads import ManifestView, batch_get_items

PROBE_WINDOWS = 100


def probe_start(
    archive: S3Url, table_name: str, now: float, layout: WindowLayout, view: ManifestView
) -> Plan[str | None]:
    """The ``StartAfter`` key for the listing (None: list from the beginning); folds records into ``view``.

    Args:
        archive: the S3 Loader prefix.
        table_name: the manifest table.
        now: epoch seconds.
        layout: the window layout.
        view: receives the records of the probed windows.
    """
    slot = layout.window_start(datetime.fromtimestamp(now, UTC).replace(tzinfo=None))
    oldest: datetime | None = None
    while oldest is None or slot >= oldest:
        starts = [slot - i * layout.window for i in range(PROBE_WINDOWS)]
        ids = [layout.run_id_at(archive, start) for start in starts]
        view.run_ids = view.run_ids | frozenset(ids)
        yield from batch_get_items(table_name, ids, view.fold)
        recorded = [i for i, run_id in enumerate(ids) if run_id in view.statuses]
        if recorded:
            oldest_recorded = max(recorded)
            gaps = [i for i in range(oldest_recorded) if ids[i] not in view.statuses]
            start = starts[max(gaps)] if gaps else starts[min(recorded)] + layout.window
            return layout.objects_prefix(layout.run_id_at(archive, start - layout.window))
        if oldest is None:
            oldest = yield from _oldest_window(archive, layout)
            if oldest is None:
                return None
        slot -= PROBE_WINDOWS * layout.window
    return None


def list_window_runs(
    archive: S3Url, layout: WindowLayout, start_after: str | None, enough: int | None
) -> Plan[tuple[list[RunContents], bool]]:
    """The runs whose objects come after ``start_after``, oldest first, each whole.

    Args:
        archive: where the layout's objects are.
        layout: the time-window layout.
        start_after: list keys after this one (the newest recorded window's last key), or from the start.
        enough: stop once this many runs are whole (None: list to the end).

    Returns:
        The runs, and whether the listing stopped before the end.
    """
    runs: dict[str, list[RunObject]] = {}
    params: dict[str, Any] = {"Bucket": archive.bucket, "Prefix": archive.prefix}
    if start_after:
        params["StartAfter"] = start_after
    call = AwsCall("s3", "list_objects_v2", params, f"bucket {archive.bucket!r} (archive {archive})")

    def take(page: dict[str, Any]) -> None:
        for entry in page.get("Contents", []):
            run_id = layout.run_of_key(archive, entry["Key"])
            if run_id is not None:
                runs.setdefault(run_id, []).append(RunObject.from_listing(entry))

    stop: Callable[[], bool] | None = None if enough is None else (lambda: len(runs) > enough)
    yield from paginate(call, S3_LISTING, take, stop)
    cut = stop is not None and stop()
    whole = list(runs.items())[:enough] if cut else list(runs.items())
    return [RunContents(run_id, tuple(objects)) for run_id, objects in whole], cut


def read_window_manifest(table_name: str, view: ManifestView, run_ids: list[str]) -> Plan[None]:
    """Records of ``run_ids`` the probe did not read, then claims of the unrecorded ones, into ``view``."""
    unread = [r for r in run_ids if r not in view.run_ids]
    view.run_ids = view.run_ids | frozenset(run_ids)
    yield from batch_get_items(table_name, unread, view.fold)
    yield from batch_get_items(
        table_name, [claim_key(r) for r in run_ids if r not in view.statuses], view.fold
    )


def _oldest_window(archive: S3Url, layout: WindowLayout) -> Plan[datetime | None]:
    """The window of the archive's first run, from one page of its first keys (None: no object).

    Raises:
        LayoutError: the archive's first objects belong to no run of ``layout``.
    """
    keys = yield from first_keys(archive)
    for key in keys:
        run_id = layout.run_of_key(archive, key)
        if run_id is not None:
            return layout.run_time(run_id)
    if keys:
        raise no_runs_error(layout, archive, keys)
    return None
