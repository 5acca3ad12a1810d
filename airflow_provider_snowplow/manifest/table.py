"""The DynamoDB manifest table: create it, check it, and name its key.

The table layout is the one Snowplow's SDKs (Python 0.2.x, Scala) use: a single hash key ``RunId``
of type string. Anything else is refused with a message, because reading another layout would
silently answer "not loaded" for every run and reload the whole archive.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from airflow_provider_snowplow.aws.failures import table_resource
from airflow_provider_snowplow.aws.plans import AwsCall, Pause, Plan, error_code
from airflow_provider_snowplow.errors import ManifestTableError

RUN_ID_ATTRIBUTE = "RunId"
_TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")
BillingMode = Literal["PAY_PER_REQUEST", "PROVISIONED"]
_POLL_SECONDS = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0)


def validate_table_name(table_name: str) -> str:
    """Return ``table_name`` if DynamoDB accepts it, else raise with the rule.

    Raises:
        ManifestTableError: naming the value and DynamoDB's naming rule.
    """
    if not isinstance(table_name, str) or not _TABLE_NAME.fullmatch(table_name):
        raise ManifestTableError(
            f"{table_name!r} is not a valid DynamoDB table name: use 3-255 letters, digits, "
            "underscores, hyphens and dots (e.g. 'snowplow-load-manifests')"
        )
    return table_name


def describe_call(table_name: str) -> AwsCall:
    """The ``DescribeTable`` call for ``table_name``."""
    return AwsCall("dynamodb", "describe_table", {"TableName": table_name}, table_resource(table_name))


def check_key_schema(description: dict[str, Any]) -> None:
    """Raise unless a ``DescribeTable`` ``Table`` has exactly the hash key ``RunId`` (S)."""
    name = description.get("TableName", "?")
    keys = [(k["AttributeName"], k["KeyType"]) for k in description.get("KeySchema", [])]
    types = {a["AttributeName"]: a["AttributeType"] for a in description.get("AttributeDefinitions", [])}
    if keys == [(RUN_ID_ATTRIBUTE, "HASH")] and types.get(RUN_ID_ATTRIBUTE) == "S":
        return
    found = ", ".join(f"{kind} {attr} ({types.get(attr, '?')})" for attr, kind in keys) or "no key"
    raise ManifestTableError(
        f"{table_resource(name)} has key schema {found}; a Snowplow load manifest needs exactly one "
        f"HASH key {RUN_ID_ATTRIBUTE} of type S: use another table name or create a new table"
    )


def describe_manifest_table(table_name: str) -> Plan[dict[str, Any]]:
    """Describe the table and check its key schema; returns the ``Table`` description."""
    table: dict[str, Any] = (yield describe_call(table_name))["Table"]  # type: ignore[index]
    check_key_schema(table)
    return table


def create_manifest_table(
    table_name: str,
    billing_mode: BillingMode = "PAY_PER_REQUEST",
    read_capacity: int = 5,
    write_capacity: int = 5,
    timeout_seconds: float = 300.0,
) -> Plan[dict[str, Any]]:
    """Create the table if it does not exist, then wait until it is ACTIVE.

    Idempotent: an existing table with the right key schema is accepted as it is (its billing mode
    is not changed). Polls quickly at first instead of boto3's 20-second waiter interval.

    Raises:
        ManifestTableError: an existing table has another key schema, or it did not become
            ACTIVE within ``timeout_seconds``.
    """
    params: dict[str, Any] = {
        "TableName": table_name,
        "AttributeDefinitions": [{"AttributeName": RUN_ID_ATTRIBUTE, "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": RUN_ID_ATTRIBUTE, "KeyType": "HASH"}],
        "BillingMode": billing_mode,
    }
    if billing_mode == "PROVISIONED":
        params["ProvisionedThroughput"] = {
            "ReadCapacityUnits": read_capacity,
            "WriteCapacityUnits": write_capacity,
        }
    try:
        response = yield AwsCall("dynamodb", "create_table", params, table_resource(table_name))
        table: dict[str, Any] = response["TableDescription"]  # type: ignore[index]
    except Exception as exc:
        if error_code(exc) != "ResourceInUseException":
            raise
        table = yield from describe_manifest_table(table_name)
    waited = 0.0
    polls = iter(_POLL_SECONDS)
    while table.get("TableStatus", "ACTIVE") != "ACTIVE":
        if waited >= timeout_seconds:
            raise ManifestTableError(
                f"{table_resource(table_name)} is still {table['TableStatus']} after {timeout_seconds:.0f} s"
            )
        pause = next(polls, _POLL_SECONDS[-1])
        yield Pause(pause)
        waited += pause
        table = yield from describe_manifest_table(table_name)
    check_key_schema(table)
    return table
