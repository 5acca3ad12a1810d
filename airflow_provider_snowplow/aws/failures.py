"""From a botocore exception to one line that names the call, the resource and the fix.

Failures fall into a few kinds, each with its own fix and its own exception
(:mod:`airflow_provider_snowplow.errors`): credentials (none found, or rejected), permissions,
the endpoint (unreachable, or answering with something that is not AWS, as a local endpoint does
for an unknown region), throttling, and "not found". A message says "after N retries" only when
botocore's response metadata says it retried; a response body that is a web page is never pasted.

Works on exception and class names, so that importing it (as every core module does) loads no
botocore.
"""

from __future__ import annotations

from airflow_provider_snowplow.aws.plans import AwsCall, error_code
from airflow_provider_snowplow.errors import (
    AwsCredentialsError,
    AwsEndpointError,
    AwsNotFoundError,
    AwsPermissionError,
    AwsRequestError,
    AwsThrottledError,
    ManifestTableError,
    SnowplowProviderError,
)

_NO_CREDENTIALS = {
    "NoCredentialsError",
    "PartialCredentialsError",
    "CredentialRetrievalError",
    "NoAuthTokenError",
    "TokenRetrievalError",
    "SSOTokenLoadError",
    "UnauthorizedSSOTokenError",
}
_REJECTED_CREDENTIALS = {
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
    "IncompleteSignature",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "MissingAuthenticationToken",
    "MissingAuthenticationTokenException",
}
_ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "AllAccessDisabled", "AuthorizationError"}
_THROTTLED = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "TooManyRequestsException",
    "LimitExceededException",
}
_UNREACHABLE = {
    "EndpointConnectionError",
    "ConnectTimeoutError",
    "ConnectionClosedError",
    "ReadTimeoutError",
    "ProxyConnectionError",
    "SSLError",
    "ConnectionError",
    "HTTPClientError",
}
_MESSAGE_CHARACTERS = 300


def is_botocore_error(exc: BaseException) -> bool:
    """Whether ``exc`` comes from the AWS SDK (as opposed to a bug or an interrupt)."""
    return type(exc).__module__.startswith(("botocore", "aiobotocore", "boto3"))


def table_resource(table_name: str) -> str:
    """How messages name a manifest table."""
    return f"manifest table {table_name!r}"


def retry_count(exc: BaseException) -> int:
    """How many times botocore retried before raising ``exc`` (0 when it did not say)."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return 0
    retries = response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
    return retries if isinstance(retries, int) else 0


def describe_failure(
    call: AwsCall, exc: BaseException, region: str | None, endpoint_url: str | None = None
) -> SnowplowProviderError:
    """Turn a botocore exception into one line naming the call, the resource and the fix.

    Args:
        call: the call that failed.
        exc: what botocore raised.
        region: the client's region, named in the message.
        endpoint_url: the client's endpoint, named when it could not be reached.
    """
    operation = call.operation
    code = error_code(exc) or type(exc).__name__
    names = {code, *(cls.__name__ for cls in type(exc).__mro__)}
    where = f" in {region}" if region else ""
    retries = retry_count(exc)
    after = f" after {retries} {'retry' if retries == 1 else 'retries'}" if retries else ""
    what = f"{operation} on {call.resource}{where}"

    def error(kind: type[AwsRequestError], message: str) -> AwsRequestError:
        return kind(message, code=code, operation=operation, retries=retries)

    if code == "ResourceNotFoundException" and call.service == "dynamodb":
        return ManifestTableError(
            f"{_table_named_by(call)} does not exist{where}; create it with "
            "SnowplowManifestHook(table_name=...).create_manifest_table() or "
            "`snowplow-manifest create-table`"
        )
    if code == "NoSuchBucket":
        return error(
            AwsNotFoundError, f"{call.resource} does not exist{where}: check the bucket name in the URL"
        )
    if code == "NoSuchKey":
        return error(AwsNotFoundError, f"{call.resource} does not exist{where} (it was deleted meanwhile?)")
    if names & _NO_CREDENTIALS:
        return error(
            AwsCredentialsError,
            f"no AWS credentials for {what} ({code}): give the Airflow connection a key pair or a role, or "
            "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or a profile (AWS_PROFILE, --profile); a local "
            "endpoint needs them too, with any values",
        )
    if code in _REJECTED_CREDENTIALS:
        return error(
            AwsCredentialsError,
            f"AWS rejected the credentials for {what} ({code}): check the access key, the secret "
            "and the session token (expired?), and that they belong to this account" + _region_hint(region),
        )
    if code in _ACCESS_DENIED:
        return error(
            AwsPermissionError,
            f"access denied: {what} ({code}); give the connection's credentials "
            f"{call.service}:{operation} on it (see the IAM policy, docs/iam-policy.json)",
        )
    if names & _THROTTLED:
        fix = (
            "raise the table's capacity (or switch it to on-demand)"
            if call.service == "dynamodb"
            else "spread the load (S3 limits requests per prefix)"
        )
        return error(AwsThrottledError, f"{what} was throttled{after} ({code}): retry later, or {fix}")
    if names & _UNREACHABLE:
        return error(
            AwsEndpointError,
            f"cannot reach {endpoint_url or 'the AWS endpoint'} for {what}{after} ({code}): check the "
            "endpoint URL, the region and the network" + _region_hint(region),
        )
    status = getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
    message = _one_line(getattr(exc, "response", {}).get("Error", {}).get("Message") or str(exc))
    if message.startswith("<") or code.isdigit():
        return error(
            AwsEndpointError,
            f"{what} failed{after}: {endpoint_url or 'the endpoint'} answered HTTP {status or code} "
            "with a page that is not an AWS error: check the endpoint URL and the region"
            + _region_hint(region),
        )
    return error(AwsRequestError, f"{what} failed{after}: {code}: {message}")


def _one_line(message: str) -> str:
    """An AWS error message on one line, cut short if it is long."""
    text = " ".join(message.split())
    return text if len(text) <= _MESSAGE_CHARACTERS else text[: _MESSAGE_CHARACTERS - 3] + "..."


def _region_hint(region: str | None) -> str:
    """``; region 'x' is not one botocore knows ...`` for a misspelt region, else nothing."""
    if not region:
        return ""
    import botocore.session  # only on the way to an error: botocore is loaded by then anyway

    session = botocore.session.get_session()
    known = {
        name
        for partition in session.get_available_partitions()
        for name in session.get_available_regions("dynamodb", partition)
    }
    if region in known:
        return ""
    return f"; region {region!r} is not one botocore knows: check its spelling"


def _table_named_by(call: AwsCall) -> str:
    """The table a DynamoDB call addresses, for messages about a missing table."""
    params = call.params
    names = [params["TableName"]] if "TableName" in params else list(params.get("RequestItems", {}))
    for item in params.get("TransactItems", []):
        names.extend(op["TableName"] for op in item.values())
    return table_resource(names[0]) if names else call.resource
