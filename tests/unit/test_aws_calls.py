"""The plan drivers: how AWS errors reach a plan, and how unhandled ones become readable."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError, NoCredentialsError

from airflow_provider_snowplow.aws.plans import AwsCall, Concurrently, Pause, Plan, concurrently, error_code
from airflow_provider_snowplow.aws.runners import run_async, run_sync
from airflow_provider_snowplow.errors import (
    AwsCredentialsError,
    AwsEndpointError,
    AwsPermissionError,
    AwsRequestError,
    AwsThrottledError,
    ManifestTableError,
)
from airflow_provider_snowplow.testing.plans import ScriptedAws, client_error

ENDPOINT = "http://127.0.0.1:9"
ITEM = {"RunId": {"S": "enriched/archive/run=2017-04-07-10-00-00/"}}


def plan_that_handles_conflicts() -> Plan[str]:
    try:
        yield AwsCall("dynamodb", "put_item", {"TableName": "t", "Item": ITEM}, "manifest table 't'")
    except Exception as exc:
        if error_code(exc) != "ConditionalCheckFailedException":
            raise
        yield Pause(0)
        response = yield AwsCall(
            "dynamodb", "get_item", {"TableName": "t", "Key": ITEM}, "manifest table 't'"
        )
        assert response is not None
        return f"conflict, then {response['Item']}"
    return "written"


@pytest.mark.parametrize("driver", ["sync", "async"])
def test_a_plan_sees_the_errors_it_expects(driver: str) -> None:
    aws = ScriptedAws([client_error("ConditionalCheckFailedException"), {"Item": "x"}])
    if driver == "sync":
        result = run_sync(plan_that_handles_conflicts(), aws.clients())
    else:
        result = asyncio.run(run_async(plan_that_handles_conflicts(), aws.async_clients()))
    assert result == "conflict, then x"
    assert aws.outline == ["put_item", "get_item"]


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
        run_sync(plan_that_handles_conflicts(), ScriptedAws([error]).clients(endpoint_url=ENDPOINT))
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value) and "<" not in str(raised.value), "one line, no page pasted"
    assert ("after" in str(raised.value)) == bool(
        getattr(error, "response", {}).get("ResponseMetadata", {}).get("RetryAttempts")
    )


def test_a_misspelt_region_is_named_in_the_error() -> None:
    aws = ScriptedAws([EndpointConnectionError(endpoint_url="https://dynamodb.us-eest-1.amazonaws.com/")])
    with pytest.raises(AwsEndpointError) as raised:
        run_sync(plan_that_handles_conflicts(), aws.clients(region_name="us-eest-1"))
    assert str(raised.value).endswith("; region 'us-eest-1' is not one botocore knows: check its spelling")


def test_errors_that_are_not_from_aws_pass_through_untouched() -> None:
    with pytest.raises(ZeroDivisionError):
        run_sync(plan_that_handles_conflicts(), ScriptedAws([ZeroDivisionError()]).clients())


def listing(key: str) -> Plan[str]:
    response = yield AwsCall("s3", "list_objects_v2", {"Bucket": "b", "Prefix": key}, f"run {key!r}")
    assert response is not None
    return f"{key}:{response['KeyCount']}"


def plan_of_listings(keys: list[str], limit: int) -> Plan[list[str]]:
    return (yield from concurrently([listing(key) for key in keys], limit))


class ThrottledClient:
    """Answers ``list_objects_v2`` only once ``parties`` calls are in flight together; counts them."""

    def __init__(self, parties: int, fail_on: str = "") -> None:
        self.barrier = threading.Barrier(parties, timeout=60)
        self.lock = threading.Lock()
        self.in_flight = self.most_in_flight = 0
        self.calls: list[str] = []
        self.fail_on = fail_on
        self.meta = type("Meta", (), {"region_name": "eu-west-1"})()

    def list_objects_v2(self, Bucket: str, Prefix: str) -> dict[str, Any]:
        with self.lock:
            self.calls.append(Prefix)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        if Prefix == self.fail_on:
            raise client_error("AccessDenied", operation="ListObjectsV2")
        self.barrier.wait()
        with self.lock:
            self.in_flight -= 1
        return {"KeyCount": len(Prefix)}


class AsyncThrottledClient:
    def __init__(self, parties: int) -> None:
        self.barrier = asyncio.Barrier(parties)
        self.in_flight = self.most_in_flight = 0
        self.meta = type("Meta", (), {"region_name": "eu-west-1"})()

    async def list_objects_v2(self, Bucket: str, Prefix: str) -> dict[str, Any]:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.wait_for(self.barrier.wait(), timeout=60)
        self.in_flight -= 1
        return {"KeyCount": len(Prefix)}


def test_sync_runner_runs_sub_plans_on_threads_with_a_bound_in_flight() -> None:
    keys = [f"run-{i}/" for i in range(9)]
    client = ThrottledClient(parties=3)
    results = run_sync(plan_of_listings(keys, limit=3), {"s3": client})
    assert results == [f"{key}:{len(key)}" for key in keys], "results come back in the order asked"
    assert client.most_in_flight == 3  # the barrier of 3 passed, and never more than 3 at once


def test_async_runner_runs_sub_plans_as_tasks_with_a_bound_in_flight() -> None:
    keys = [f"run-{i}/" for i in range(8)]
    client = AsyncThrottledClient(parties=4)
    results = asyncio.run(run_async(plan_of_listings(keys, limit=4), {"s3": client}))
    assert results == [f"{key}:{len(key)}" for key in keys]
    assert client.most_in_flight == 4


def test_a_limit_of_one_runs_sub_plans_one_after_another() -> None:
    aws = ScriptedAws([{"KeyCount": 1}, {"KeyCount": 2}])
    assert run_sync(plan_of_listings(["a/", "b/"], limit=1), aws.clients()) == ["a/:1", "b/:2"]
    assert [call.params["Prefix"] for call in aws.calls] == ["a/", "b/"]
    with pytest.raises(ValueError, match="a limit of 1 or more"):
        Concurrently((), 0)


def test_a_failing_sub_plan_fails_the_whole_step_readably() -> None:
    keys = [f"run-{i}/" for i in range(6)]
    client = ThrottledClient(parties=1, fail_on="run-0/")
    with pytest.raises(AwsRequestError) as raised:
        run_sync(plan_of_listings(keys, limit=2), {"s3": client})
    assert str(raised.value).startswith("access denied: ListObjectsV2 on run 'run-0/' in eu-west-1")


def test_a_failing_sub_plan_fails_the_async_step_too() -> None:
    aws = ScriptedAws([client_error("NoSuchBucket", operation="ListObjectsV2"), {"KeyCount": 1}])
    with pytest.raises(AwsRequestError, match="run 'a/' does not exist in eu-west-1"):
        asyncio.run(run_async(plan_of_listings(["a/", "b/"], limit=2), aws.async_clients()))
