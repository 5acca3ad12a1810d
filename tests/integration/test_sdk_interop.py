"""Manifests shared with the real ``snowplow-analytics-sdk==0.2.3`` (run in its own venv), both ways."""

from __future__ import annotations

from typing import Any

from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing.archive import READY_WHEN_SEEDED, Archive
from airflow_provider_snowplow.testing.local_aws import LocalAws
from airflow_provider_snowplow.testing.sdk import run_sdk
from tests.dynamodb_local import DynamoDbLocal
from tests.support import both_dynamodb_backends

SDK_IS_IN_MANIFEST = "result = {r: sdk.is_in_manifest(dynamodb, args['table'], r) for r in args['runs']}"


@both_dynamodb_backends
def test_runs_the_sdk_recorded_are_loaded_for_us(  # type: ignore[no-untyped-def]
    dynamodb_server: LocalAws | DynamoDbLocal, s3, dynamodb, archive: Archive
) -> None:
    endpoint_url = dynamodb_server.endpoint_url  # the SDK's scripts here only touch DynamoDB
    run_sdk(
        "sdk.create_manifest_table(dynamodb, args['table']); result = None",
        endpoint_url,
        table="sdk-made",
    )
    runs = [archive.add_run(f"2017-04-0{day}-10-00-00") for day in (1, 2, 3)]
    run_sdk(
        "[sdk.add_to_manifest(dynamodb, args['table'], r) for r in args['runs']]; result = None",
        endpoint_url,
        table="sdk-made",
        runs=runs[:2],
    )
    manifest = LoadManifest(s3, dynamodb, "sdk-made", readiness=READY_WHEN_SEEDED)
    assert [manifest.is_loaded(r) for r in runs] == [True, True, False]
    record = manifest.get_record(runs[0])
    assert record is not None and record.status == "LOADED"
    for how in ("batch_get", "scan"):
        found = manifest.find_pending_runs(archive.url, how=how)
        assert found.pending == [runs[2]] and found.loaded == 2
    assert manifest.mark_loaded(runs[0]) is False, "an SDK record must not be overwritten"


@both_dynamodb_backends
def test_what_we_record_reads_as_loaded_to_the_sdk_and_claims_do_not(
    dynamodb_server: LocalAws | DynamoDbLocal, s3: Any, dynamodb: Any, archive: Archive
) -> None:
    endpoint_url = dynamodb_server.endpoint_url  # the SDK's scripts here only touch DynamoDB
    LoadManifest(None, dynamodb, "ours").create_table()
    loaded, skipped, claimed, failed, untouched = (
        archive.add_run(f"2017-04-0{d}-10-00-00") for d in range(1, 6)
    )
    manifest = LoadManifest(s3, dynamodb, "ours", readiness=READY_WHEN_SEEDED)
    manifest.mark_loaded(loaded, loaded_by="dag/run/task")
    manifest.mark_skipped(skipped)
    assert manifest.claim_run(claimed, "dag/run-1").won
    failing = manifest.claim_run(failed, "dag/run-2")
    assert failing.claim is not None
    manifest.release_claim(failed, token=failing.claim.token)
    seen = run_sdk(
        SDK_IS_IN_MANIFEST, endpoint_url, table="ours", runs=[loaded, skipped, claimed, failed, untouched]
    )
    assert seen == {loaded: True, skipped: True, claimed: False, failed: False, untouched: False}
    run_sdk("sdk.create_manifest_table(dynamodb, args['table']); result = None", endpoint_url, table="ours")
    # The SDK's create_manifest_table on our existing table changes nothing we wrote.
    assert manifest.describe_table()["KeySchema"] == [{"AttributeName": "RunId", "KeyType": "HASH"}]
    again = run_sdk(
        SDK_IS_IN_MANIFEST, endpoint_url, table="ours", runs=[loaded, skipped, claimed, failed, untouched]
    )
    assert again == seen
    record = manifest.get_record(loaded)
    assert record is not None and record.status == "LOADED"


def test_run_listing_differs_from_the_sdk_only_where_the_sdk_is_wrong(
    aws: LocalAws, s3: Any, archive: Archive
) -> None:
    runs = [archive.add_run(f"2017-04-0{day}-10-00-00") for day in (2, 1)]
    archived = archive.add_run("2017-04-03-10-00-00", storage_class="GLACIER")
    for folder in ("2017-05-01-12-00-00/", "nur=2017-05-01-12-00-00/"):
        archive.add_folder(folder)
    theirs = run_sdk("result = sdk.list_runids(s3, args['url'])", aws.endpoint_url, url=archive.url)
    ours = LoadManifest(s3, None, None).list_run_ids(archive.url)
    assert ours == [runs[1], runs[0], archived]
    mistaken = {archive.prefix + "2017-05-01-12-00-00/", archive.prefix + "nur=2017-05-01-12-00-00/"}
    assert set(theirs) == (set(ours) - {archived}) | mistaken
