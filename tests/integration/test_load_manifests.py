"""The boto3-only core against the local endpoint, over HTTP."""

from __future__ import annotations

import math

import pytest

from airflow_provider_snowplow.errors import AwsRequestError, ManifestTableError, RunIdError
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing.archive import READY_WHEN_SEEDED, Archive, seed_sdk_records
from airflow_provider_snowplow.testing.local_aws import LocalAws
from tests.support import both_dynamodb_backends


def list_run_ids(s3: object, archive_url: str) -> list[str]:
    return LoadManifest(s3, None, None).list_run_ids(archive_url)


def test_list_run_ids_keeps_only_real_run_folders_oldest_first(s3, archive: Archive) -> None:  # type: ignore[no-untyped-def]
    newer = archive.add_run("2017-04-07-10-00-00")
    older = archive.add_run("2017-04-06-23-59-59")
    for folder in ("2017-05-01-12-00-00/", "nur=2017-05-01-12-00-00/", "run=2017-13-01-12-00-00/", "other/"):
        archive.add_folder(folder)
    assert list_run_ids(s3, archive.url) == [older, newer]
    assert list_run_ids(s3, archive.url.rstrip("/").replace("s3://", "s3a://")) == [older, newer]


def test_list_run_ids_follows_pagination(s3, archive: Archive, aws: LocalAws) -> None:  # type: ignore[no-untyped-def]
    runs = archive.add_runs(1_005)
    aws.request_counts(reset=True)
    assert list_run_ids(s3, archive.url) == runs
    assert aws.request_counts()["s3:ListObjectsV2"] == 2


@both_dynamodb_backends
def test_pending_runs_exclude_loaded_skipped_claimed_and_archived(
    manifest: LoadManifest, archive: Archive
) -> None:
    loaded = archive.add_run("2017-01-01-00-00-00")
    skipped = archive.add_run("2017-01-02-00-00-00")
    glacier = archive.add_run("2017-01-03-00-00-00", storage_class="GLACIER")
    deep = archive.add_run("2017-01-04-00-00-00", storage_class="DEEP_ARCHIVE")
    instant = archive.add_run("2017-01-05-00-00-00", storage_class="GLACIER_IR")
    claimed = archive.add_run("2017-01-06-00-00-00")
    pending = archive.add_run("2017-01-07-00-00-00")
    manifest.mark_loaded(loaded)
    manifest.mark_skipped(skipped)
    assert manifest.claim_run(claimed, "dag/run-1").won
    for how in ("batch_get", "scan", "auto"):
        found = manifest.find_pending_runs(archive.url, how=how)
        assert found.pending == [instant, pending], how
        assert found.archived == [glacier, deep]
        assert [c.run_id for c in found.claimed] == [claimed]
        assert (found.loaded, found.skipped, found.run_count) == (1, 1, 7)


@both_dynamodb_backends
def test_expired_claims_make_runs_pending_again(s3, dynamodb, table: str, archive: Archive) -> None:  # type: ignore[no-untyped-def]
    run = archive.add_run("2017-01-01-00-00-00")
    clock = [1_000_000.0]
    manifest = LoadManifest(s3, dynamodb, table, clock=lambda: clock[0], readiness=READY_WHEN_SEEDED)
    assert manifest.claim_run(run, "dead-worker", lease_seconds=60).won
    assert manifest.find_pending_runs(archive.url).pending == []
    clock[0] += 61
    assert manifest.find_pending_runs(archive.url).pending == [run]


@both_dynamodb_backends
def test_a_skip_never_overrides_a_record_or_a_live_claim(s3, dynamodb, table: str) -> None:  # type: ignore[no-untyped-def]
    clock = [1_000_000.0]
    manifest = LoadManifest(s3, dynamodb, table, clock=lambda: clock[0], readiness=READY_WHEN_SEEDED)
    loaded, claimed, free = (f"enriched/archive/run=2017-01-0{day}-00-00-00/" for day in (1, 2, 3))
    manifest.mark_loaded(loaded)
    assert manifest.claim_run(claimed, "dag/run-1", lease_seconds=60).won
    assert manifest.mark_skipped(loaded) == "recorded"
    assert manifest.mark_skipped(claimed) == "claimed"
    assert manifest.mark_skipped(free, skipped_by="ops") == "skipped"
    assert manifest.mark_skipped(free) == "recorded"
    assert manifest.get_record(loaded).status == "LOADED"  # type: ignore[union-attr]
    assert manifest.get_record(claimed) is None
    assert manifest.get_claim(claimed) is not None, "the claim is untouched"
    clock[0] += 61  # the lease ran out: the claimer died
    assert manifest.mark_skipped(claimed) == "skipped"


def test_max_runs_caps_the_list_and_checks_storage_class_only_for_what_it_returns(
    manifest: LoadManifest, archive: Archive, aws: LocalAws
) -> None:
    runs = archive.add_runs(250)
    aws.request_counts(reset=True)
    found = manifest.find_pending_runs(archive.url, max_runs=5, how="batch_get")
    assert found.pending == runs[:5]
    assert found.more_pending
    counts = aws.request_counts()
    assert counts["s3:ListObjectsV2"] == 1 + 5
    assert counts["dynamodb:BatchGetItem"] == 3 + 1, "claims are read only for the runs examined"
    assert not manifest.find_pending_runs(archive.url, max_runs=250).more_pending
    with pytest.raises(ValueError, match="max_runs must be a positive number"):
        manifest.find_pending_runs(archive.url, max_runs=0)


def test_discovery_request_bound(manifest: LoadManifest, archive: Archive, aws: LocalAws) -> None:
    n, not_loaded = 1_200, 10
    runs = archive.add_runs(n)
    seed_sdk_records(manifest.clients["dynamodb"], manifest.table_name, runs[:-not_loaded])
    bound = math.ceil(n / 1000) + math.ceil(n / 100) + not_loaded + 3
    for how in ("batch_get", "scan"):
        aws.request_counts(reset=True)
        found = manifest.find_pending_runs(archive.url, how=how)
        assert found.pending == runs[-not_loaded:]
        counts = aws.request_counts()
        assert sum(counts.values()) <= bound, counts
        assert counts["dynamodb:GetItem"] == 0
        assert counts["dynamodb:BatchGetItem" if how == "batch_get" else "dynamodb:Scan"] >= 1


def test_auto_prefers_a_scan_when_the_table_is_small(
    manifest: LoadManifest, archive: Archive, aws: LocalAws
) -> None:
    archive.add_runs(250)
    aws.request_counts(reset=True)
    assert manifest.find_pending_runs(archive.url, max_runs=1).manifest_read == "scan"
    assert aws.request_counts()["dynamodb:BatchGetItem"] == 0


@both_dynamodb_backends
def test_marking_a_run_records_it_once(dynamodb, table: str) -> None:  # type: ignore[no-untyped-def]
    run = "enriched/archive/run=2017-04-07-10-00-00/"
    manifest = LoadManifest(None, dynamodb, table)
    assert not manifest.is_recorded(run)
    assert manifest.mark_loaded(run) is True
    item = dynamodb.get_item(TableName=table, Key={"RunId": {"S": run}}, ConsistentRead=True)["Item"]
    later = LoadManifest(None, dynamodb, table, clock=lambda: 2_000_000_000.0)
    assert later.mark_loaded(run, loaded_by="someone-else") is False
    again = dynamodb.get_item(TableName=table, Key={"RunId": {"S": run}}, ConsistentRead=True)["Item"]
    assert again == item, "a second mark rewrote the record"
    assert manifest.is_recorded(run)
    assert item["LoadStatus"] == {"S": "LOADED"}
    assert item["LoadedAt"]["S"].endswith("Z")
    with pytest.raises(RunIdError):
        manifest.is_recorded("s3://acme-snowplow/enriched/archive/run=2017-04-07-10-00-00/")


@both_dynamodb_backends
def test_create_manifest_table_is_idempotent_and_on_demand(dynamodb) -> None:  # type: ignore[no-untyped-def]
    LoadManifest(None, dynamodb, "fresh").create_table()
    LoadManifest(None, dynamodb, "fresh").create_table()
    described = dynamodb.describe_table(TableName="fresh")["Table"]
    assert described["TableStatus"] == "ACTIVE"
    assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert described["KeySchema"] == [{"AttributeName": "RunId", "KeyType": "HASH"}]
    LoadManifest(None, dynamodb, "provisioned").create_table(billing_mode="PROVISIONED")
    described = dynamodb.describe_table(TableName="provisioned")["Table"]
    assert described["ProvisionedThroughput"]["ReadCapacityUnits"] == 5


@both_dynamodb_backends
def test_a_table_with_another_key_schema_is_refused(s3, dynamodb, archive: Archive) -> None:  # type: ignore[no-untyped-def]
    dynamodb.create_table(
        TableName="events",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    archive.add_run("2017-01-01-00-00-00")
    expected = r"manifest table 'events' has key schema HASH id \(N\); a Snowplow load manifest needs"
    with pytest.raises(ManifestTableError, match=expected):
        LoadManifest(None, dynamodb, "events").create_table()
    with pytest.raises(ManifestTableError, match=expected):
        LoadManifest(s3, dynamodb, "events").find_pending_runs(archive.url)


@both_dynamodb_backends
def test_missing_table_and_bucket_are_one_readable_line(s3, dynamodb, archive: Archive) -> None:  # type: ignore[no-untyped-def]
    archive.add_run("2017-01-01-00-00-00")
    with pytest.raises(ManifestTableError) as missing_table:
        LoadManifest(s3, dynamodb, "nope").find_pending_runs(archive.url)
    assert str(missing_table.value).startswith("manifest table 'nope' does not exist in us-east-1; create it")
    with pytest.raises(ManifestTableError, match="manifest table 'nope' does not exist"):
        LoadManifest(s3, dynamodb, "nope").mark_loaded(archive.run_id("2017-01-01-00-00-00"))
    with pytest.raises(AwsRequestError) as missing_bucket:
        list_run_ids(s3, "s3://no-such-bucket/enriched/archive/")
    assert str(missing_bucket.value) == (
        "bucket 'no-such-bucket' (archive s3://no-such-bucket/enriched/archive/) does not exist in "
        "us-east-1: check the bucket name in the URL"
    )
    assert missing_bucket.value.code == "NoSuchBucket"


@both_dynamodb_backends
def test_items_written_by_other_tools_never_corrupt_or_lock_the_manifest(
    manifest: LoadManifest, archive: Archive
) -> None:
    odd_record, odd_claim, no_lease = (archive.add_run(f"2017-01-0{d}-00-00-00") for d in (1, 2, 3))
    dynamodb, table = manifest.clients["dynamodb"], manifest.table_name
    dynamodb.put_item(
        TableName=table,
        Item={
            "RunId": {"S": odd_record},
            "LoadStatus": {"N": "7"},
            "LoadedAt": {"BOOL": True},
            "Note": {"S": "x"},
        },
    )
    dynamodb.put_item(
        TableName=table,
        Item={
            "RunId": {"S": odd_claim + "#claim"},
            "LeaseExpiresAt": {"S": "tomorrow"},
            "ClaimOwner": {"N": "1"},
        },
    )
    dynamodb.put_item(TableName=table, Item={"RunId": {"S": no_lease + "#claim"}})
    for how in ("batch_get", "scan"):
        found = manifest.find_pending_runs(archive.url, how=how)
        assert found.pending == [odd_claim, no_lease] and found.loaded == 1
    record = manifest.get_record(odd_record)
    assert record is not None and record.status == "LOADED" and record.loaded_at is None
    assert manifest.mark_loaded(odd_record) is False, "a foreign record is never overwritten"
    assert manifest.claim_run(odd_claim, "dag/run-1").won, "a malformed lease must not lock the run"
    assert manifest.claim_run(no_lease, "dag/run-1").won
