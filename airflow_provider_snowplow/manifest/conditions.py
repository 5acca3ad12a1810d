"""The conditions our writes to the manifest share, and how their failures read.

Every write that could race another writer is conditional (one DynamoDB item is the unit of
atomicity), so claims and records agree on these expressions and names.
"""

from __future__ import annotations

import random
from typing import Any

from airflow_provider_snowplow.aws.failures import table_resource
from airflow_provider_snowplow.aws.plans import AwsCall, Pause, Plan, error_code
from airflow_provider_snowplow.manifest.items import CLAIM_OWNER, CLAIM_TOKEN, LEASE_EXPIRES_AT
from airflow_provider_snowplow.manifest.table import RUN_ID_ATTRIBUTE

CONDITION_FAILED = "ConditionalCheckFailedException"
_NAMES = {"#key": RUN_ID_ATTRIBUTE, "#owner": CLAIM_OWNER, "#token": CLAIM_TOKEN, "#lease": LEASE_EXPIRES_AT}

# No live claim on the item: none, or its lease ran out. A lease that is not a number (another
# tool wrote the item) counts as expired, or a malformed claim would lock the run forever.
NO_LIVE_CLAIM = "attribute_not_exists(#key) OR NOT attribute_type(#lease, :number) OR #lease < :now"

# DynamoDB cancels a transaction with reason TransactionConflict when another request is changing
# one of its items at that moment (a claim attempt on the run being marked, say): nothing was
# written, and the same transaction is simply tried again. boto3 does not retry it (it is not a
# transient error to botocore), so the plan does, a few times, after a short random pause.
TRANSACTION_ATTEMPTS = 5


def attribute_names(*placeholders: str) -> dict[str, str]:
    """``ExpressionAttributeNames`` for the placeholders a condition uses."""
    return {p: _NAMES[p] for p in placeholders}


def no_live_claim_values(now: float) -> dict[str, Any]:
    """``ExpressionAttributeValues`` for :data:`NO_LIVE_CLAIM` at epoch seconds ``now``."""
    return {":now": {"N": f"{now:.3f}"}, ":number": {"S": "N"}}


def run_item_resource(table_name: str, run_id: str) -> str:
    """How messages name one run's items."""
    return f"run {run_id!r} in {table_resource(table_name)}"


def is_condition_failure(exc: Exception) -> bool:
    """Whether a single-item write failed its condition (as opposed to any other error)."""
    return error_code(exc) == CONDITION_FAILED


def transact_write(items: list[dict[str, Any]], resource: str) -> Plan[None]:
    """``TransactWriteItems`` of ``items``, tried again while DynamoDB cancels it for a conflict.

    Raises:
        Exception: the call's error as it came: a cancellation for any other reason (a condition
            that failed, for the caller to read), any other error, or a conflict on the last of
            :data:`TRANSACTION_ATTEMPTS` attempts.
    """
    for attempt in range(1, TRANSACTION_ATTEMPTS + 1):
        try:
            yield AwsCall("dynamodb", "transact_write_items", {"TransactItems": items}, resource)
            return
        except Exception as exc:
            if attempt == TRANSACTION_ATTEMPTS or "TransactionConflict" not in cancellation_reasons(exc):
                raise
        yield Pause(random.uniform(0.05, 0.1) * 2**attempt)


def cancellation_reasons(exc: Exception) -> list[str | None]:
    """Why a transaction was cancelled, one code (or None) per item; raises ``exc`` otherwise."""
    if error_code(exc) != "TransactionCanceledException":
        raise exc
    return [r.get("Code") for r in getattr(exc, "response", {}).get("CancellationReasons", [])]
