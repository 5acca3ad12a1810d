"""Discovery of a folder layout's pending runs, driven on scripted answers: the calls and their cost.

Each test asserts what ``find_pending_runs`` asks AWS for (method, keys, prefixes) as well as what
it concludes, so the cost model of :mod:`airflow_provider_snowplow.manifest.discovery` is checked
call by call, not only counted on a server.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from airflow_provider_snowplow.archive.layouts import EnrichedArchive
from airflow_provider_snowplow.archive.urls import S3Url
from airflow_provider_snowplow.aws.plans import AwsCall, Response
from airflow_provider_snowplow.manifest.discovery import (
    ArchiveSurvey,
    NotReadyRun,
    RunDiscovery,
    find_pending_runs,
)
from airflow_provider_snowplow.manifest.items import LOADED, SKIPPED, Claim, claim_key, run_record
from airflow_provider_snowplow.manifest.reads import BATCH_GET_KEYS, ManifestRead
from airflow_provider_snowplow.testing.archive import hourly_timestamp, sdk_record
from airflow_provider_snowplow.testing.plans import (
    ScriptedAws,
    items_page,
    manifest_table,
    requested_keys,
    s3_object,
    s3_page,
)

BUCKET = "acme-snowplow"
ARCHIVE = S3Url(BUCKET, "enriched/archive/")
TABLE = "snowplow-load-manifests"
NOW = 1_700_000_000.0
QUIET = 3600.0  # older than the default 900 s quiet period


def run_id(hour: int) -> str:
    return f"{ARCHIVE.prefix}run={hourly_timestamp(hour)}/"


def ready(run: str) -> Response:
    """The listing of a run that is complete: a part file and its marker, both quiet."""
    return s3_page([s3_object(run + "part-00000", NOW - QUIET), s3_object(run + "_SUCCESS", NOW - QUIET, 0)])


@pytest.fixture
def survey() -> ArchiveSurvey:
    return ArchiveSurvey(ARCHIVE, TABLE, EnrichedArchive())


def test_each_run_is_found_in_its_state_with_one_request_a_step(survey: ArchiveSurvey) -> None:
    runs = [run_id(hour) for hour in range(8)]
    loaded, sdk_loaded, skipped, claimed, expired, glacier, copying, waiting = runs
    not_a_run = f"{ARCHIVE.prefix}run=2017-13-01-00-00-00/"
    live = Claim(claimed, "dag/other", "token-live", NOW - 60, NOW + 600)
    lapsed = Claim(expired, "dag/dead", "token-lapsed", NOW - 7200, NOW - 1)
    aws = ScriptedAws(
        [
            s3_page(folders=[*runs, not_a_run]),
            manifest_table(TABLE, item_count=3),
            items_page(
                TABLE,
                [
                    run_record(loaded, LOADED, NOW - 10, "dag/a"),
                    sdk_record(sdk_loaded),
                    run_record(skipped, SKIPPED, NOW - 10, "dag/a"),
                ],
            ),
            items_page(TABLE, [live.to_item(), lapsed.to_item()]),
            ready(expired),
            s3_page([s3_object(glacier + "part-00000", NOW - QUIET, storage_class="GLACIER")]),
            s3_page([s3_object(copying + "part-00000", NOW - 5)]),
            ready(waiting),
        ]
    )
    found = aws.run(find_pending_runs(survey, NOW))

    assert replace(found, ignored={}) == RunDiscovery(
        pending=[expired, waiting],
        run_count=8,
        loaded=2,
        skipped=1,
        claimed=[live],
        archived=[glacier],
        manifest_read="batch_get",
        expired_claims=[lapsed],
        not_ready=[NotReadyRun(copying, 5.0, "marker '_SUCCESS'")],
    )
    assert list(found.ignored) == [not_a_run]
    assert aws.outline == [
        "list_objects_v2",
        "describe_table",
        "batch_get_item",
        "batch_get_item",
        "concurrently(4)",
        *["list_objects_v2"] * 4,
    ]
    folders, describe, records, claims, *listings = aws.calls
    assert folders.params == {"Bucket": BUCKET, "Prefix": ARCHIVE.prefix, "Delimiter": "/"}
    assert describe.params == {"TableName": TABLE}
    assert requested_keys(records) == runs, "every run's record, not the folder that is no run"
    assert requested_keys(claims) == [claim_key(run) for run in runs[3:]], "claims of unrecorded runs"
    assert records.params["RequestItems"][TABLE]["ConsistentRead"] is True
    # A live claim is not listed: its run costs nothing more.
    assert [(call.params["Bucket"], call.params["Prefix"]) for call in listings] == [
        (BUCKET, run) for run in (expired, glacier, copying, waiting)
    ]


def test_max_runs_lists_only_as_many_runs_as_it_still_needs(survey: ArchiveSurvey) -> None:
    runs = [run_id(hour) for hour in range(5)]
    unfinished = s3_page([s3_object(runs[0] + "part-00000", NOW - QUIET)])
    aws = ScriptedAws(
        [
            s3_page(folders=runs),
            manifest_table(TABLE),
            items_page(TABLE, []),
            items_page(TABLE, []),
            unfinished,
            ready(runs[1]),
            ready(runs[2]),
        ]
    )
    found = aws.run(find_pending_runs(survey, NOW, max_runs=2))

    assert (found.pending, found.more_pending) == (runs[1:3], True)
    assert found.not_ready == [NotReadyRun(runs[0], QUIET, "marker '_SUCCESS'")]
    # A first wave of max_runs listings, then one more for the run that was not ready; the last two
    # runs are never listed.
    assert aws.outline[-5:] == [
        "concurrently(2)",
        "list_objects_v2",
        "list_objects_v2",
        "concurrently(1)",
        "list_objects_v2",
    ]
    assert [call.params["Prefix"] for call in aws.calls[-3:]] == runs[:3]
    assert aws.unused == ()


def archive_and_manifest(runs: list[str], recorded: set[str], table_items: int) -> Callable[[AwsCall], Any]:
    """Answers for an archive of ``runs`` (all ready) and a table recording ``recorded`` and more."""

    def answer(call: AwsCall) -> Response:
        params = call.params
        if call.method == "list_objects_v2" and params.get("Delimiter") == "/":
            start = int(params.get("ContinuationToken", 0))
            end = start + 1000
            return s3_page(folders=runs[start:end], next_token=str(end) if end < len(runs) else None)
        if call.method == "list_objects_v2":
            return ready(params["Prefix"])
        if call.method == "describe_table":
            return manifest_table(TABLE, item_count=table_items)
        if call.method == "batch_get_item":
            return items_page(TABLE, [sdk_record(key) for key in requested_keys(call) if key in recorded])
        assert call.method == "scan", call
        return {"Items": [sdk_record(run) for run in sorted(recorded)]}

    return answer


@pytest.mark.parametrize(
    ("run_count", "table_items", "how", "manifest_read"),
    [
        # 250 run keys are 3 BatchGetItem requests; a table of 300 items is one Scan page: cheaper.
        (250, 300, "auto", "scan"),
        # A table of a million items is ~400 Scan pages: the batches are cheaper.
        (250, 1_000_000, "auto", "batch_get"),
        (2_500, 1_000_000, "auto", "batch_get"),
        (2_500, 2_600, "auto", "scan"),
        (250, 300, "batch_get", "batch_get"),
    ],
)
def test_requests_are_those_of_the_cost_model(
    survey: ArchiveSurvey, run_count: int, table_items: int, how: ManifestRead, manifest_read: str
) -> None:
    runs = [run_id(hour) for hour in range(run_count)]
    pending = runs[-3:]
    aws = ScriptedAws(archive_and_manifest(runs, set(runs[:-3]), table_items))
    found = aws.run(find_pending_runs(replace(survey, how=how), NOW))

    assert (found.pending, found.loaded, found.manifest_read) == (pending, run_count - 3, manifest_read)
    # The module docstring's model: a listing page per 1,000 run folders; the records in batches of
    # 100 keys or in Scan pages (one here); the claims of the unrecorded runs in batches, unless a
    # scan read them too; then one listing per run that would be returned.
    batches = math.ceil(run_count / BATCH_GET_KEYS) + math.ceil(len(pending) / BATCH_GET_KEYS)
    reads = {"scan": 1} if manifest_read == "scan" else {"batch_get_item": batches}
    assert Counter(call.method for call in aws.calls) == {
        "list_objects_v2": math.ceil(run_count / 1000) + len(pending),
        "describe_table": 1,
        **reads,
    }
    gets = [call for call in aws.calls if call.method == "batch_get_item"]
    assert all(len(requested_keys(call)) <= BATCH_GET_KEYS for call in gets)
    batched = [*runs, *(claim_key(run) for run in pending)] if manifest_read == "batch_get" else []
    assert [key for call in gets for key in requested_keys(call)] == batched
