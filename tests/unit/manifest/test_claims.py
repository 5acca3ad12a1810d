"""Claims driven on scripted answers: the conditional writes they make, and how each answer reads.

Which writes DynamoDB lets through is DynamoDB's to decide (tests/integration/test_claims.py runs
them on moto and DynamoDB Local); these tests pin down the conditions the plans send, and what the
plans conclude from each answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from airflow_provider_snowplow.aws.plans import AwsCall, Plan
from airflow_provider_snowplow.errors import ClaimLostError
from airflow_provider_snowplow.manifest.claims import (
    ClaimOutcome,
    claim_run,
    release_claim,
    renew_claim,
)
from airflow_provider_snowplow.manifest.items import LOADED, Claim, RunRecord, claim_key, key, run_record
from airflow_provider_snowplow.testing.plans import ScriptedAws, client_error, requested_keys

RUN = "enriched/archive/run=2017-04-07-10-00-00/"
TABLE = "snowplow-load-manifests"
NOW = 1_700_000_000.0
LEASE = 600.0
ME = "snowplow_load_runs/manual__1"
OTHER = "snowplow_load_runs/manual__2"


HOLDER = Claim(RUN, OTHER, "their-token", NOW - 60, NOW + LEASE)


def condition_failed(operation: str, **response: Any) -> ClientError:
    return client_error(
        "ConditionalCheckFailedException", "The conditional request failed", operation, **response
    )


def put_claim(call: AwsCall) -> Claim:
    """The claim a ``PutItem`` writes."""
    return Claim.from_item(call.params["Item"])


def test_a_claim_is_won_with_a_conditional_put_and_a_check_for_a_record() -> None:
    aws = ScriptedAws([{}, {}])
    outcome = aws.run(claim_run(TABLE, RUN, ME, NOW, LEASE))

    put, get = aws.calls
    assert outcome == ClaimOutcome("claimed", claim=put_claim(put))
    assert outcome.won and outcome.claim is not None
    assert (outcome.claim.owner, outcome.claim.claimed_at, outcome.claim.lease_expires_at) == (
        ME,
        NOW,
        NOW + LEASE,
    )
    assert len(outcome.claim.token) == 32
    assert put.params["Item"]["RunId"] == {"S": claim_key(RUN)}
    # Ours again (a retry of the same DAG run), or nobody's live claim: DynamoDB decides, at ``now``.
    assert put.params["ConditionExpression"] == (
        "#owner = :owner OR attribute_not_exists(#key) OR NOT attribute_type(#lease, :number) OR #lease < :now"
    )
    assert put.params["ExpressionAttributeValues"] == {
        ":owner": {"S": ME},
        ":now": {"N": f"{NOW:.3f}"},
        ":number": {"S": "N"},
    }
    assert put.params["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
    assert (get.method, requested_keys(get), get.params["ConsistentRead"]) == ("get_item", [RUN], True)


def test_each_claim_gets_a_fresh_token() -> None:
    first, second = (ScriptedAws([{}, {}]).run(claim_run(TABLE, RUN, ME, NOW, LEASE)) for _ in range(2))
    assert first.claim is not None and second.claim is not None
    assert first.claim.token != second.claim.token


@pytest.mark.parametrize(
    ("answers", "outline"),
    [
        ([condition_failed("PutItem", Item=HOLDER.to_item())], ["put_item"]),
        # A failure that does not carry the item it failed on: the holder is read back.
        ([condition_failed("PutItem"), {"Item": HOLDER.to_item()}], ["put_item", "get_item"]),
    ],
    ids=["holder-in-the-error", "holder-read-back"],
)
def test_a_claim_held_by_another_owner_says_whose(answers: list[Any], outline: list[str]) -> None:
    aws = ScriptedAws(answers)
    assert aws.run(claim_run(TABLE, RUN, ME, NOW, LEASE)) == ClaimOutcome("held", claim=HOLDER)
    assert aws.outline == outline
    assert all(requested_keys(call) == [claim_key(RUN)] for call in aws.calls[1:])


def test_claiming_a_recorded_run_releases_the_claim_just_made() -> None:
    record = run_record(RUN, LOADED, NOW - 3600, OTHER)
    aws = ScriptedAws([{}, {"Item": record}, {}])
    outcome = aws.run(claim_run(TABLE, RUN, ME, NOW, LEASE))

    assert outcome == ClaimOutcome("recorded", record=RunRecord.from_item(record))
    put, _, delete = aws.calls
    assert (delete.method, delete.params["Key"]) == ("delete_item", key(claim_key(RUN)))
    assert delete.params["ExpressionAttributeValues"] == {":token": {"S": put_claim(put).token}}, "ours only"


def test_an_expired_lease_is_taken_over_and_its_old_owner_cannot_renew() -> None:
    stale = Claim(RUN, OTHER, "their-token", NOW - 2 * LEASE, NOW - LEASE)
    later = NOW + 1
    aws = ScriptedAws([{}, {}])
    taken = aws.run(claim_run(TABLE, RUN, ME, later, LEASE))
    assert taken.won and taken.claim is not None and taken.claim.token != stale.token
    # The lease ran out before the condition's :now, so DynamoDB lets the put replace it.
    assert stale.lease_expires_at < float(aws.calls[0].params["ExpressionAttributeValues"][":now"]["N"])

    refused = ScriptedAws([condition_failed("UpdateItem")])
    with pytest.raises(ClaimLostError, match=f"the claim of '{OTHER}' on run '{RUN}' .* was lost"):
        refused.run(renew_claim(TABLE, stale, later, LEASE))
    (update,) = refused.calls
    assert update.params["ConditionExpression"] == "#token = :token"
    assert update.params["ExpressionAttributeValues"][":token"] == {"S": stale.token}


def test_a_renewal_extends_the_lease_of_the_token_it_presents() -> None:
    mine = Claim(RUN, ME, "my-token", NOW - 60, NOW + 60)
    aws = ScriptedAws([{}])
    renewed = aws.run(renew_claim(TABLE, mine, NOW, LEASE))

    assert renewed == Claim(RUN, ME, "my-token", NOW - 60, NOW + LEASE)
    (update,) = aws.calls
    assert (update.method, update.params["Key"]) == ("update_item", key(claim_key(RUN)))
    assert update.params["UpdateExpression"] == "SET #lease = :expires"
    assert update.params["ExpressionAttributeValues"] == {
        ":expires": {"N": f"{NOW + LEASE:.3f}"},
        ":token": {"S": "my-token"},
    }


@pytest.mark.parametrize(
    ("holder", "condition", "values"),
    [
        (
            {"token": "my-token"},
            "attribute_not_exists(#key) OR #token = :token",
            {":token": {"S": "my-token"}},
        ),
        ({"owner": ME}, "attribute_not_exists(#key) OR #owner = :owner", {":owner": {"S": ME}}),
        ({}, None, None),
    ],
    ids=["by-token", "by-owner", "unconditional"],
)
def test_release_deletes_the_claim_only_while_it_is_the_holders(
    holder: dict[str, str], condition: str | None, values: dict[str, object] | None
) -> None:
    aws = ScriptedAws([{}])
    assert aws.run(release_claim(TABLE, RUN, **holder)) is True
    (delete,) = aws.calls
    assert (delete.method, delete.params["Key"]) == ("delete_item", key(claim_key(RUN)))
    assert delete.params.get("ConditionExpression") == condition
    assert delete.params.get("ExpressionAttributeValues") == values


def test_release_of_a_claim_someone_else_holds_deletes_nothing() -> None:
    aws = ScriptedAws([condition_failed("DeleteItem")])
    assert aws.run(release_claim(TABLE, RUN, token="my-old-token")) is False


@pytest.mark.parametrize(
    "plan",
    [
        lambda: claim_run(TABLE, RUN, ME, NOW, LEASE),
        lambda: renew_claim(TABLE, Claim(RUN, ME, "t", NOW, NOW + 1), NOW, LEASE),
        lambda: release_claim(TABLE, RUN, token="t"),
    ],
    ids=["claim", "renew", "release"],
)
def test_errors_other_than_a_failed_condition_are_not_read_as_one(plan: Callable[[], Plan[object]]) -> None:
    throttled = client_error("ProvisionedThroughputExceededException", "slow down", "PutItem")
    with pytest.raises(ClientError) as raised:
        ScriptedAws([throttled]).run(plan())
    assert raised.value is throttled
