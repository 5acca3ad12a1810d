"""What the manifest table holds, item by item.

Two kinds of items share the table, both keyed by ``RunId``:

* **Run records**, keyed by the run id itself. Their mere presence means "do not load this run
  again" to Snowplow's SDKs (``is_in_manifest`` only checks that the item exists), so only a
  finished load or a deliberate skip ever writes one. We add attributes the SDKs ignore: who
  loaded the run and when, ``LoadStatus`` to tell a load from a skip, and what the run held when
  it was loaded (``ObjectCount``, ``TotalBytes``, ``ObjectsDigest``), so that ``verify`` can tell
  later whether the run has changed since.
* **Claims**, keyed by ``<run id>#claim``. A run id always ends in ``/``, so a claim key can never
  be mistaken for a run, and the SDKs never look at it: a run that is only claimed, or whose
  processing failed, still reads as not loaded everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from airflow_provider_snowplow.archive.contents import Fingerprint
from airflow_provider_snowplow.manifest.table import RUN_ID_ATTRIBUTE

CLAIM_KEY_SUFFIX = "#claim"
LOADED = "LOADED"
SKIPPED = "SKIPPED"

# Attribute names; none of them is a DynamoDB reserved word.
STATUS = "LoadStatus"
LOADED_AT = "LoadedAt"
LOADED_BY = "LoadedBy"
WRITER = "Writer"
OBJECT_COUNT = "ObjectCount"
TOTAL_BYTES = "TotalBytes"
OBJECTS_DIGEST = "ObjectsDigest"
CLAIM_OWNER = "ClaimOwner"
CLAIM_TOKEN = "ClaimToken"
CLAIMED_AT = "ClaimedAt"
LEASE_EXPIRES_AT = "LeaseExpiresAt"

ItemAttributes = dict[str, dict[str, Any]]


def writer_name() -> str:
    """The ``Writer`` attribute of our records: package name and version."""
    from airflow_provider_snowplow import __version__

    return f"airflow-provider-snowplow {__version__}"


def key(item_key: str) -> ItemAttributes:
    """The DynamoDB key of an item: a run id, or a claim key."""
    return {RUN_ID_ATTRIBUTE: {"S": item_key}}


def claim_key(run_id: str) -> str:
    """The key of a run's claim item."""
    return run_id + CLAIM_KEY_SUFFIX


def is_claim_key(item_key: str) -> bool:
    """Whether an item key is a claim's (as opposed to a run record's)."""
    return item_key.endswith(CLAIM_KEY_SUFFIX)


def now_iso(now: float) -> str:
    """Epoch seconds as ISO 8601 UTC with milliseconds, as records and messages show times."""
    return datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def run_record(
    run_id: str, status: str, now: float, loaded_by: str | None, fingerprint: Fingerprint | None = None
) -> ItemAttributes:
    """A run record: the SDK-compatible key plus our provenance attributes (and what was loaded)."""
    item = key(run_id)
    item[STATUS] = {"S": status}
    item[LOADED_AT] = {"S": now_iso(now)}
    item[WRITER] = {"S": writer_name()}
    if loaded_by:
        item[LOADED_BY] = {"S": loaded_by}
    if fingerprint is not None:
        item[OBJECT_COUNT] = {"N": str(fingerprint.objects)}
        item[TOTAL_BYTES] = {"N": str(fingerprint.bytes)}
        item[OBJECTS_DIGEST] = {"S": fingerprint.digest}
    return item


@dataclass(frozen=True)
class RunRecord:
    """A run record as read back.

    Attributes:
        run_id: the run folder prefix.
        status: ``LOADED`` (also for items written by Snowplow's SDKs, which have no status) or
            ``SKIPPED``; an unknown status written by another tool is kept as it is, and the run
            still counts as done, as it does for the SDKs.
        loaded_at: ISO-8601 UTC time of the write, None for SDK-written items.
        loaded_by: who wrote it (DAG / DAG run / task), None if unknown.
        fingerprint: the part files the run held when it was loaded; None when unknown (records
            written by Snowplow's SDKs, or by a load that did not list the run).
    """

    run_id: str
    status: str
    loaded_at: str | None = None
    loaded_by: str | None = None
    fingerprint: Fingerprint | None = None

    @classmethod
    def from_item(cls, item: ItemAttributes) -> RunRecord:
        """Read a record item; an SDK-written item (the key alone) reads as LOADED."""
        digest = _string(item, OBJECTS_DIGEST)
        return cls(
            run_id=_string(item, RUN_ID_ATTRIBUTE) or "",
            status=_string(item, STATUS) or LOADED,
            loaded_at=_string(item, LOADED_AT),
            loaded_by=_string(item, LOADED_BY),
            fingerprint=(
                Fingerprint(int(_number(item, OBJECT_COUNT)), int(_number(item, TOTAL_BYTES)), digest)
                if digest
                else None
            ),
        )


@dataclass(frozen=True)
class Claim:
    """A claim on a run: one owner may process it until the lease expires.

    Attributes:
        run_id: the claimed run.
        owner: who holds it, e.g. ``"snowplow_load_runs/manual__2026-11-26T10:00:00"``.
        token: unique per successful claim; renewals and releases must present it.
        claimed_at: epoch seconds of the first claim by this owner.
        lease_expires_at: epoch seconds after which anyone may take the claim over.
    """

    run_id: str
    owner: str
    token: str
    claimed_at: float
    lease_expires_at: float

    def is_live(self, now: float) -> bool:
        """Whether the lease still runs at epoch seconds ``now``."""
        return self.lease_expires_at > now

    @classmethod
    def from_item(cls, item: ItemAttributes) -> Claim:
        """Read a claim item; missing or malformed numbers read as an expired lease."""
        item_key = _string(item, RUN_ID_ATTRIBUTE) or ""
        return cls(
            run_id=item_key.removesuffix(CLAIM_KEY_SUFFIX),
            owner=_string(item, CLAIM_OWNER) or "?",
            token=_string(item, CLAIM_TOKEN) or "",
            claimed_at=_number(item, CLAIMED_AT),
            lease_expires_at=_number(item, LEASE_EXPIRES_AT),
        )

    def to_item(self) -> ItemAttributes:
        """The claim as a DynamoDB item."""
        item = key(claim_key(self.run_id))
        item[CLAIM_OWNER] = {"S": self.owner}
        item[CLAIM_TOKEN] = {"S": self.token}
        item[CLAIMED_AT] = {"N": _format_number(self.claimed_at)}
        item[LEASE_EXPIRES_AT] = {"N": _format_number(self.lease_expires_at)}
        return item


def _string(item: ItemAttributes, name: str) -> str | None:
    value = item.get(name, {}).get("S")
    return value if isinstance(value, str) else None


def _number(item: ItemAttributes, name: str) -> float:
    """A numeric attribute; a missing or malformed one reads as 0, i.e. an expired lease."""
    try:
        return float(item.get(name, {}).get("N", "0"))
    except (TypeError, ValueError):
        return 0.0


def _format_number(value: float) -> str:
    return f"{value:.3f}"
