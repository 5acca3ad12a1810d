"""Finding the runs of an archive that still need loading, in as few AWS requests as possible.

Cost model, for an archive of N runs of which P are pending (Snowplow's SDK loop costs N list
calls plus N ``GetItem`` plus N storage-class calls):

* listing: one ``ListObjectsV2`` page per 1,000 run folders;
* manifest: ``BatchGetItem`` (100 keys a request) for the N run keys, or a paginated ``Scan`` of the
  whole table when the table is small enough that its pages are fewer than those batches
  (decided from ``DescribeTable``, which also checks the key schema);
* storage class: one ``ListObjectsV2`` per not-loaded run, stopping once ``max_runs`` are found.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from airflow_provider_snowplow.aws_calls import AwsCall, Pause, Plan
from airflow_provider_snowplow.errors import AwsRequestError
from airflow_provider_snowplow.manifest_records import (
    SKIPPED,
    Claim,
    RunRecord,
    claim_key,
    is_claim_key,
    key,
)
from airflow_provider_snowplow.manifest_table import RUN_ID_ATTRIBUTE, describe_manifest_table, table_resource
from airflow_provider_snowplow.run_ids import ArchiveUrl, run_timestamp, sort_run_ids

ManifestRead = Literal["auto", "scan", "batch_get"]
ARCHIVED_STORAGE_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})
BATCH_GET_KEYS = 100
LIST_PAGE_KEYS = 1000
SCAN_PAGE_BYTES = 1024 * 1024
# DescribeTable's size figures lag by hours; a run record is ~150 bytes, so 400 errs towards batches.
_ESTIMATED_ITEM_BYTES = 400
_MAX_STALLED_BATCHES = 10


@dataclass(frozen=True)
class RunDiscovery:
    """What an archive holds, as seen against the manifest.

    Attributes:
        pending: run ids to load, oldest first, at most ``max_runs``.
        more_pending: True when ``max_runs`` cut the list: more runs may be waiting.
        run_count: valid run folders in the archive.
        loaded: runs with a LOADED record (including records written by Snowplow's SDKs).
        skipped: runs recorded as SKIPPED (never to be loaded).
        claimed: live claims on runs that are not loaded: someone is processing them now.
        archived: not-loaded runs whose objects are in GLACIER or DEEP_ARCHIVE; restore them first.
        manifest_read: how the manifest was read, ``"scan"`` or ``"batch_get"``.
    """

    pending: list[str]
    more_pending: bool = False
    run_count: int = 0
    loaded: int = 0
    skipped: int = 0
    claimed: list[Claim] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    manifest_read: str = "batch_get"


@dataclass
class ManifestView:
    """The manifest items relevant to one archive."""

    how: str
    records: dict[str, RunRecord] = field(default_factory=dict)
    claims: dict[str, Claim] = field(default_factory=dict)

    def add(self, item: dict[str, Any]) -> None:
        item_key = item.get(RUN_ID_ATTRIBUTE, {}).get("S", "")
        if is_claim_key(item_key):
            claim = Claim.from_item(item)
            self.claims[claim.run_id] = claim
        else:
            self.records[item_key] = RunRecord.from_item(item)


def list_run_ids(archive: ArchiveUrl) -> Plan[list[str]]:
    """Every valid run folder directly under the archive prefix, oldest first."""
    run_ids: list[str] = []
    params: dict[str, Any] = {"Bucket": archive.bucket, "Prefix": archive.prefix, "Delimiter": "/"}
    resource = f"bucket {archive.bucket!r} (archive {archive})"
    while True:
        page = yield AwsCall("s3", "list_objects_v2", params, resource)
        assert page is not None
        run_ids.extend(
            folder["Prefix"]
            for folder in page.get("CommonPrefixes", [])
            if run_timestamp(folder["Prefix"]) is not None
        )
        token = page.get("NextContinuationToken")
        if not page.get("IsTruncated") or not token:
            return sort_run_ids(run_ids)
        params = {**params, "ContinuationToken": token}


def batch_get_items(table_name: str, item_keys: Iterable[str]) -> Plan[list[dict[str, Any]]]:
    """Read many items with strongly consistent ``BatchGetItem`` calls of up to 100 keys.

    Keys DynamoDB leaves unprocessed (throttling, 16 MB responses) go to the front of the queue and
    fill the next request; the pause grows only while whole requests make no progress.

    Raises:
        AwsRequestError: no key was processed in ten requests in a row.
    """
    queue = [key(k) for k in dict.fromkeys(item_keys)]
    items: list[dict[str, Any]] = []
    stalled = 0
    while queue:
        batch, queue = queue[:BATCH_GET_KEYS], queue[BATCH_GET_KEYS:]
        response = yield AwsCall(
            "dynamodb",
            "batch_get_item",
            {"RequestItems": {table_name: {"Keys": batch, "ConsistentRead": True}}},
            table_resource(table_name),
        )
        assert response is not None
        items.extend(response.get("Responses", {}).get(table_name, []))
        unprocessed = response.get("UnprocessedKeys", {}).get(table_name, {}).get("Keys", [])
        if not unprocessed:
            stalled = 0
            continue
        queue = unprocessed + queue
        stalled = stalled + 1 if len(unprocessed) == len(batch) else 0
        if stalled >= _MAX_STALLED_BATCHES:
            raise AwsRequestError(
                f"BatchGetItem on {table_resource(table_name)} returned every key unprocessed "
                f"{stalled} times in a row; the table is throttled: raise its read capacity or retry later",
                code="UnprocessedKeys",
                operation="BatchGetItem",
            )
        if stalled:
            yield Pause(min(0.05 * 2**stalled, 2.0))
    return items


def scan_items(table_name: str) -> Plan[list[dict[str, Any]]]:
    """Every item of the table, with strongly consistent ``Scan`` pages."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"TableName": table_name, "ConsistentRead": True}
    while True:
        page = yield AwsCall("dynamodb", "scan", params, table_resource(table_name))
        assert page is not None
        items.extend(page.get("Items", []))
        last_key = page.get("LastEvaluatedKey")
        if not last_key:
            return items
        params = {**params, "ExclusiveStartKey": last_key}


def choose_manifest_read(table: dict[str, Any], run_count: int) -> Literal["scan", "batch_get"]:
    """``scan`` when the table's pages are fewer than the batches ``run_count`` keys need."""
    table_bytes = max(table.get("TableSizeBytes", 0), table.get("ItemCount", 0) * _ESTIMATED_ITEM_BYTES)
    scan_requests = max(1, math.ceil(table_bytes / SCAN_PAGE_BYTES))
    batch_requests = math.ceil(run_count / BATCH_GET_KEYS)
    return "scan" if scan_requests < batch_requests else "batch_get"


def read_manifest(table_name: str, run_ids: list[str], how: ManifestRead = "auto") -> Plan[ManifestView]:
    """Run records of ``run_ids`` and claims of those not recorded; also checks the key schema."""
    table = yield from describe_manifest_table(table_name)
    view = ManifestView(how=choose_manifest_read(table, len(run_ids)) if how == "auto" else how)
    if view.how == "scan":
        for item in (yield from scan_items(table_name)):
            view.add(item)
        return view
    for item in (yield from batch_get_items(table_name, run_ids)):
        view.add(item)
    unrecorded = [claim_key(r) for r in run_ids if r not in view.records]
    for item in (yield from batch_get_items(table_name, unrecorded)):
        view.add(item)
    return view


def is_archived(bucket: str, run_id: str) -> Plan[bool]:
    """Whether the run's objects sit in a storage class that must be restored before reading."""
    page = yield AwsCall(
        "s3",
        "list_objects_v2",
        {"Bucket": bucket, "Prefix": run_id, "MaxKeys": LIST_PAGE_KEYS},
        f"run {run_id!r} in bucket {bucket!r}",
    )
    assert page is not None
    return any(obj.get("StorageClass") in ARCHIVED_STORAGE_CLASSES for obj in page.get("Contents", []))


def discover_pending_runs(
    archive: ArchiveUrl,
    table_name: str,
    now: float,
    max_runs: int | None = None,
    how: ManifestRead = "auto",
) -> Plan[RunDiscovery]:
    """The runs of ``archive`` that are neither recorded, claimed by a live owner, nor archived.

    Args:
        archive: the enriched archive.
        table_name: the manifest table.
        now: epoch seconds, to tell live claims from expired ones.
        max_runs: stop after this many pending runs (None: no limit).
        how: force ``"scan"`` or ``"batch_get"``; ``"auto"`` picks the cheaper.
    """
    run_ids = yield from list_run_ids(archive)
    manifest = yield from read_manifest(table_name, run_ids, how)
    candidates: list[str] = []
    claimed: list[Claim] = []
    loaded = skipped = 0
    for run_id in run_ids:
        record = manifest.records.get(run_id)
        claim = manifest.claims.get(run_id)
        if record is not None:
            skipped += record.status == SKIPPED
            loaded += record.status != SKIPPED
        elif claim is not None and claim.is_live(now):
            claimed.append(claim)
        else:
            candidates.append(run_id)
    pending: list[str] = []
    archived: list[str] = []
    checked = 0
    for run_id in candidates:
        if max_runs is not None and len(pending) >= max_runs:
            break
        checked += 1
        if (yield from is_archived(archive.bucket, run_id)):
            archived.append(run_id)
        else:
            pending.append(run_id)
    return RunDiscovery(
        pending=pending,
        more_pending=checked < len(candidates),
        run_count=len(run_ids),
        loaded=loaded,
        skipped=skipped,
        claimed=claimed,
        archived=archived,
        manifest_read=manifest.how,
    )
