"""Claims: exactly one winner under contention, leases that expire, and fenced recording."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import pytest

from airflow_provider_snowplow.errors import ClaimLostError
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing.archive import READY_WHEN_SEEDED
from airflow_provider_snowplow.testing.local_aws import LocalAws
from tests.dynamodb_local import DynamoDbLocal
from tests.support import both_dynamodb_backends

# Every claim test runs on moto and on DynamoDB Local, with the same assertions.
pytestmark = both_dynamodb_backends

RUN = "enriched/archive/run=2017-04-07-10-00-00/"
CLAIMERS = 16


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def manifest(aws: LocalAws, dynamodb, table: str, clock: FakeClock) -> LoadManifest:  # type: ignore[no-untyped-def]
    return LoadManifest(aws.client("s3"), dynamodb, table, clock=clock, readiness=READY_WHEN_SEEDED)


def test_sixteen_concurrent_claimers_have_exactly_one_winner_every_time(
    dynamodb_server: LocalAws | DynamoDbLocal, table: str
) -> None:
    managers = [LoadManifest(None, dynamodb_server.client("dynamodb"), table) for _ in range(CLAIMERS)]
    with ThreadPoolExecutor(CLAIMERS) as pool:
        for round_ in range(25):
            run = f"enriched/archive/run=2017-04-07-10-{round_ // 60:02d}-{round_ % 60:02d}/"
            start = threading.Barrier(CLAIMERS)

            def claim(index: int, run: str = run, start: threading.Barrier = start) -> Any:
                start.wait()
                return managers[index].claim_run(run, owner=f"dag/run-{index}")

            outcomes = list(pool.map(claim, range(CLAIMERS)))
            winners = [i for i, outcome in enumerate(outcomes) if outcome.won]
            assert len(winners) == 1, (round_, [o.status for o in outcomes])
            holder = f"dag/run-{winners[0]}"
            assert {o.claim.owner for o in outcomes if not o.won} == {holder}

            def mark(index: int, run: str = run) -> Any:
                try:
                    return managers[index].mark_loaded(run, claim_owner=f"dag/run-{index}")
                except ClaimLostError as lost:
                    return lost

            losers = [i for i in range(CLAIMERS) if i != winners[0]]
            assert all(isinstance(result, ClaimLostError) for result in pool.map(mark, losers))
            assert not managers[0].is_loaded(run), "a loser wrote 'loaded'"
            assert mark(winners[0]) is True
            record = managers[0].get_record(run)
            assert record is not None and managers[0].get_claim(run) is None


def test_an_expired_claim_is_taken_over_and_fences_out_its_old_owner(
    manifest: LoadManifest, clock: FakeClock
) -> None:
    first = manifest.claim_run(RUN, "dag/run-a", lease_seconds=60)
    assert first.won and first.claim is not None
    clock.now += 30
    held = manifest.claim_run(RUN, "dag/run-b", lease_seconds=60)
    assert held.status == "held" and held.claim is not None and held.claim.owner == "dag/run-a"
    clock.now += 31
    taken = manifest.claim_run(RUN, "dag/run-b", lease_seconds=60)
    assert taken.won
    with pytest.raises(ClaimLostError, match="lost"):
        manifest.renew_claim(first.claim, lease_seconds=60)
    with pytest.raises(ClaimLostError, match="claimed by 'dag/run-b', not by 'dag/run-a'"):
        manifest.mark_loaded(RUN, claim_owner="dag/run-a")
    assert not manifest.is_loaded(RUN)
    assert manifest.mark_loaded(RUN, loaded_by="dag/run-b/mark", claim_owner="dag/run-b") is True
    assert manifest.mark_loaded(RUN, claim_owner="dag/run-b") is False


def test_the_same_owner_reenters_its_claim_and_invalidates_the_old_token(manifest: LoadManifest) -> None:
    first = manifest.claim_run(RUN, "dag/run-a")
    retry = manifest.claim_run(RUN, "dag/run-a")
    assert first.won and retry.won and first.claim and retry.claim
    assert retry.claim.token != first.claim.token
    with pytest.raises(ClaimLostError):
        manifest.renew_claim(first.claim)
    renewed = manifest.renew_claim(retry.claim, lease_seconds=10)
    assert renewed.lease_expires_at == pytest.approx(manifest.clock() + 10)


def test_claiming_a_loaded_run_says_so_and_leaves_no_claim(manifest: LoadManifest) -> None:
    manifest.mark_loaded(RUN, loaded_by="elsewhere")
    outcome = manifest.claim_run(RUN, "dag/run-a")
    assert outcome.status == "recorded"
    assert outcome.record is not None and outcome.record.loaded_by == "elsewhere"
    assert manifest.get_claim(RUN) is None


def test_release_only_drops_our_own_claim(manifest: LoadManifest) -> None:
    outcome = manifest.claim_run(RUN, "dag/run-a")
    assert outcome.claim is not None
    assert manifest.release_claim(RUN, token="someone-else") is False
    assert manifest.release_claim(RUN, owner="dag/run-b") is False
    assert manifest.get_claim(RUN) is not None
    assert manifest.release_claim(RUN, token=outcome.claim.token) is True
    assert manifest.get_claim(RUN) is None


def context_for(dag_run_id: str) -> Any:
    """The two keys of an Airflow context that claims read."""
    return {"dag": SimpleNamespace(dag_id="dag"), "run_id": dag_run_id}


def test_claimed_run_releases_on_failure_keeps_on_success_and_renews_while_alive(
    aws_connection: str, manifest: LoadManifest, table: str
) -> None:
    from airflow.sdk.exceptions import AirflowSkipException

    from airflow_provider_snowplow.tasks.claimed_run import claimed_run

    manifest.clock = time.time
    with (
        pytest.raises(RuntimeError, match="boom"),
        claimed_run(RUN, table_name=table, context=context_for("r1")),
    ):
        assert manifest.get_claim(RUN) is not None
        raise RuntimeError("boom")
    assert manifest.get_claim(RUN) is None

    started = time.time()
    with claimed_run(RUN, table_name=table, lease_seconds=0.9, context=context_for("r1")) as claim:
        time.sleep(1.5)
    held = manifest.get_claim(RUN)
    assert held is not None and held.token == claim.token
    assert held.lease_expires_at > started + 1.5
    assert manifest.claim_run(RUN, "dag/r1", lease_seconds=600).won  # a retry of r1 re-enters

    with (
        pytest.raises(AirflowSkipException, match="is being processed by dag/r1 until"),
        claimed_run(RUN, table_name=table, context=context_for("r2")),
    ):
        raise AssertionError("a second DAG run must not enter")
    assert manifest.mark_loaded(RUN, claim_owner="dag/r1")
    with (
        pytest.raises(AirflowSkipException, match="already loaded"),
        claimed_run(RUN, table_name=table, context=context_for("r3")),
    ):
        raise AssertionError("a loaded run must not be processed again")
