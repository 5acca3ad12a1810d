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

from airflow_provider_snowplow.aws.failures import table_resource
from airflow_provider_snowplow.aws.plans import AwsCall, Plan
from airflow_provider_snowplow.errors import ClaimLostError
from airflow_provider_snowplow.manifest.conditions import (
    NO_LIVE_CLAIM,
    attribute_names,
    is_condition_failure,
    no_live_claim_values,
    run_item_resource,
)
from airflow_provider_snowplow.manifest.items import Claim, RunRecord, claim_key, key
from airflow_provider_snowplow.manifest.reads import get_item

DEFAULT_LEASE_SECONDS = 3 * 60 * 60


@dataclass(frozen=True)
class ClaimOutcome:
    """The result of trying to claim a run.

    Attributes:
        status: ``claimed`` (go ahead), ``held`` (another live owner has it: skip), or
            ``recorded`` (the run has a record, loaded or skipped: skip).
        claim: ours when claimed, the holder's when held, None when recorded.
        record: the run record when recorded.
    """

    status: Literal["claimed", "held", "recorded"]
    claim: Claim | None = None
    record: RunRecord | None = None

    @property
    def won(self) -> bool:
        """Whether this caller holds the claim now and may process the run."""
        return self.status == "claimed"


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
                "ConditionExpression": f"#owner = :owner OR {NO_LIVE_CLAIM}",
                "ExpressionAttributeNames": attribute_names("#key", "#lease", "#owner"),
                "ExpressionAttributeValues": {**no_live_claim_values(now), ":owner": {"S": owner}},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            },
            run_item_resource(table_name, run_id),
        )
    except Exception as exc:
        if not is_condition_failure(exc):
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
        return ClaimOutcome("recorded", record=RunRecord.from_item(item))
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
                "ExpressionAttributeNames": attribute_names("#lease", "#token"),
                "ExpressionAttributeValues": {
                    ":expires": {"N": f"{expires:.3f}"},
                    ":token": {"S": claim.token},
                },
            },
            run_item_resource(table_name, claim.run_id),
        )
    except Exception as exc:
        if not is_condition_failure(exc):
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
            "ExpressionAttributeNames": attribute_names("#key", "#token"),
            "ExpressionAttributeValues": {":token": {"S": token}},
        }
    elif owner is not None:
        params |= {
            "ConditionExpression": "attribute_not_exists(#key) OR #owner = :owner",
            "ExpressionAttributeNames": attribute_names("#key", "#owner"),
            "ExpressionAttributeValues": {":owner": {"S": owner}},
        }
    try:
        yield AwsCall("dynamodb", "delete_item", params, run_item_resource(table_name, run_id))
    except Exception as exc:
        if not is_condition_failure(exc):
            raise
        return False
    return True
