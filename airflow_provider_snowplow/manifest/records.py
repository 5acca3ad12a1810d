"""Run records: writing the record that says "loaded" (or "skipped") once, and deleting it.

A record is what Snowplow's SDKs read as "in the manifest", so it is written only by a finished
load (atomically with releasing the loader's claim) or a deliberate skip, and never overwritten.
"""

from __future__ import annotations

from typing import Any, Literal

from airflow_provider_snowplow.aws.failures import table_resource
from airflow_provider_snowplow.aws.plans import AwsCall, Plan
from airflow_provider_snowplow.errors import ClaimLostError
from airflow_provider_snowplow.manifest.claims import release_claim
from airflow_provider_snowplow.manifest.conditions import (
    NO_LIVE_CLAIM,
    attribute_names,
    cancellation_reasons,
    is_condition_failure,
    no_live_claim_values,
    run_item_resource,
    transact_write,
)
from airflow_provider_snowplow.manifest.items import (
    SKIPPED,
    Claim,
    ItemAttributes,
    claim_key,
    key,
    run_record,
)
from airflow_provider_snowplow.manifest.reads import get_item
from airflow_provider_snowplow.manifest.table import RUN_ID_ATTRIBUTE

SkipOutcome = Literal["skipped", "recorded", "claimed"]


def record_run(table_name: str, record: ItemAttributes, claim_owner: str | None = None) -> Plan[bool]:
    """Write the run record once; with ``claim_owner``, atomically with releasing that claim.

    ``record`` is what :func:`~airflow_provider_snowplow.manifest.items.run_record` builds: the run's
    key, its status and provenance, and (for ``verify``) what the run held when it was loaded.

    Returns:
        True if this call wrote the record, False if the run was already recorded (a no-op).

    Raises:
        ClaimLostError: ``claim_owner`` no longer holds the claim.
    """
    run_id = record[RUN_ID_ATTRIBUTE]["S"]
    put: dict[str, Any] = {
        "TableName": table_name,
        "Item": record,
        "ConditionExpression": "attribute_not_exists(#key)",
        "ExpressionAttributeNames": attribute_names("#key"),
    }
    resource = run_item_resource(table_name, run_id)
    if claim_owner is None:
        try:
            yield AwsCall("dynamodb", "put_item", put, resource)
        except Exception as exc:
            if not is_condition_failure(exc):
                raise
            return (yield from _is_record(table_name, run_id, put["Item"]))
        return True
    release = {
        "TableName": table_name,
        "Key": key(claim_key(run_id)),
        "ConditionExpression": "attribute_not_exists(#key) OR #owner = :owner",
        "ExpressionAttributeNames": attribute_names("#key", "#owner"),
        "ExpressionAttributeValues": {":owner": {"S": claim_owner}},
    }
    try:
        yield from transact_write([{"Put": put}, {"Delete": release}], resource)
    except Exception as exc:
        reasons = cancellation_reasons(exc)
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
        "ExpressionAttributeNames": attribute_names("#key"),
    }
    unclaimed = {
        "TableName": table_name,
        "Key": key(claim_key(run_id)),
        "ConditionExpression": NO_LIVE_CLAIM,
        "ExpressionAttributeNames": attribute_names("#key", "#lease"),
        "ExpressionAttributeValues": no_live_claim_values(now),
    }
    try:
        yield from transact_write(
            [{"Put": put}, {"ConditionCheck": unclaimed}], run_item_resource(table_name, run_id)
        )
    except Exception as exc:
        reasons = cancellation_reasons(exc)
        if reasons[:1] == ["ConditionalCheckFailed"]:
            return "skipped" if (yield from _is_record(table_name, run_id, put["Item"])) else "recorded"
        if reasons[1:2] == ["ConditionalCheckFailed"]:
            return "claimed"
        raise
    return "skipped"


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
        run_item_resource(table_name, run_id),
    )
    assert response is not None
    return "Attributes" in response
