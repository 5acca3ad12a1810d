"""The last ``verify`` of an archive, kept in its manifest table so that the ledger can show it.

``verify`` lists every loaded run, a request each: far too costly for a page refresh. So whoever
runs it (``snowplow-manifest verify``, the ``snowplow_audit_runs`` DAG) stores its summary in one
reserved item of the manifest table, and the ledger reads that item (one ``GetItem``) to say which
loaded runs changed after loading, and when that was seen.

The item's key is ``<archive URL>#verify`` (``s3://acme/enriched/archive/#verify``): it starts with
``s3://``, so it can never be a run id (run ids are relative to the bucket) nor a claim key, and
Snowplow's SDKs, which only ever get run ids, never see it. At most :data:`MAX_STORED_RUNS`
drifted runs are kept (the item must stay under DynamoDB's 400 KB); the counts are always whole.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from airflow_provider_snowplow.archive.urls import S3Url
from airflow_provider_snowplow.aws.failures import table_resource
from airflow_provider_snowplow.aws.plans import AwsCall, Plan
from airflow_provider_snowplow.manifest.items import ItemAttributes, key, now_iso
from airflow_provider_snowplow.manifest.verify import Verification

VERIFY_KEY_SUFFIX = "#verify"
MAX_STORED_RUNS = 1000
_VERIFIED_AT = "VerifiedAt"
_SINCE = "VerifiedSince"
_COUNTS = "VerifyCounts"
_DRIFTED = "DriftedRuns"
_SUMMARY = "VerifySummary"


def verification_key(archive: S3Url) -> str:
    """The reserved item key of the archive's last verify: ``<archive URL>#verify``."""
    return f"{archive}{VERIFY_KEY_SUFFIX}"


@dataclass(frozen=True)
class DriftedRun:
    """A loaded run that the last verify found changed.

    Attributes:
        run_id: the run.
        drift: ``gained``, ``lost`` or ``changed``.
        loaded_at: the record's ``LoadedAt`` when verify saw it: a later load of the run (after
            ``snowplow-manifest unmark``) makes this finding stale, and the ledger drops it.
        description: what changed, as ``verify`` says it.
    """

    run_id: str
    drift: str
    loaded_at: str | None
    description: str


@dataclass(frozen=True)
class StoredVerification:
    """The last verify of an archive, as stored.

    Attributes:
        verified_at: when it ran (ISO 8601 UTC).
        since: the oldest run time it checked (ISO 8601), None for every run.
        counts: runs by drift: ``checked``, ``unchanged``, ``gained``, ``lost``, ``changed``, ``unknown``.
        drifted: the changed runs by run id (at most :data:`MAX_STORED_RUNS`).
        summary: verify's one-line summary.
    """

    verified_at: str
    since: str | None
    counts: dict[str, int]
    drifted: dict[str, DriftedRun] = field(default_factory=dict)
    summary: str = ""

    @classmethod
    def from_item(cls, item: ItemAttributes) -> StoredVerification:
        """Read the stored item; unreadable parts read as empty, never as an error."""

        def text(name: str) -> str | None:
            value = item.get(name, {}).get("S")
            return value if isinstance(value, str) else None

        try:
            counts = {str(k): int(v) for k, v in json.loads(text(_COUNTS) or "{}").items()}
            runs = [DriftedRun(**entry) for entry in json.loads(text(_DRIFTED) or "[]")]
        except (TypeError, ValueError):
            counts, runs = {}, []
        return cls(
            verified_at=text(_VERIFIED_AT) or "",
            since=text(_SINCE),
            counts=counts,
            drifted={run.run_id: run for run in runs},
            summary=text(_SUMMARY) or "",
        )


def verification_item(
    archive: S3Url, verification: Verification, now: float, since: str | None = None
) -> ItemAttributes:
    """The reserved item holding ``verification``'s summary."""
    counts = {"checked": len(verification.runs)}
    counts |= {
        drift: verification.count(drift) for drift in ("unchanged", "gained", "lost", "changed", "unknown")
    }
    drifted = [
        {"run_id": run.run_id, "drift": run.drift, "loaded_at": run.loaded_at, "description": run.describe()}
        for run in verification.drifted[:MAX_STORED_RUNS]
    ]
    item = key(verification_key(archive))
    item[_VERIFIED_AT] = {"S": now_iso(now)}
    item[_COUNTS] = {"S": json.dumps(counts)}
    item[_DRIFTED] = {"S": json.dumps(drifted)}
    item[_SUMMARY] = {"S": verification.summary()}
    if since:
        item[_SINCE] = {"S": since}
    return item


def store_verification(
    table_name: str, archive: S3Url, verification: Verification, now: float, since: str | None = None
) -> Plan[None]:
    """Replace the archive's stored verify with ``verification`` (one ``PutItem``)."""
    yield AwsCall(
        "dynamodb",
        "put_item",
        {"TableName": table_name, "Item": verification_item(archive, verification, now, since)},
        table_resource(table_name),
    )


def read_verification(table_name: str, archive: S3Url) -> Plan[StoredVerification | None]:
    """The archive's last stored verify, or None if verify never stored one (one ``GetItem``)."""
    response = yield AwsCall(
        "dynamodb",
        "get_item",
        {"TableName": table_name, "Key": key(verification_key(archive)), "ConsistentRead": True},
        table_resource(table_name),
    )
    item = (response or {}).get("Item")
    return StoredVerification.from_item(item) if item else None
