"""The testing kit's ScriptedAws: it drives plans as the runners do, and refuses what AWS would refuse."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_snowplow.aws.plans import AwsCall, Pause, Plan, concurrently, error_code
from airflow_provider_snowplow.aws.runners import run_sync
from airflow_provider_snowplow.testing.plans import ScriptedAws, client_error


def listing(prefix: str) -> AwsCall:
    return AwsCall("s3", "list_objects_v2", {"Bucket": "b", "Prefix": prefix})


def count_keys(prefix: str) -> Plan[int]:
    page = yield listing(prefix)
    assert page is not None
    return int(page["KeyCount"])


def wait_then_count(prefixes: list[str]) -> Plan[list[int]]:
    yield Pause(5)
    return (yield from concurrently([count_keys(p) for p in prefixes], 4))


def test_sub_plans_are_driven_in_order_and_their_results_sent_back_as_a_list() -> None:
    aws = ScriptedAws([{"KeyCount": 1}, {"KeyCount": 2}, {"KeyCount": 3}])
    assert aws.run(wait_then_count(["a/", "b/", "c/"])) == [1, 2, 3]
    assert aws.outline == ["pause", "concurrently(3)", *["list_objects_v2"] * 3]
    assert [call.params["Prefix"] for call in aws.calls] == ["a/", "b/", "c/"]
    assert aws.unused == ()


def test_a_function_answers_each_call_from_the_call_itself() -> None:
    aws = ScriptedAws(lambda call: {"KeyCount": len(call.params["Prefix"])})
    assert aws.run(wait_then_count(["a/", "bb/"])) == [2, 3]


def test_an_exception_answer_is_raised_into_the_plan_at_its_call() -> None:
    def conditional_put() -> Plan[str]:
        try:
            yield AwsCall("dynamodb", "delete_item", {"TableName": "t", "Key": {"RunId": {"S": "r/"}}})
        except Exception as exc:
            return f"caught {error_code(exc)}"
        return "deleted"

    aws = ScriptedAws([client_error("ConditionalCheckFailedException", operation="DeleteItem")])
    assert aws.run(conditional_put()) == "caught ConditionalCheckFailedException"


def test_a_failing_sub_plan_fails_the_step_without_reaching_the_parent_plan() -> None:
    handled: list[BaseException] = []

    def parent() -> Plan[Any]:
        try:
            return (yield from concurrently([count_keys("a/"), count_keys("b/")], 2))
        except Exception as exc:  # the runners never throw a sub-plan's error here either
            handled.append(exc)
            raise

    aws = ScriptedAws([client_error("AccessDenied", operation="ListObjectsV2"), {"KeyCount": 1}])
    with pytest.raises(Exception, match="AccessDenied"):
        aws.run(parent())
    assert handled == [] and aws.outline == ["concurrently(2)", "list_objects_v2"], "b/ never started"
    assert len(aws.unused) == 1


def test_a_call_without_an_answer_fails_the_test_not_the_plan() -> None:
    def swallowing() -> Plan[str]:
        try:
            yield listing("a/")
        except Exception:
            return "swallowed"
        return "answered"

    with pytest.raises(AssertionError, match=r"call 1 of the plan, ListObjectsV2 .* has no answer"):
        ScriptedAws([]).run(swallowing())


@pytest.mark.parametrize(
    ("call", "refusal"),
    [
        (
            AwsCall("s3", "list_object_v2", {"Bucket": "b"}),
            "a boto3 s3 client has no method 'list_object_v2'",
        ),
        (AwsCall("s3", "list_objects_v2", {"Prefix": "p"}), 'Missing required parameter in input: "Bucket"'),
        (AwsCall("dynamodb", "get_item", {"TableName": "t", "Key": {"RunId": "r/"}}), "Invalid type"),
        (
            AwsCall("s3", "list_objects_v2", {"Bucket": "b", "MaxKeys": "1"}),
            "Invalid type for parameter MaxKeys",
        ),
    ],
)
def test_a_call_botocore_would_refuse_fails_the_test(call: AwsCall, refusal: str) -> None:
    def one_call() -> Plan[dict[str, Any] | None]:
        return (yield call)

    with pytest.raises(AssertionError, match=refusal):
        ScriptedAws([{}]).run(one_call())
    assert ScriptedAws([{}], validate=False).run(one_call()) == {}


def test_as_clients_it_answers_the_runners_and_records_their_calls() -> None:
    aws = ScriptedAws([{"KeyCount": 4}, {"KeyCount": 5}])
    clients = aws.clients(region_name="us-east-2")
    assert run_sync(concurrently([count_keys("a/"), count_keys("b/")], 1), clients) == [4, 5]
    assert [(call.service, call.method, call.params) for call in aws.calls] == [
        ("s3", "list_objects_v2", {"Bucket": "b", "Prefix": "a/"}),
        ("s3", "list_objects_v2", {"Bucket": "b", "Prefix": "b/"}),
    ]
    assert clients["dynamodb"].meta.region_name == "us-east-2"
