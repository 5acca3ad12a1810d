"""SnowplowNewRunsTrigger's firing rule, arguments and event, without AWS: the rule decides alone.

The trigger's filter is driven here with the observations its poll would yield; the poll itself
(discovery against a moto server, one poll shared by several triggers) is in
tests/integration/test_new_runs_trigger.py.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest

from airflow_provider_snowplow.errors import SnowplowProviderError
from airflow_provider_snowplow.triggers.firing_rule import FiringRule
from airflow_provider_snowplow.triggers.new_runs import Observation, SnowplowNewRunsTrigger

ARCHIVE = "s3://acme/enriched/archive/"
TABLE = "snowplow-load-manifests"
A, B, C = (f"enriched/archive/run=2026-01-0{day}-10-00-00/" for day in (1, 2, 3))


def fired(rule: FiringRule, pending: Sequence[str], now: float) -> bool:
    """One poll through the rule, as the trigger does it: ask, and record when it fires."""
    if rule.why_fire(pending, now) is None:
        return False
    rule.record(pending, now)
    return True


# --- the firing rule -------------------------------------------------------------------------------


def test_no_repeat_fire_for_the_same_pending_set() -> None:
    rule = FiringRule(min_interval=0, refire_after=3600)
    assert not fired(rule, [], 0)
    assert fired(rule, [A], 10)
    assert [fired(rule, [A], now) for now in (70, 130, 3000)] == [False, False, False]


def test_fires_again_when_a_run_is_added() -> None:
    rule = FiringRule(min_interval=0, refire_after=3600)
    assert fired(rule, [A], 0)
    assert rule.why_fire([A, B], 60) == "1 new pending run(s)"
    rule.record([A, B], 60)
    assert not fired(rule, [A, B], 120)


def test_a_run_claimed_by_a_dag_run_is_not_new_when_it_comes_back_before_refire_after() -> None:
    rule = FiringRule(min_interval=0, refire_after=3600)
    assert fired(rule, [A], 0)
    assert not fired(rule, [], 60)  # a DAG run claimed it: not pending
    assert not fired(rule, [A], 600)  # that DAG run failed and released it: pending again, not new
    assert fired(rule, [A], 3600)  # the safety net: still pending refire_after after its event


def test_a_burst_inside_min_interval_waits_for_one_event() -> None:
    rule = FiringRule(min_interval=300, refire_after=3600)
    assert fired(rule, [A], 0)
    assert not fired(rule, [A, B], 60)
    assert not fired(rule, [A, B, C], 120)
    assert rule.why_fire([A, B, C], 300) == "2 new pending run(s)"


def test_runs_that_left_the_pending_set_are_forgotten_after_refire_after() -> None:
    rule = FiringRule(min_interval=0, refire_after=600)
    assert fired(rule, [A, B], 0)
    assert not fired(rule, [B], 300)
    assert set(rule.fired) == {A, B}
    assert not fired(rule, [], 700)
    assert rule.fired == {}


def test_a_new_rule_fires_for_what_is_still_pending() -> None:
    """A restarted triggerer remembers nothing: it fires once for the runs still pending."""
    before = FiringRule(min_interval=0, refire_after=3600)
    assert fired(before, [A, B], 0)
    after = FiringRule(min_interval=0, refire_after=3600)
    assert fired(after, [B], 30)


@pytest.mark.parametrize(("min_interval", "refire_after"), [(-1, 60), (0, 0)])
def test_the_rule_refuses_intervals_that_cannot_work(min_interval: float, refire_after: float) -> None:
    with pytest.raises(ValueError, match="min_interval must be 0 or more and refire_after more than 0"):
        FiringRule(min_interval, refire_after)


# --- the trigger's arguments -----------------------------------------------------------------------


def trigger(**overrides: Any) -> SnowplowNewRunsTrigger:
    return SnowplowNewRunsTrigger(**{"archive_url": ARCHIVE, "table_name": TABLE, **overrides})


def test_serialises_and_deserialises_to_the_same_trigger() -> None:
    original = trigger(
        layout="s3-loader",
        partition_format="{yyyy}/{MM}/{dd}/{HH}",
        grace_seconds=120,
        max_runs=24,
        poll_interval=30,
        min_interval=0,
        refire_after=900,
        aws_conn_id="snowplow",
        region_name="eu-west-1",
    )
    classpath, kwargs = original.serialize()
    assert classpath == "airflow_provider_snowplow.triggers.new_runs.SnowplowNewRunsTrigger"
    rebuilt = SnowplowNewRunsTrigger(**kwargs)
    assert rebuilt.serialize() == (classpath, kwargs)
    assert rebuilt.shared_stream_key() == original.shared_stream_key()
    assert SnowplowNewRunsTrigger.hash(classpath, kwargs) == SnowplowNewRunsTrigger.hash(*rebuilt.serialize())


def test_the_serialised_arguments_survive_airflows_trigger_encoding() -> None:
    """What the DAG processor stores and the triggerer decodes rebuilds the same trigger."""
    from airflow.serialization.decoders import smart_decode_trigger_kwargs
    from airflow.serialization.encoders import encode_trigger

    encoded = encode_trigger(trigger(ready_marker=None, settle_seconds=0))
    decoded = {name: smart_decode_trigger_kwargs(value) for name, value in encoded["kwargs"].items()}
    assert (
        SnowplowNewRunsTrigger(**decoded).serialize()
        == trigger(ready_marker=None, settle_seconds=0).serialize()
    )


def test_triggers_share_a_poll_exactly_when_they_watch_the_same_archive_the_same_way() -> None:
    key = trigger().shared_stream_key()
    # Each DAG's firing rule is its own: it does not split the poll.
    assert trigger(min_interval=0, refire_after=7200).shared_stream_key() == key
    for different in (
        {"archive_url": "s3://acme/other/archive/"},
        {"table_name": "other-manifest"},
        {"layout": "transformer-output"},
        {"settle_seconds": 0},
        {"aws_conn_id": "other"},
        {"region_name": "eu-west-1"},
        {"poll_interval": 5},
        {"max_runs": 5},
    ):
        assert trigger(**different).shared_stream_key() != key, different


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"archive_url": "acme/archive"}, "archive URL 'acme/archive'"),
        ({"table_name": "a"}, "'a' is not a valid DynamoDB table name"),
        ({"layout": "hourly"}, "layout must be one of"),
        ({"max_runs": 0}, "must be a positive whole number"),
        ({"poll_interval": "soon"}, "poll_interval must be a number of seconds, got 'soon'"),
        (
            {"refire_after": 10, "poll_interval": 60},
            "refire_after must be a number of seconds of at least 60",
        ),
        ({"layout": "s3-loader", "partition_format": "{yyyy}/{HH}"}, "partition format '{yyyy}/{HH}'"),
    ],
)
def test_arguments_that_cannot_work_fail_when_the_dag_file_is_parsed(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises((ValueError, SnowplowProviderError), match=message) as raised:
        trigger(**overrides)
    assert "\n" not in str(raised.value)


# --- the trigger's events --------------------------------------------------------------------------


async def observations(*polls: Observation) -> AsyncIterator[Observation]:
    for poll in polls:
        yield poll


def events_of(watcher: SnowplowNewRunsTrigger, *polls: Observation) -> list[dict[str, Any]]:
    async def collect() -> list[dict[str, Any]]:
        return [event.payload async for event in watcher.filter_shared_stream(observations(*polls))]

    return asyncio.run(collect())


def test_one_event_per_new_pending_run_with_the_runs_in_its_payload() -> None:
    watcher = trigger(min_interval=0, poll_interval=60)
    payloads = events_of(
        watcher,
        Observation(0, []),
        Observation(60, [A], not_ready=1),
        Observation(120, [A]),
        Observation(180, error="ClientError: AccessDenied"),
        Observation(240, [], claimed=1),
        Observation(300, [B], claimed=1),
        Observation(360, [B], claimed=1),
    )
    assert payloads == [
        {
            "snowplow_run_ids": [A],
            "archive_url": ARCHIVE,
            "table_name": TABLE,
            "more_pending": False,
            "reason": "1 new pending run(s)",
        },
        {
            "snowplow_run_ids": [B],
            "archive_url": ARCHIVE,
            "table_name": TABLE,
            "more_pending": False,
            "reason": "1 new pending run(s)",
        },
    ]


def test_two_triggers_on_one_shared_poll_each_apply_their_own_rule() -> None:
    polls = [Observation(0, [A]), Observation(60, [A, B]), Observation(120, [A, B, C])]
    eager = events_of(trigger(min_interval=0), *polls)
    patient = events_of(trigger(min_interval=100), *polls)
    assert [event["snowplow_run_ids"] for event in eager] == [[A], [A, B], [A, B, C]]
    assert [event["snowplow_run_ids"] for event in patient] == [[A], [A, B, C]]


def test_building_the_trigger_in_a_dag_file_loads_no_aws_sdk() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from airflow_provider_snowplow.triggers.new_runs import SnowplowNewRunsTrigger\n"
            f"SnowplowNewRunsTrigger(archive_url={ARCHIVE!r}, table_name={TABLE!r})\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'boto3', 'botocore', 'aiobotocore'}))",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
