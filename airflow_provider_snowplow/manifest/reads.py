"""Reading the manifest: one item, many items by key, or the whole table, whichever is cheaper.

For discovery's N run keys, ``BatchGetItem`` costs N / 100 requests and a ``Scan`` costs one per
megabyte of table; :func:`choose_manifest_read` picks from ``DescribeTable``'s size figures.
Every read is strongly consistent: a claim or record written a moment ago is seen.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from airflow_provider_snowplow.aws.failures import table_resource
from airflow_provider_snowplow.aws.pagination import DYNAMODB_SCAN, paginate
from airflow_provider_snowplow.aws.plans import AwsCall, Pause, Plan
from airflow_provider_snowplow.errors import AwsRequestError
from airflow_provider_snowplow.manifest.conditions import run_item_resource
from airflow_provider_snowplow.manifest.items import (
    CLAIM_KEY_SUFFIX,
    Claim,
    RunRecord,
    claim_key,
    is_claim_key,
    key,
)
from airflow_provider_snowplow.manifest.table import RUN_ID_ATTRIBUTE, describe_manifest_table

ManifestRead = Literal["auto", "scan", "batch_get"]
BATCH_GET_KEYS = 100
SCAN_PAGE_BYTES = 1024 * 1024
# DescribeTable's size figures lag by hours; a run record is ~150 bytes, so 400 errs towards batches.
_ESTIMATED_ITEM_BYTES = 400
_MAX_STALLED_BATCHES = 10
ItemSink = Callable[[list[dict[str, Any]]], None]


@dataclass
class ManifestView:
    """What the manifest says about one archive's runs: statuses of recorded runs, and claims.

    Only this archive's runs are kept, and only what discovery needs, so reading a large table
    costs memory for its run ids, not for its items; ``records`` keeps whole records when asked.
    """

    how: str
    run_ids: frozenset[str]
    statuses: dict[str, str] = field(default_factory=dict)
    claims: dict[str, Claim] = field(default_factory=dict)
    records: dict[str, RunRecord] | None = None

    def fold(self, items: list[dict[str, Any]]) -> None:
        """Take in one page of items as it arrives."""
        for item in items:
            item_key = item.get(RUN_ID_ATTRIBUTE, {}).get("S", "")
            if is_claim_key(item_key):
                if item_key.removesuffix(CLAIM_KEY_SUFFIX) in self.run_ids:
                    claim = Claim.from_item(item)
                    self.claims[claim.run_id] = claim
            elif item_key in self.run_ids:
                record = RunRecord.from_item(item)
                self.statuses[item_key] = record.status
                if self.records is not None:
                    self.records[item_key] = record


def get_item(table_name: str, item_key: str, run_id: str) -> Plan[dict[str, Any] | None]:
    """One item by key, strongly consistent; None if there is none. ``run_id`` names it in errors."""
    response = yield AwsCall(
        "dynamodb",
        "get_item",
        {"TableName": table_name, "Key": key(item_key), "ConsistentRead": True},
        run_item_resource(table_name, run_id),
    )
    assert response is not None
    item: dict[str, Any] | None = response.get("Item")
    return item


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
    call = AwsCall(
        "dynamodb", "scan", {"TableName": table_name, "ConsistentRead": True}, table_resource(table_name)
    )
    yield from paginate(call, DYNAMODB_SCAN, lambda page: sink(page.get("Items", [])))


def choose_manifest_read(table: dict[str, Any], run_count: int) -> Literal["scan", "batch_get"]:
    """``scan`` when the table's pages are fewer than the batches ``run_count`` keys need."""
    table_bytes = max(table.get("TableSizeBytes", 0), table.get("ItemCount", 0) * _ESTIMATED_ITEM_BYTES)
    scan_requests = max(1, math.ceil(table_bytes / SCAN_PAGE_BYTES))
    batch_requests = math.ceil(run_count / BATCH_GET_KEYS)
    return "scan" if scan_requests < batch_requests else "batch_get"


def read_records(
    table_name: str, run_ids: list[str], how: ManifestRead = "auto", keep_records: bool = False
) -> Plan[ManifestView]:
    """Statuses of the recorded ``run_ids`` (and, when scanning, every claim); checks the key schema.

    With ``keep_records``, the view keeps each record whole (``ManifestView.records``).
    """
    table = yield from describe_manifest_table(table_name)
    view = ManifestView(
        choose_manifest_read(table, len(run_ids)) if how == "auto" else how,
        frozenset(run_ids),
        records={} if keep_records else None,
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
