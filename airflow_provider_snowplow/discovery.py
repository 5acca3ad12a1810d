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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from airflow_provider_snowplow.aws_calls import AwsCall, Pause, Plan, table_resource
from airflow_provider_snowplow.errors import AwsRequestError
from airflow_provider_snowplow.manifest_records import (
    CLAIM_KEY_SUFFIX,
    SKIPPED,
    Claim,
    RunRecord,
    claim_key,
    is_claim_key,
    key,
)
from airflow_provider_snowplow.manifest_table import RUN_ID_ATTRIBUTE, describe_manifest_table
from airflow_provider_snowplow.run_ids import ArchiveUrl, sort_run_ids

ManifestRead = Literal["auto", "scan", "batch_get"]
ARCHIVED_STORAGE_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})
BATCH_GET_KEYS = 100
LIST_PAGE_KEYS = 1000
SCAN_PAGE_BYTES = 1024 * 1024
# DescribeTable's size figures lag by hours; a run record is ~150 bytes, so 400 errs towards batches.
_ESTIMATED_ITEM_BYTES = 400
_MAX_STALLED_BATCHES = 10
ItemSink = Callable[[list[dict[str, Any]]], None]


@dataclass(frozen=True)
class RunDiscovery:
    """What an archive holds, as seen against the manifest.

    Attributes:
        pending: run ids to load, oldest first, at most ``max_runs``.
        more_pending: True when ``max_runs`` cut the list: more runs may be waiting.
        run_count: valid run folders in the archive.
        loaded: runs with a LOADED record (including records written by Snowplow's SDKs).
        skipped: runs recorded as SKIPPED (never to be loaded).
        claimed: live claims on runs that are not loaded: someone is processing them now (among
            the runs examined: with ``max_runs``, discovery stops once it has enough).
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
    """What the manifest says about one archive's runs: statuses of recorded runs, and claims.

    Only this archive's runs are kept, and only what discovery needs, so reading a large table
    costs memory for its run ids, not for its items.
    """

    how: str
    run_ids: frozenset[str]
    statuses: dict[str, str] = field(default_factory=dict)
    claims: dict[str, Claim] = field(default_factory=dict)

    def fold(self, items: list[dict[str, Any]]) -> None:
        """Take in one page of items as it arrives."""
        for item in items:
            item_key = item.get(RUN_ID_ATTRIBUTE, {}).get("S", "")
            if is_claim_key(item_key):
                if item_key.removesuffix(CLAIM_KEY_SUFFIX) in self.run_ids:
                    claim = Claim.from_item(item)
                    self.claims[claim.run_id] = claim
            elif item_key in self.run_ids:
                self.statuses[item_key] = RunRecord.from_item(item).status


def list_run_ids(archive: ArchiveUrl) -> Plan[list[str]]:
    """Every valid run folder directly under the archive prefix, oldest first."""
    prefixes: list[str] = []
    params: dict[str, Any] = {"Bucket": archive.bucket, "Prefix": archive.prefix, "Delimiter": "/"}
    resource = f"bucket {archive.bucket!r} (archive {archive})"
    while True:
        page = yield AwsCall("s3", "list_objects_v2", params, resource)
        assert page is not None
        prefixes.extend(folder["Prefix"] for folder in page.get("CommonPrefixes", []))
        token = page.get("NextContinuationToken")
        if not page.get("IsTruncated") or not token:
            return sort_run_ids(prefixes)
        params = {**params, "ContinuationToken": token}


def batch_get_items(table_name: str, item_keys: Iterable[str], sink: ItemSink) -> Plan[None]:
    """Read many items with strongly consistent ``BatchGetItem`` calls of up to 100 keys.

    Each response's items go to ``sink`` at once, so nothing accumulates here.

    Keys DynamoDB leaves unprocessed (throttling, 16 MB responses) go to the front of the queue and
    fill the next request; the pause grows only while whole requests make no progress.

    Raises:
        AwsRequestError: no key was processed in ten requests in a row.
    """
    queue = [key(k) for k in dict.fromkeys(item_keys)]
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
        sink(response.get("Responses", {}).get(table_name, []))
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


def scan_items(table_name: str, sink: ItemSink) -> Plan[None]:
    """Every item of the table, page by page to ``sink``, with strongly consistent ``Scan`` pages."""
    params: dict[str, Any] = {"TableName": table_name, "ConsistentRead": True}
    while True:
        page = yield AwsCall("dynamodb", "scan", params, table_resource(table_name))
        assert page is not None
        sink(page.get("Items", []))
        if not page.get("LastEvaluatedKey"):
            return
        params = {**params, "ExclusiveStartKey": page["LastEvaluatedKey"]}


def choose_manifest_read(table: dict[str, Any], run_count: int) -> Literal["scan", "batch_get"]:
    """``scan`` when the table's pages are fewer than the batches ``run_count`` keys need."""
    table_bytes = max(table.get("TableSizeBytes", 0), table.get("ItemCount", 0) * _ESTIMATED_ITEM_BYTES)
    scan_requests = max(1, math.ceil(table_bytes / SCAN_PAGE_BYTES))
    batch_requests = math.ceil(run_count / BATCH_GET_KEYS)
    return "scan" if scan_requests < batch_requests else "batch_get"


def read_records(table_name: str, run_ids: list[str], how: ManifestRead = "auto") -> Plan[ManifestView]:
    """Statuses of the recorded ``run_ids`` (and, when scanning, every claim); checks the key schema."""
    table = yield from describe_manifest_table(table_name)
    view = ManifestView(
        choose_manifest_read(table, len(run_ids)) if how == "auto" else how, frozenset(run_ids)
    )
    if view.how == "scan":
        yield from scan_items(table_name, view.fold)
    else:
        yield from batch_get_items(table_name, run_ids, view.fold)
    return view


def read_claims(table_name: str, view: ManifestView, run_ids: list[str]) -> Plan[None]:
    """Add the claims of ``run_ids`` to ``view``; a scan already read them all."""
    if view.how != "scan":
        yield from batch_get_items(table_name, [claim_key(r) for r in run_ids], view.fold)


def read_manifest(table_name: str, run_ids: list[str], how: ManifestRead = "auto") -> Plan[ManifestView]:
    """Statuses of the recorded ``run_ids`` and the claims of all the others."""
    view = yield from read_records(table_name, run_ids, how)
    yield from read_claims(table_name, view, [r for r in run_ids if r not in view.statuses])
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
    manifest = yield from read_records(table_name, run_ids, how)
    statuses = list(manifest.statuses.values())
    skipped = statuses.count(SKIPPED)
    unrecorded = [r for r in run_ids if r not in manifest.statuses]
    pending: list[str] = []
    archived: list[str] = []
    claimed: list[Claim] = []
    examined = 0
    # Claims and storage classes are looked up a batch at a time, only as far as max_runs needs.
    for start in range(0, len(unrecorded), BATCH_GET_KEYS):
        if max_runs is not None and len(pending) >= max_runs:
            break
        batch = unrecorded[start : start + BATCH_GET_KEYS]
        yield from read_claims(table_name, manifest, batch)
        for run_id in batch:
            if max_runs is not None and len(pending) >= max_runs:
                break
            examined += 1
            claim = manifest.claims.get(run_id)
            if claim is not None and claim.is_live(now):
                claimed.append(claim)
            elif (yield from is_archived(archive.bucket, run_id)):
                archived.append(run_id)
            else:
                pending.append(run_id)
    return RunDiscovery(
        pending=pending,
        more_pending=examined < len(unrecorded),
        run_count=len(run_ids),
        loaded=len(statuses) - skipped,
        skipped=skipped,
        claimed=claimed,
        archived=archived,
        manifest_read=manifest.how,
    )
