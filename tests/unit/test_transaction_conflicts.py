"""Transactions DynamoDB cancels for a conflict are tried again; other cancellations are not.

Real DynamoDB cancels a TransactWriteItems with reason ``TransactionConflict`` when another request
changes one of its items at that moment (neither moto nor DynamoDB Local produce it), so these
tests drive the record plans directly, sans I/O: each AWS call is answered by the test.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_snowplow.aws.plans import AwsCall, Pause, Plan
from airflow_provider_snowplow.errors import ClaimLostError
from airflow_provider_snowplow.manifest.conditions import TRANSACTION_ATTEMPTS
from airflow_provider_snowplow.manifest.items import claim_key, run_record
from airflow_provider_snowplow.manifest.records import record_run, skip_run

RUN = "enriched/archive/run=2017-04-07-10-00-00/"
TABLE = "snowplow-load-manifests"


def cancelled(*reasons: str) -> ClientError:
    """A TransactionCanceledException as botocore raises it, one reason per item."""
    response: Any = {
        "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
        "CancellationReasons": [{"Code": reason} for reason in reasons],
    }
    return ClientError(response, "TransactWriteItems")


def drive(plan: Plan[Any], answers: list[Any]) -> tuple[list[Any], Any]:
    """Run ``plan``, answering its calls with ``answers`` in turn (raised when exceptions).

    Returns:
        Every step the plan took (calls and pauses) and its result.
    """
    steps: list[Any] = []
    try:
        step = next(plan)
        while True:
            steps.append(step)
            if isinstance(step, Pause):
                step = plan.send(None)
                continue
            answer = answers.pop(0)
            step = plan.throw(answer) if isinstance(answer, Exception) else plan.send(answer)
    except StopIteration as done:
        return steps, done.value


def calls(steps: list[Any]) -> list[str]:
    return [step.method if isinstance(step, AwsCall) else "pause" for step in steps]


def test_a_conflicted_mark_is_tried_again_and_records_the_run() -> None:
    plan = record_run(TABLE, run_record(RUN, "LOADED", 1_700_000_000.0, "dag/run"), "dag/run")
    steps, recorded = drive(plan, [cancelled("TransactionConflict", "None"), {}])
    assert recorded is True
    assert calls(steps) == ["transact_write_items", "pause", "transact_write_items"]
    assert steps[0].params == steps[2].params  # the same transaction, unchanged
    assert 0 < steps[1].seconds <= 0.2


def test_a_conflict_on_every_attempt_fails_with_the_cancellation() -> None:
    plan = record_run(TABLE, run_record(RUN, "LOADED", 1_700_000_000.0, "dag/run"), "dag/run")
    conflicts = [cancelled("None", "TransactionConflict") for _ in range(TRANSACTION_ATTEMPTS)]
    with pytest.raises(ClientError, match="TransactionCanceledException"):
        drive(plan, conflicts)
    assert conflicts == [], "every attempt was made"


def test_a_failed_condition_is_not_tried_again_the_claim_was_lost() -> None:
    plan = record_run(TABLE, run_record(RUN, "LOADED", 1_700_000_000.0, "dag/run"), "dag/run")
    holder = {"Item": {"RunId": {"S": claim_key(RUN)}, "ClaimOwner": {"S": "dag/other"}}}
    with pytest.raises(ClaimLostError, match="claimed by 'dag/other'"):
        drive(plan, [cancelled("None", "ConditionalCheckFailed"), holder])


def test_a_conflicted_skip_is_tried_again() -> None:
    steps, outcome = drive(
        skip_run(TABLE, RUN, 1_700_000_000.0, "me"), [cancelled("TransactionConflict"), {}]
    )
    assert outcome == "skipped"
    assert calls(steps) == ["transact_write_items", "pause", "transact_write_items"]
