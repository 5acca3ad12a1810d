"""The documented IAM policy grants exactly what the package calls, and no secret leaks into logs or XComs."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_snowplow.testing.archive import Archive
from airflow_provider_snowplow.testing.local_aws import LocalAws
from tests.integration.airflow_runs import run_dag
from tests.support import REPO

POLICY = json.loads((REPO / "docs" / "iam-policy.json").read_text())
# What the Airflow connection needs to hand runs to EMR Serverless (besides iam:PassRole on the job role).
EMR_SUBMIT_POLICY = json.loads((REPO / "docs" / "iam-emr-serverless-submit.json").read_text())
# boto3 client method (or the operation the local endpoint names) -> the IAM actions it needs.
ACTIONS = {
    "list_objects_v2": {"s3:ListBucket"},
    "get_object": {"s3:GetObject"},
    "upload_fileobj": {"s3:PutObject", "s3:AbortMultipartUpload"},
    "s3:ListObjectsV2": {"s3:ListBucket"},
    "s3:GetObject": {"s3:GetObject"},
    "s3:PutObject": {"s3:PutObject"},
    "s3:MultipartUpload": {"s3:PutObject", "s3:AbortMultipartUpload"},
    # the transactions: record + release a claim, and record unless claimed (skip)
    "transact_write_items": {"dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"},
    "dynamodb:TransactWriteItems": {"dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"},
}


def iam_actions(call: str) -> set[str]:
    """IAM actions of an operation (``dynamodb:Scan``) or a ``service:boto3_method`` name."""
    service, _, operation = call.partition(":")
    if call in ACTIONS or operation in ACTIONS:
        return ACTIONS.get(call) or ACTIONS[operation]
    if operation.islower():  # a boto3 method: batch_get_item -> BatchGetItem
        operation = "".join(part.title() for part in operation.split("_"))
    return {f"{service}:{operation}"}


def policy_actions(policy: dict[str, Any] = POLICY) -> set[str]:
    return {action for statement in policy["Statement"] for action in statement["Action"]}


def calls_in_package() -> set[str]:
    """Every ``service:boto3_method`` the package's code asks for, read from its ``AwsCall(...)``s."""
    methods = set()
    for path in (REPO / "airflow_provider_snowplow").rglob("*.py"):
        if "testing" in path.relative_to(REPO).parts:  # the kit replays the calls of plans; it asks none
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "AwsCall":
                service, method = (arg.value for arg in node.args[:2])  # type: ignore[attr-defined]
                assert service in ("s3", "dynamodb", "emr-serverless"), path
                methods.add(f"{service}:{method}")
    return methods


def test_the_policies_name_exactly_the_actions_of_the_code() -> None:
    needed = set().union(*(iam_actions(method) for method in calls_in_package()))
    emr = {action for action in needed if action.startswith("emr-serverless:")}
    assert needed - emr == policy_actions()
    assert emr | {"iam:PassRole"} == policy_actions(EMR_SUBMIT_POLICY)


def test_a_pipeline_run_needs_nothing_outside_the_policy_and_leaks_no_secret(
    aws: LocalAws, dag_env: Archive, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    secret, token = "wJalrXUtnFEMI-K7MDENG-snowplow-secret", "FwoGZXIvYXdzEJr-session-token-snowplow"
    conn = {
        "conn_type": "aws",
        "login": "AKIASNOWPLOWTEST",
        "password": secret,
        "extra": {"endpoint_url": aws.endpoint_url, "region_name": "us-east-1", "aws_session_token": token},
    }
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", json.dumps(conn))
    for day in (1, 2):
        dag_env.add_run(f"2017-04-0{day}-10-00-00", {"part-00000": b"not an event\n"})
    aws.request_counts(reset=True)
    outcome = run_dag("snowplow_load_runs")
    assert outcome.labels("load_run.mark_loaded") == [
        dag_env.run_id("2017-04-01-10-00-00"),
        dag_env.run_id("2017-04-02-10-00-00"),
    ]
    used = set().union(*(iam_actions(operation) for operation in aws.request_counts()))
    assert used <= policy_actions(), used - policy_actions()

    captured = capfd.readouterr()
    assert "Marked run" in captured.out + captured.err, "the task logs were not captured"
    logs = [captured.out, captured.err, repr(outcome.xcoms)]
    logs += [p.read_text(errors="replace") for p in Path(os.environ["AIRFLOW_HOME"]).rglob("*.log")]
    for text in logs:
        assert secret not in text and token not in text
        assert "X-Amz-Signature" not in text, "a presigned URL was logged"
