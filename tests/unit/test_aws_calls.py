"""The plan drivers: how AWS errors reach a plan, and how unhandled ones become readable."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from airflow_provider_snowplow.aws.plans import AwsCall, Pause, Plan, error_code
from airflow_provider_snowplow.aws.runners import run_async, run_sync
from airflow_provider_snowplow.errors import AwsRequestError, ManifestTableError


def client_error(code: str, message: str = "nope", operation: str = "GetItem") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


class Client:
    """Answers each method with the next scripted response (or raises it)."""

    def __init__(self, *responses: Any) -> None:
        self.responses = list(responses)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.meta = type("Meta", (), {"region_name": "eu-west-1"})()

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
            AwsRequestError,
            "access denied: PutItem on manifest table 't' in eu-west-1 (AccessDeniedException); give the "
            "connection's credentials dynamodb:PutItem",
        ),
        (
            client_error("ProvisionedThroughputExceededException", "slow down"),
            AwsRequestError,
            "PutItem on manifest table 't' in eu-west-1 failed after retries: "
            "ProvisionedThroughputExceededException: slow down",
        ),
        (
            EndpointConnectionError(endpoint_url="http://x"),
            AwsRequestError,
            "PutItem on manifest table 't' in eu-west-1 failed after retries: EndpointConnectionError",
        ),
    ],
)
def test_unhandled_errors_become_one_line_naming_call_and_resource(
    error: Exception, kind: type, message: str
) -> None:
    with pytest.raises(kind) as raised:
        run_sync(plan_that_handles_conflicts(), {"dynamodb": Client(error)})
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_errors_that_are_not_from_aws_pass_through_untouched() -> None:
    with pytest.raises(ZeroDivisionError):
        run_sync(plan_that_handles_conflicts(), {"dynamodb": Client(ZeroDivisionError())})
