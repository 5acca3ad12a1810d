"""From a botocore exception to one line that names the call, the resource and the fix."""

from __future__ import annotations

from airflow_provider_snowplow.aws.plans import AwsCall, error_code
from airflow_provider_snowplow.errors import AwsRequestError, ManifestTableError, SnowplowProviderError

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


def is_botocore_error(exc: BaseException) -> bool:
    """Whether ``exc`` comes from the AWS SDK (as opposed to a bug or an interrupt)."""
    return type(exc).__module__.startswith(("botocore", "aiobotocore", "boto3"))


def table_resource(table_name: str) -> str:
    """How messages name a manifest table."""
    return f"manifest table {table_name!r}"


def describe_failure(call: AwsCall, exc: BaseException, region: str | None) -> SnowplowProviderError:
    """Turn a botocore exception into one line naming the call, the resource and the fix."""
    operation = call.operation
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
