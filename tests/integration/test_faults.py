"""Throttling, server errors, lost responses and timeouts between us and AWS: nothing lost, nothing doubled."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.config import Config

from airflow_provider_snowplow.errors import AwsRequestError
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.manifest.conditions import TRANSACTION_ATTEMPTS
from airflow_provider_snowplow.manifest.discovery import RunDiscovery
from airflow_provider_snowplow.testing.archive import READY_WHEN_SEEDED, Archive, seed_sdk_records
from airflow_provider_snowplow.testing.local_aws import LocalAws
from tests.fault_proxy import FaultProxy

RUNS, LOADED = 350, 340


@pytest.fixture
def proxy(aws: LocalAws) -> Iterator[FaultProxy]:
    with FaultProxy(aws.endpoint_url) as fault_proxy:
        yield fault_proxy


def client(proxy: FaultProxy, service: str, attempts: int = 10) -> Any:
    config = Config(retries={"mode": "standard", "max_attempts": attempts}, connect_timeout=1, read_timeout=1)
    return boto3.client(service, endpoint_url=proxy.endpoint_url, region_name="us-east-1", config=config)  # type: ignore[call-overload]


def via(proxy: FaultProxy, table: str, attempts: int = 10) -> LoadManifest:
    return LoadManifest(
        client(proxy, "s3", attempts), client(proxy, "dynamodb", attempts), table, readiness=READY_WHEN_SEEDED
    )


@pytest.fixture
def seeded(archive: Archive, dynamodb, table: str) -> list[str]:  # type: ignore[no-untyped-def]
    runs = archive.add_runs(RUNS)
    seed_sdk_records(dynamodb, table, runs[:LOADED])
    return runs


def fingerprint(found: RunDiscovery) -> tuple[Any, ...]:
    return (found.pending, found.loaded, found.run_count, found.archived, [c.run_id for c in found.claimed])


FAULTS: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "BatchGetItem throttled": [
        ("dynamodb:BatchGetItem", "error", {"times": 3, "code": "ProvisionedThroughputExceededException"})
    ],
    "BatchGetItem leaves keys unprocessed": [("dynamodb:BatchGetItem", "unprocessed", {"keep": 0.5})],
    "DescribeTable throttled": [
        ("dynamodb:DescribeTable", "error", {"times": 2, "code": "ThrottlingException"})
    ],
    "S3 SlowDown and 500s": [
        ("s3:ListObjectsV2", "error", {"times": 2, "status": 503, "code": "SlowDown"}),
        ("s3:ListObjectsV2", "error", {"every": 3, "status": 500, "code": "InternalError"}),
    ],
    "connection resets": [
        ("s3:ListObjectsV2", "reset", {"every": 4}),
        ("dynamodb:BatchGetItem", "reset", {"times": 2}),
    ],
    "read timeouts": [("dynamodb:BatchGetItem", "stall", {"times": 1, "seconds": 2.5})],
}


def reaches(how: str, operation: str) -> bool:
    """Whether discovery in mode ``how`` makes this request (a scan reads no item by key)."""
    return how == "batch_get" or operation != "dynamodb:BatchGetItem"


# only the cases where at least one fault is on a request the mode makes
CASES = [
    pytest.param(how, faults, id=f"{how}-{name}")
    for name, faults in FAULTS.items()
    for how in ("batch_get", "scan")
    if any(reaches(how, operation) for operation, _, _ in faults)
]


@pytest.mark.parametrize(("how", "faults"), CASES)
def test_discovery_finds_exactly_the_right_runs_under_faults(
    how: str,
    faults: list[tuple[str, str, dict[str, Any]]],
    proxy: FaultProxy,
    seeded: list[str],
    archive: Archive,
    table: str,
) -> None:
    expected = via(proxy, table).find_pending_runs(archive.url, how=how)  # type: ignore[arg-type]
    assert expected.pending == seeded[LOADED:]
    injected = [
        proxy.inject(operation, kind, **options)
        for operation, kind, options in faults
        if reaches(how, operation)
    ]
    found = via(proxy, table).find_pending_runs(archive.url, how=how)  # type: ignore[arg-type]
    assert fingerprint(found) == fingerprint(expected)
    assert all(f.fired for f in injected), [(f.operation, f.kind) for f in injected]


def test_a_lost_response_never_records_a_run_twice(proxy: FaultProxy, table: str, dynamodb) -> None:  # type: ignore[no-untyped-def]
    run = "enriched/archive/run=2017-04-07-10-00-00/"
    manifest = via(proxy, table)
    lost = proxy.inject("dynamodb:PutItem", "reset", times=1, after=True)
    assert manifest.mark_loaded(run, loaded_by="dag/run-1/mark"), "the write was this call's"
    assert lost.fired
    items = dynamodb.scan(TableName=table)["Items"]
    assert [i["RunId"]["S"] for i in items] == [run]
    assert items[0]["LoadedBy"]["S"] == "dag/run-1/mark"

    claimed = "enriched/archive/run=2017-04-08-10-00-00/"
    assert manifest.claim_run(claimed, "dag/run-2").won
    lost = proxy.inject("dynamodb:TransactWriteItems", "reset", times=1, after=True)
    assert manifest.mark_loaded(claimed, loaded_by="dag/run-2/mark", claim_owner="dag/run-2")
    assert lost.fired
    assert not manifest.mark_loaded(claimed, loaded_by="dag/run-3/mark"), "a second write is a no-op"
    keys = sorted(i["RunId"]["S"] for i in dynamodb.scan(TableName=table)["Items"])
    assert keys == [run, claimed], "the claim must be gone and the run recorded once"


@pytest.mark.parametrize("conflicts", [1, TRANSACTION_ATTEMPTS - 1, TRANSACTION_ATTEMPTS])
def test_a_transaction_conflict_is_tried_again_and_records_the_run_once(
    proxy: FaultProxy, table: str, dynamodb: Any, conflicts: int
) -> None:
    # Real DynamoDB cancels a transaction that meets another on the same item (TransactionConflict);
    # neither moto nor DynamoDB Local does, so the proxy answers as DynamoDB would, over HTTP.
    run = "enriched/archive/run=2017-04-07-10-00-00/"
    manifest = via(proxy, table)
    assert manifest.claim_run(run, "dag/run-1").won
    conflict = proxy.inject(
        "dynamodb:TransactWriteItems",
        "error",
        times=conflicts,
        code="TransactionCanceledException",
        reasons=("None", "TransactionConflict"),
    )
    if conflicts < TRANSACTION_ATTEMPTS:
        assert manifest.mark_loaded(run, loaded_by="dag/run-1/mark", claim_owner="dag/run-1")
        assert [i["RunId"]["S"] for i in dynamodb.scan(TableName=table)["Items"]] == [run]
    else:
        with pytest.raises(AwsRequestError, match="TransactionConflict") as raised:
            manifest.mark_loaded(run, loaded_by="dag/run-1/mark", claim_owner="dag/run-1")
        assert table in str(raised.value) and "\n" not in str(raised.value)
        assert not manifest.is_recorded(run) and manifest.get_claim(run) is not None, "nothing changed"
    assert conflict.fired == conflicts


def test_when_retries_run_out_the_error_names_call_and_resource_and_nothing_is_marked(
    proxy: FaultProxy, table: str, archive: Archive
) -> None:
    run = archive.add_run("2017-04-07-10-00-00")
    manifest = via(proxy, table, attempts=3)
    throttled = proxy.inject("dynamodb:PutItem", "error", code="ProvisionedThroughputExceededException")
    with pytest.raises(AwsRequestError) as raised:
        manifest.mark_loaded(run)
    retries = throttled.fired - 1
    assert retries >= 2, "the call was retried"
    assert str(raised.value).startswith(
        f"PutItem on run '{run}' in manifest table '{table}' in us-east-1 was throttled after {retries} "
        "retries (ProvisionedThroughputExceededException): retry later"
    ), "the message counts the retries that happened"
    proxy.clear()
    assert not manifest.is_loaded(run)
    proxy.inject("s3:ListObjectsV2", "error", status=503, code="SlowDown")
    with pytest.raises(
        AwsRequestError,
        match=r"ListObjectsV2 on bucket 'acme-snowplow' .* was throttled after [0-9]+ retries \(SlowDown\)",
    ):
        manifest.find_pending_runs(archive.url)


def test_claims_stay_exclusive_when_responses_are_lost_and_throttled(proxy: FaultProxy, table: str) -> None:
    proxy.inject("dynamodb:PutItem", "reset", every=4, after=True)
    proxy.inject("dynamodb:PutItem", "error", every=7, code="ThrottlingException")
    managers = [via(proxy, table) for _ in range(16)]
    with ThreadPoolExecutor(16) as pool:
        for round_ in range(2):
            run = f"enriched/archive/run=2017-04-07-10-00-0{round_}/"
            start = threading.Barrier(16)

            def claim(index: int, run: str = run, start: threading.Barrier = start) -> bool:
                start.wait()
                return managers[index].claim_run(run, owner=f"dag/run-{index}").won

            assert sum(pool.map(claim, range(16))) == 1
