"""Transactions DynamoDB cancels for a conflict are tried again; other cancellations are not.

Real DynamoDB cancels a TransactWriteItems with reason ``TransactionConflict`` when another request
changes one of its items at that moment (neither moto nor DynamoDB Local produce it), so these
tests drive the record plans directly, sans I/O: each AWS call is answered by the test.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from airflow_provider_snowplow.aws.plans import Pause
from airflow_provider_snowplow.errors import ClaimLostError
from airflow_provider_snowplow.manifest.conditions import TRANSACTION_ATTEMPTS
from airflow_provider_snowplow.manifest.items import claim_key, run_record
from airflow_provider_snowplow.manifest.records import record_run, skip_run
from airflow_provider_snowplow.testing.plans import ScriptedAws, client_error

RUN = "enriched/archive/run=2017-04-07-10-00-00/"
TABLE = "snowplow-load-manifests"


def cancelled(*reasons: str) -> ClientError:
    """A TransactionCanceledException as botocore raises it, one reason per item."""
    return client_error(
        "TransactionCanceledException",
        "Transaction cancelled",
        "TransactWriteItems",
        CancellationReasons=[{"Code": reason} for reason in reasons],
    )


def test_a_conflicted_mark_is_tried_again_and_records_the_run() -> None:
    plan = record_run(TABLE, run_record(RUN, "LOADED", 1_700_000_000.0, "dag/run"), "dag/run")
    aws = ScriptedAws([cancelled("TransactionConflict", "None"), {}])
    assert aws.run(plan) is True
    assert aws.outline == ["transact_write_items", "pause", "transact_write_items"]
    first, pause, second = aws.steps
    assert isinstance(pause, Pause) and 0 < pause.seconds <= 0.2
    assert first == second  # the same transaction, unchanged


def test_a_conflict_on_every_attempt_fails_with_the_cancellation() -> None:
    plan = record_run(TABLE, run_record(RUN, "LOADED", 1_700_000_000.0, "dag/run"), "dag/run")
    aws = ScriptedAws([cancelled("None", "TransactionConflict") for _ in range(TRANSACTION_ATTEMPTS)])
    with pytest.raises(ClientError, match="TransactionCanceledException"):
        aws.run(plan)
    assert aws.outline.count("transact_write_items") == TRANSACTION_ATTEMPTS, "every attempt was made"
    assert aws.outline.count("pause") == TRANSACTION_ATTEMPTS - 1, "none after the last"


def test_a_failed_condition_is_not_tried_again_the_claim_was_lost() -> None:
    plan = record_run(TABLE, run_record(RUN, "LOADED", 1_700_000_000.0, "dag/run"), "dag/run")
    holder = {"Item": {"RunId": {"S": claim_key(RUN)}, "ClaimOwner": {"S": "dag/other"}}}
    with pytest.raises(ClaimLostError, match="claimed by 'dag/other'"):
        ScriptedAws([cancelled("None", "ConditionalCheckFailed"), holder]).run(plan)


def test_a_conflicted_skip_is_tried_again() -> None:
    aws = ScriptedAws([cancelled("TransactionConflict"), {}])
    assert aws.run(skip_run(TABLE, RUN, 1_700_000_000.0, "me")) == "skipped"
    assert aws.outline == ["transact_write_items", "pause", "transact_write_items"]
