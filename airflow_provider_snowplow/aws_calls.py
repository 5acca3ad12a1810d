"""AWS calls as data, so one piece of logic serves boto3 (sync) and aiobotocore (async).

Each multi-step operation of this package (discovering pending runs, claiming a run...) is written
once, as a generator *plan* that yields :class:`AwsCall` values and receives each response. A
driver performs the calls: :func:`run_sync` with boto3 clients, :func:`run_async` with
aiobotocore clients (the deferrable sensor's trigger). AWS errors are thrown back into the plan at
the point of the call, so a plan handles the errors it expects (``ConditionalCheckFailed``...); any
other error leaves the driver as one readable :class:`~airflow_provider_snowplow.errors.AwsRequestError`
or :class:`~airflow_provider_snowplow.errors.ManifestTableError`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from airflow_provider_snowplow.errors import AwsRequestError, ManifestTableError, SnowplowProviderError

Service = Literal["s3", "dynamodb"]
Response = dict[str, Any]
T = TypeVar("T")
Plan = Generator["AwsCall | Pause", Response | None, T]

_ACCESS_DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
}


@dataclass(frozen=True)
class AwsCall:
    """One API call a plan wants made.

    Attributes:
        service: which client performs it.
        method: the boto3 client method, e.g. ``"batch_get_item"``.
        params: keyword arguments for that method.
        resource: what the call is about, for error messages: ``"bucket 'x'"``,
            ``"manifest table 'y'"``.
    """

    service: Service
    method: str
    params: dict[str, Any] = field(default_factory=dict)
    resource: str = ""


@dataclass(frozen=True)
class Pause:
    """A plan's request to wait before its next call (backoff, polling); the driver sleeps."""

    seconds: float


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ``ClientError`` (or anything shaped like one), else None."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code is not None else None
    return None


def _is_botocore_error(exc: BaseException) -> bool:
    return type(exc).__module__.startswith(("botocore", "aiobotocore", "boto3"))


def call_once(call: AwsCall) -> Plan[Response]:
    """A plan of a single call, for code that needs one request with the drivers' error messages."""
    response = yield call
    return response or {}


def describe_failure(call: AwsCall, exc: BaseException, region: str | None) -> SnowplowProviderError:
    """Turn a botocore exception into one line naming the call, the resource and the fix."""
    operation = "".join(part.title() for part in call.method.split("_"))
    code = error_code(exc) or type(exc).__name__
    where = f" in {region}" if region else ""
    if code == "ResourceNotFoundException" and call.service == "dynamodb":
        return ManifestTableError(
            f"{_table_named_by(call)} does not exist{where}; create it with "
            "SnowplowManifestHook(table_name=...).create_manifest_table() or "
            "`snowplow-manifest create-table`"
        )
    if code == "NoSuchBucket":
        return AwsRequestError(
            f"{call.resource} does not exist{where}: check the archive URL", code=code, operation=operation
        )
    if code in _ACCESS_DENIED:
        return AwsRequestError(
            f"access denied: {operation} on {call.resource}{where} ({code}); give the connection's "
            f"credentials {call.service}:{operation} on it (see the IAM policy in the README)",
            code=code,
            operation=operation,
        )
    message = getattr(exc, "response", {}).get("Error", {}).get("Message") or str(exc)
    return AwsRequestError(
        f"{operation} on {call.resource}{where} failed after retries: {code}: {message}",
        code=code,
        operation=operation,
    )


def _table_named_by(call: AwsCall) -> str:
    """The table a DynamoDB call addresses, for messages about a missing table."""
    params = call.params
    names = [params["TableName"]] if "TableName" in params else list(params.get("RequestItems", {}))
    for item in params.get("TransactItems", []):
        names.extend(op["TableName"] for op in item.values())
    return table_resource(names[0]) if names else call.resource


def table_resource(table_name: str) -> str:
    """How messages name a manifest table."""
    return f"manifest table {table_name!r}"


def _region(clients: Mapping[str, Any], service: str) -> str | None:
    meta = getattr(clients[service], "meta", None)
    return getattr(meta, "region_name", None)


def run_sync(plan: Plan[T], clients: Mapping[str, Any]) -> T:
    """Drive ``plan`` with boto3 clients keyed by service name (``"s3"``, ``"dynamodb"``)."""
    try:
        step = next(plan)
        while True:
            if isinstance(step, Pause):
                time.sleep(step.seconds)
                step = plan.send(None)
                continue
            try:
                response = _method(clients, step)(**step.params)
            except Exception as exc:
                step = _throw(plan, step, exc, clients)
            else:
                step = plan.send(response)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def run_async(plan: Plan[T], clients: Mapping[str, Any]) -> T:
    """Drive ``plan`` with aiobotocore clients keyed by service name; mirrors :func:`run_sync`."""
    try:
        step = next(plan)
        while True:
            if isinstance(step, Pause):
                await asyncio.sleep(step.seconds)
                step = plan.send(None)
                continue
            try:
                response = await _method(clients, step)(**step.params)
            except Exception as exc:
                step = _throw(plan, step, exc, clients)
            else:
                step = plan.send(response)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


def _method(clients: Mapping[str, Any], call: AwsCall) -> Any:
    return getattr(clients[call.service], call.method)


def _throw(plan: Plan[Any], call: AwsCall, exc: Exception, clients: Mapping[str, Any]) -> AwsCall | Pause:
    """Let the plan handle an AWS error; if it does not, raise the readable form instead.

    Errors that do not come from botocore (bugs, interrupts) pass through untouched.
    """
    if not _is_botocore_error(exc):
        raise exc
    try:
        return plan.throw(exc)
    except Exception as unhandled:
        if unhandled is exc:
            raise describe_failure(call, exc, _region(clients, call.service)) from exc
        raise
