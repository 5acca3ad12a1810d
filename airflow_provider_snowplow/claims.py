"""Exactly-once processing: claims with expiring leases, and writing run records.

A processing task *claims* a run before working on it. The claim is a conditional write, so of
many concurrent claimers exactly one wins; it carries a lease, so a worker that dies leaves a
claim that simply expires, after which the run is pending again (nothing stays locked forever).
Recording a run as loaded removes the claim in the same transaction, and only succeeds while the
claim still belongs to the recorder: a worker whose lease lapsed and was taken over cannot also
mark the run.

Ownership is per *owner string*, not per process: the Airflow layer uses ``<dag_id>/<dag run id>``
so that a retry of the same task in the same DAG run takes its own claim back at once, while
another DAG run is kept out. Each successful claim also gets a fresh token; renewals present it,
so a stale try cannot extend a claim that a newer try holds.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from airflow_provider_snowplow.aws_calls import AwsCall, Plan, error_code, table_resource
from airflow_provider_snowplow.errors import ClaimLostError
from airflow_provider_snowplow.manifest_records import (
    CLAIM_OWNER,
    CLAIM_TOKEN,
    LEASE_EXPIRES_AT,
    SKIPPED,
    Claim,
    RunRecord,
    claim_key,
    key,
    run_record,
)
from airflow_provider_snowplow.manifest_table import RUN_ID_ATTRIBUTE

DEFAULT_LEASE_SECONDS = 3 * 60 * 60
_CONDITION_FAILED = "ConditionalCheckFailedException"
SkipOutcome = Literal["skipped", "recorded", "claimed"]
_NAMES = {"#key": RUN_ID_ATTRIBUTE, "#owner": CLAIM_OWNER, "#token": CLAIM_TOKEN, "#lease": LEASE_EXPIRES_AT}


@dataclass(frozen=True)
class ClaimOutcome:
    """The result of trying to claim a run.

    Attributes:
        status: ``claimed`` (go ahead), ``held`` (another live owner has it: skip), or
            ``already_loaded`` (a record exists: skip).
        claim: ours when claimed, the holder's when held, None when already loaded.
        record: the run record when already loaded.
    """

    status: Literal["claimed", "held", "already_loaded"]
    claim: Claim | None = None
    record: RunRecord | None = None

    @property
    def won(self) -> bool:
        return self.status == "claimed"


def _resource(table_name: str, run_id: str) -> str:
    return f"run {run_id!r} in {table_resource(table_name)}"


def _names(*placeholders: str) -> dict[str, str]:
    return {p: _NAMES[p] for p in placeholders}


# No live claim on the item: none, or its lease ran out. A lease that is not a number (another
# tool wrote the item) counts as expired, or a malformed claim would lock the run forever.
_NO_LIVE_CLAIM = "attribute_not_exists(#key) OR NOT attribute_type(#lease, :number) OR #lease < :now"


def _no_live_claim_values(now: float) -> dict[str, Any]:
    return {":now": {"N": f"{now:.3f}"}, ":number": {"S": "N"}}


def get_item(table_name: str, item_key: str, run_id: str) -> Plan[dict[str, Any] | None]:
    response = yield AwsCall(
        "dynamodb",
        "get_item",
        {"TableName": table_name, "Key": key(item_key), "ConsistentRead": True},
        _resource(table_name, run_id),
    )
    assert response is not None
    item: dict[str, Any] | None = response.get("Item")
    return item


def claim_run(
    table_name: str, run_id: str, owner: str, now: float, lease_seconds: float = DEFAULT_LEASE_SECONDS
) -> Plan[ClaimOutcome]:
    """Claim ``run_id`` for ``owner`` unless a live claim of someone else or a run record exists."""
    claim = Claim(run_id, owner, uuid.uuid4().hex, now, now + lease_seconds)
    try:
        yield AwsCall(
            "dynamodb",
            "put_item",
            {
                "TableName": table_name,
                "Item": claim.to_item(),
                "ConditionExpression": f"#owner = :owner OR {_NO_LIVE_CLAIM}",
                "ExpressionAttributeNames": _names("#key", "#lease", "#owner"),
                "ExpressionAttributeValues": {**_no_live_claim_values(now), ":owner": {"S": owner}},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            },
            _resource(table_name, run_id),
        )
    except Exception as exc:
        if error_code(exc) != _CONDITION_FAILED:
            raise
        holder = getattr(exc, "response", {}).get("Item") or (
            yield from get_item(table_name, claim_key(run_id), run_id)
        )
        return ClaimOutcome("held", claim=Claim.from_item(holder) if holder else None)
    # A run recorded before our claim must not be processed again. Recorders hold the claim while
    # recording, so a record that exists now is visible to this consistent read.
    item = yield from get_item(table_name, run_id, run_id)
    if item is not None:
        yield from release_claim(table_name, run_id, token=claim.token)
        return ClaimOutcome("already_loaded", record=RunRecord.from_item(item))
    return ClaimOutcome("claimed", claim=claim)


def renew_claim(table_name: str, claim: Claim, now: float, lease_seconds: float) -> Plan[Claim]:
    """Extend our lease to ``now + lease_seconds``.

    Raises:
        ClaimLostError: the claim is gone or has another token (our lease lapsed and was taken).
    """
    expires = now + lease_seconds
    try:
        yield AwsCall(
            "dynamodb",
            "update_item",
            {
                "TableName": table_name,
                "Key": key(claim_key(claim.run_id)),
                "UpdateExpression": "SET #lease = :expires",
                "ConditionExpression": "#token = :token",
                "ExpressionAttributeNames": _names("#lease", "#token"),
                "ExpressionAttributeValues": {
                    ":expires": {"N": f"{expires:.3f}"},
                    ":token": {"S": claim.token},
                },
            },
            _resource(table_name, claim.run_id),
        )
    except Exception as exc:
        if error_code(exc) != _CONDITION_FAILED:
            raise
        raise ClaimLostError(
            f"the claim of {claim.owner!r} on run {claim.run_id!r} in {table_resource(table_name)} was "
            "lost (its lease expired and another owner took it); stop processing this run"
        ) from None
    return Claim(claim.run_id, claim.owner, claim.token, claim.claimed_at, expires)


def release_claim(
    table_name: str, run_id: str, *, token: str | None = None, owner: str | None = None
) -> Plan[bool]:
    """Delete the claim if it still has ``token`` (or ``owner``); with neither, unconditionally.

    Returns:
        False when the claim was held by someone else (nothing was deleted), else True.
    """
    params: dict[str, Any] = {"TableName": table_name, "Key": key(claim_key(run_id))}
    if token is not None:
        params |= {
            "ConditionExpression": "attribute_not_exists(#key) OR #token = :token",
            "ExpressionAttributeNames": _names("#key", "#token"),
            "ExpressionAttributeValues": {":token": {"S": token}},
        }
    elif owner is not None:
        params |= {
            "ConditionExpression": "attribute_not_exists(#key) OR #owner = :owner",
            "ExpressionAttributeNames": _names("#key", "#owner"),
            "ExpressionAttributeValues": {":owner": {"S": owner}},
        }
    try:
        yield AwsCall("dynamodb", "delete_item", params, _resource(table_name, run_id))
    except Exception as exc:
        if error_code(exc) != _CONDITION_FAILED:
            raise
        return False
    return True


def record_run(
    table_name: str,
    run_id: str,
    status: str,
    now: float,
    loaded_by: str | None = None,
    claim_owner: str | None = None,
) -> Plan[bool]:
    """Write the run record once; with ``claim_owner``, atomically with releasing that claim.

    Returns:
        True if this call wrote the record, False if the run was already recorded (a no-op).

    Raises:
        ClaimLostError: ``claim_owner`` no longer holds the claim.
    """
    put: dict[str, Any] = {
        "TableName": table_name,
        "Item": run_record(run_id, status, now, loaded_by),
        "ConditionExpression": "attribute_not_exists(#key)",
        "ExpressionAttributeNames": _names("#key"),
    }
    resource = _resource(table_name, run_id)
    if claim_owner is None:
        try:
            yield AwsCall("dynamodb", "put_item", put, resource)
        except Exception as exc:
            if error_code(exc) != _CONDITION_FAILED:
                raise
            return (yield from _is_record(table_name, run_id, put["Item"]))
        return True
    release = {
        "TableName": table_name,
        "Key": key(claim_key(run_id)),
        "ConditionExpression": "attribute_not_exists(#key) OR #owner = :owner",
        "ExpressionAttributeNames": _names("#key", "#owner"),
        "ExpressionAttributeValues": {":owner": {"S": claim_owner}},
    }
    try:
        yield AwsCall(
            "dynamodb",
            "transact_write_items",
            {"TransactItems": [{"Put": put}, {"Delete": release}]},
            resource,
        )
    except Exception as exc:
        reasons = _cancellation_reasons(exc)
        if reasons[:1] == ["ConditionalCheckFailed"]:
            yield from release_claim(table_name, run_id, owner=claim_owner)
            return (yield from _is_record(table_name, run_id, put["Item"]))
        if reasons[1:2] == ["ConditionalCheckFailed"]:
            holder = yield from get_item(table_name, claim_key(run_id), run_id)
            who = Claim.from_item(holder).owner if holder else "?"
            raise ClaimLostError(
                f"run {run_id!r} in {table_resource(table_name)} is claimed by {who!r}, not by "
                f"{claim_owner!r}; only the claim's owner may mark it (if {claim_owner!r} held it, its "
                "lease expired and another owner took the run over)"
            ) from None
        raise
    return True


def skip_run(table_name: str, run_id: str, now: float, skipped_by: str | None = None) -> Plan[SkipOutcome]:
    """Record the run as never to be loaded, unless it is recorded or someone is loading it now.

    Both checks are conditions of the one write (a transaction), so a pipeline that claims the
    run after someone looked (``snowplow-manifest skip`` shows its plan, then asks) still wins.

    Returns:
        ``skipped`` (this call wrote the record), ``recorded`` (the run already has a record, which
        is left as it is) or ``claimed`` (a live claim holds it; nothing was written).
    """
    put: dict[str, Any] = {
        "TableName": table_name,
        "Item": run_record(run_id, SKIPPED, now, skipped_by),
        "ConditionExpression": "attribute_not_exists(#key)",
        "ExpressionAttributeNames": _names("#key"),
    }
    unclaimed = {
        "TableName": table_name,
        "Key": key(claim_key(run_id)),
        "ConditionExpression": _NO_LIVE_CLAIM,
        "ExpressionAttributeNames": _names("#key", "#lease"),
        "ExpressionAttributeValues": _no_live_claim_values(now),
    }
    try:
        yield AwsCall(
            "dynamodb",
            "transact_write_items",
            {"TransactItems": [{"Put": put}, {"ConditionCheck": unclaimed}]},
            _resource(table_name, run_id),
        )
    except Exception as exc:
        reasons = _cancellation_reasons(exc)
        if reasons[:1] == ["ConditionalCheckFailed"]:
            return "skipped" if (yield from _is_record(table_name, run_id, put["Item"])) else "recorded"
        if reasons[1:2] == ["ConditionalCheckFailed"]:
            return "claimed"
        raise
    return "skipped"


def _cancellation_reasons(exc: Exception) -> list[str | None]:
    """Why a transaction was cancelled, one code (or None) per item; raises ``exc`` otherwise."""
    if error_code(exc) != "TransactionCanceledException":
        raise exc
    return [r.get("Code") for r in getattr(exc, "response", {}).get("CancellationReasons", [])]


def _is_record(table_name: str, run_id: str, item: dict[str, Any]) -> Plan[bool]:
    """Whether the run's record is exactly ``item``, after a write of it found the run recorded.

    A retried write whose first response was lost (a connection reset after DynamoDB applied it)
    finds its own record: that write was ours, and must not read as "already loaded".
    """
    return (yield from get_item(table_name, run_id, run_id)) == item


def delete_record(table_name: str, run_id: str) -> Plan[bool]:
    """Delete the run record so the run is pending again; False if there was none."""
    response = yield AwsCall(
        "dynamodb",
        "delete_item",
        {"TableName": table_name, "Key": key(run_id), "ReturnValues": "ALL_OLD"},
        _resource(table_name, run_id),
    )
    assert response is not None
    return "Attributes" in response
