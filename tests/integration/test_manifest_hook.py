"""SnowplowManifestHook: an Airflow AWS connection in front of the core, over HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from airflow.exceptions import AirflowProviderDeprecationWarning

from airflow_provider_snowplow.hooks.manifest import DEFAULT_RETRIES, SnowplowManifestHook
from airflow_provider_snowplow.testing.archive import READY_WHEN_SEEDED, Archive
from airflow_provider_snowplow.testing.local_aws import LocalAws


def set_connection(monkeypatch: pytest.MonkeyPatch, conn_id: str, extra: dict) -> None:  # type: ignore[type-arg]
    conn = {"conn_type": "aws", "login": "testing", "password": "testing", "extra": extra}
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))


def test_the_hook_lists_finds_and_marks_runs(aws_connection: str, archive: Archive) -> None:
    hook = SnowplowManifestHook("hooked", readiness=READY_WHEN_SEEDED)
    hook.create_manifest_table()
    hook.create_manifest_table()
    runs = archive.add_runs(5)
    assert hook.list_run_ids(archive.url) == runs
    assert hook.mark_loaded(runs[0], loaded_by="dag/run/task") is True
    assert hook.is_loaded(runs[0]) and not hook.is_loaded(runs[1])
    assert hook.find_pending_runs(archive.url).pending == runs[1:]
    assert hook.find_pending_runs(archive.url, max_runs=2).pending == runs[1:3]
    outcome = hook.claim_run(runs[1], "dag/run")
    assert outcome.won and outcome.claim is not None
    assert hook.find_pending_runs(archive.url).pending == runs[2:]
    assert hook.release_claim(runs[1], token=outcome.claim.token)
    assert hook.find_pending_runs(archive.url).pending == runs[1:]
    assert hook.manifest.mark_skipped(runs[4]) == "skipped"
    assert hook.is_recorded(runs[4]) and not hook.is_loaded(runs[4]), "a skipped run is not loaded"


def test_the_0_1_names_still_work_and_say_what_replaced_them(
    aws_connection: str, archive: Archive, table: str
) -> None:
    hook = SnowplowManifestHook(table, readiness=READY_WHEN_SEEDED)
    runs = archive.add_runs(2)
    with pytest.warns(AirflowProviderDeprecationWarning, match=r"use find_pending_runs\(\.\.\.\)\.pending"):
        assert hook.get_pending_run_ids(archive.url) == runs
    claim = hook.claim_run(runs[0], "dag/run").claim
    assert claim is not None
    with pytest.warns(AirflowProviderDeprecationWarning, match="use release_claim"):
        assert hook.release_run(runs[0], token=claim.token)
    assert hook.manifest.get_claim(runs[0]) is None


def test_find_pending_runs_async_matches_the_sync_call(
    aws_connection: str, archive: Archive, table: str
) -> None:
    hook = SnowplowManifestHook(table, readiness=READY_WHEN_SEEDED)
    runs = archive.add_runs(3)
    hook.mark_loaded(runs[1])
    found = asyncio.run(hook.find_pending_runs_async(archive.url, None, time.time()))
    assert found == hook.find_pending_runs(archive.url)
    assert found.pending == [runs[0], runs[2]]


def test_per_service_endpoints_from_service_config_are_honoured(
    aws: LocalAws, archive: Archive, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    unreachable = "http://127.0.0.1:9"
    set_connection(
        monkeypatch,
        "split",
        {
            "endpoint_url": unreachable,
            "region_name": "us-east-1",
            "service_config": {
                "s3": {"endpoint_url": aws.endpoint_url},
                "dynamodb": {"endpoint_url": aws.endpoint_url},
            },
        },
    )
    run = archive.add_run("2017-04-01-10-00-00")
    assert SnowplowManifestHook(table, aws_conn_id="split", readiness=READY_WHEN_SEEDED).find_pending_runs(
        archive.url
    ).pending == [run]


def test_role_assumption_goes_through_sts(
    aws: LocalAws, archive: Archive, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_connection(
        monkeypatch,
        "assumer",
        {
            "endpoint_url": aws.endpoint_url,
            "region_name": "us-east-1",
            "role_arn": "arn:aws:iam::123456789012:role/snowplow-loader",
            # The Amazon provider never sends AssumeRole to the global endpoint_url.
            "service_config": {"sts": {"endpoint_url": aws.endpoint_url}},
        },
    )
    run = archive.add_run("2017-04-01-10-00-00")
    aws.request_counts(reset=True)
    assert SnowplowManifestHook(table, aws_conn_id="assumer", readiness=READY_WHEN_SEEDED).find_pending_runs(
        archive.url
    ).pending == [run]
    assert aws.request_counts()["sts:POST"] >= 1


def retries(hook: SnowplowManifestHook) -> object:
    """The retry settings of the hook's botocore config (which the stubs do not declare)."""
    return getattr(hook.config, "retries", None)


def test_retries_default_to_bounded_standard_mode_unless_configured(
    aws_connection: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert retries(SnowplowManifestHook("t")) == DEFAULT_RETRIES
    set_connection(
        monkeypatch, "tuned", {"config_kwargs": {"retries": {"mode": "adaptive", "max_attempts": 3}}}
    )
    assert retries(SnowplowManifestHook("t", aws_conn_id="tuned")) == {
        "mode": "adaptive",
        "max_attempts": 3,
    }
    assert retries(SnowplowManifestHook("t", config={"retries": {"max_attempts": 2}})) == {"max_attempts": 2}


def test_a_dead_endpoint_fails_with_the_call_and_the_resource(
    archive: Archive, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_snowplow.errors import AwsRequestError

    set_connection(
        monkeypatch,
        "dead",
        {
            "endpoint_url": "http://127.0.0.1:9",
            "region_name": "us-east-1",
            "config_kwargs": {"retries": {"max_attempts": 1}},
        },
    )
    with pytest.raises(
        AwsRequestError,
        match=r"cannot reach http://127.0.0.1:9 for ListObjectsV2 on bucket 'acme-snowplow' \(archive "
        r"s3://acme-snowplow/enriched/archive/\) in us-east-1 \(EndpointConnectionError\): check the endpoint URL",
    ):
        SnowplowManifestHook(table, aws_conn_id="dead").find_pending_runs(archive.url)


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (
            {"endpoint_url": "127.0.0.1:4566"},
            "endpoint URL '127.0.0.1:4566' must start with http:// or https://",
        ),
        (
            {"endpoint_url": "http://127.0.0.1:4566", "service_config": {"s3": {"endpoint_url": "s3.local"}}},
            "endpoint URL 's3.local' must start with http:// or https://",
        ),
        ({"region_name": "EU-West-1"}, "region 'EU-West-1' is not an AWS region name"),
    ],
    ids=["endpoint", "service endpoint", "region"],
)
def test_a_connection_that_cannot_work_is_one_line_naming_it(
    extra: dict[str, Any],
    says: str,
    archive: Archive,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import asyncio

    from airflow_provider_snowplow.errors import InvalidValueError

    set_connection(monkeypatch, "typo", {"region_name": "us-east-1", **extra})
    attempts: tuple[Callable[[], object], ...] = (
        lambda: SnowplowManifestHook("t-1", aws_conn_id="typo").find_pending_runs(archive.url),
        lambda: asyncio.run(
            SnowplowManifestHook("t-1", aws_conn_id="typo").find_pending_runs_async(archive.url, 5, 0.0)
        ),
    )
    for attempt in attempts:
        with pytest.raises(InvalidValueError) as raised:
            attempt()
        assert str(raised.value).startswith("Airflow connection 'typo': ") and says in str(raised.value)
