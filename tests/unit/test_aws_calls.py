"""The plan drivers: how AWS errors reach a plan, and how unhandled ones become readable."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from airflow_provider_snowplow.aws.plans import AwsCall, Pause, Plan, error_code
from airflow_provider_snowplow.aws.runners import run_async, run_sync
from airflow_provider_snowplow.errors import (
    AwsCredentialsError,
    AwsEndpointError,
    AwsPermissionError,
    AwsRequestError,
    AwsThrottledError,
    ManifestTableError,
)


def client_error(
    code: str, message: str = "nope", operation: str = "GetItem", retries: int = 0, status: int = 400
) -> ClientError:
    metadata: Any = {"RetryAttempts": retries, "HTTPStatusCode": status}
    return ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": metadata}, operation)


class Client:
    """Answers each method with the next scripted response (or raises it)."""

    def __init__(self, *responses: Any) -> None:
        self.responses = list(responses)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.meta = type("Meta", (), {"region_name": "eu-west-1", "endpoint_url": "http://127.0.0.1:9"})()

    def __getattr__(self, method: str) -> Any:
        def call(**params: Any) -> Any:
            self.calls.append((method, params))
            response = self.responses.pop(0)
            if isinstance(response, Exception):
                raise response
            return response

        return call


class AsyncClient(Client):
    def __getattr__(self, method: str) -> Any:
        sync = super().__getattr__(method)

        async def call(**params: Any) -> Any:
            return sync(**params)

        return call


def plan_that_handles_conflicts() -> Plan[str]:
    try:
        yield AwsCall("dynamodb", "put_item", {"TableName": "t"}, "manifest table 't'")
    except Exception as exc:
        if error_code(exc) != "ConditionalCheckFailedException":
            raise
        yield Pause(0)
        response = yield AwsCall("dynamodb", "get_item", {"TableName": "t"}, "manifest table 't'")
        assert response is not None
        return f"conflict, then {response['Item']}"
    return "written"


@pytest.mark.parametrize("driver", ["sync", "async"])
def test_a_plan_sees_the_errors_it_expects(driver: str) -> None:
    responses = (client_error("ConditionalCheckFailedException"), {"Item": "x"})
    if driver == "sync":
        result = run_sync(plan_that_handles_conflicts(), {"dynamodb": Client(*responses)})
    else:
        result = asyncio.run(run_async(plan_that_handles_conflicts(), {"dynamodb": AsyncClient(*responses)}))
    assert result == "conflict, then x"


@pytest.mark.parametrize(
    ("error", "kind", "message"),
    [
        (
            client_error("ResourceNotFoundException"),
            ManifestTableError,
            "manifest table 't' does not exist in eu-west-1; create it with",
        ),
        (
            client_error("AccessDeniedException", operation="PutItem"),
            AwsPermissionError,
            "access denied: PutItem on manifest table 't' in eu-west-1 (AccessDeniedException); give the "
            "connection's credentials dynamodb:PutItem",
        ),
        (
            client_error("ProvisionedThroughputExceededException", "slow down", retries=7),
            AwsThrottledError,
            "PutItem on manifest table 't' in eu-west-1 was throttled after 7 retries "
            "(ProvisionedThroughputExceededException): retry later, or raise the table's capacity",
        ),
        (
            client_error("ValidationException", "One or more parameter values were invalid"),
            AwsRequestError,
            "PutItem on manifest table 't' in eu-west-1 failed: ValidationException: One or more parameter "
            "values were invalid",
        ),
        (
            client_error("InternalServerError", "try again", retries=1, status=500),
            AwsRequestError,
            "PutItem on manifest table 't' in eu-west-1 failed after 1 retry: InternalServerError: try again",
        ),
        (
            NoCredentialsError(),
            AwsCredentialsError,
            "no AWS credentials for PutItem on manifest table 't' in eu-west-1 (NoCredentialsError): give the "
            "Airflow connection a key pair or a role, or set AWS_ACCESS_KEY_ID",
        ),
        (
            client_error(
                "UnrecognizedClientException", "The security token included in the request is invalid"
            ),
            AwsCredentialsError,
            "AWS rejected the credentials for PutItem on manifest table 't' in eu-west-1 "
            "(UnrecognizedClientException): check the access key",
        ),
        (
            EndpointConnectionError(endpoint_url="http://x"),
            AwsEndpointError,
            "cannot reach http://127.0.0.1:9 for PutItem on manifest table 't' in eu-west-1 "
            "(EndpointConnectionError): check the endpoint URL, the region and the network",
        ),
        (
            client_error(
                "500",
                "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>",
                retries=4,
                status=500,
            ),
            AwsEndpointError,
            "PutItem on manifest table 't' in eu-west-1 failed after 4 retries: http://127.0.0.1:9 answered "
            "HTTP 500 with a page that is not an AWS error: check the endpoint URL and the region",
        ),
    ],
)
def test_unhandled_errors_become_one_line_naming_call_and_resource(
    error: Exception, kind: type, message: str
) -> None:
    with pytest.raises(kind) as raised:
        run_sync(plan_that_handles_conflicts(), {"dynamodb": Client(error)})
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value) and "<" not in str(raised.value), "one line, no page pasted"
    assert ("after" in str(raised.value)) == bool(
        getattr(error, "response", {}).get("ResponseMetadata", {}).get("RetryAttempts")
    )


def test_a_misspelt_region_is_named_in_the_error() -> None:
    client = Client(EndpointConnectionError(endpoint_url="https://dynamodb.us-eest-1.amazonaws.com/"))
    client.meta.region_name = "us-eest-1"
    with pytest.raises(AwsEndpointError) as raised:
        run_sync(plan_that_handles_conflicts(), {"dynamodb": client})
    assert str(raised.value).endswith("; region 'us-eest-1' is not one botocore knows: check its spelling")


def test_errors_that_are_not_from_aws_pass_through_untouched() -> None:
    with pytest.raises(ZeroDivisionError):
        run_sync(plan_that_handles_conflicts(), {"dynamodb": Client(ZeroDivisionError())})
