"""SnowplowNewRunsTrigger against the local endpoint, one poll shared by two triggers, and its example DAG.

The trigger runs here as the triggerer runs it (its ``run()``, or Airflow's SharedStreamManager
feeding ``filter_shared_stream``), in this process; tests/deployment/test_event_scheduling.py
runs it in a real triggerer that starts real DAG runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, cast

from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing.archive import Archive
from airflow_provider_snowplow.testing.local_aws import LocalAws
from airflow_provider_snowplow.triggers.new_runs import Observation, SnowplowNewRunsTrigger
from tests.integration.airflow_runs import run_dag

if TYPE_CHECKING:
    from airflow.triggers.base import TriggerEvent

DAG_ID = "snowplow_load_on_new_runs"
WAIT = 60.0  # generous: the machine is shared


def watcher(archive: Archive, table: str, aws_connection: str, **overrides: Any) -> SnowplowNewRunsTrigger:
    arguments: dict[str, Any] = {
        "archive_url": archive.url,
        "table_name": table,
        "aws_conn_id": aws_connection,
        "settle_seconds": 0,
        "poll_interval": 0.2,
        "min_interval": 0,
        **overrides,
    }
    return SnowplowNewRunsTrigger(**arguments)


async def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT
    while not await asyncio.to_thread(condition):
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def events_of(trigger: SnowplowNewRunsTrigger) -> AsyncGenerator[TriggerEvent, None]:
    """The trigger's events, as the triggerer reads them (its ``run()`` is an async generator)."""
    return cast("AsyncGenerator[TriggerEvent, None]", trigger.run())


def polls_counted(aws: LocalAws, polls: int) -> Callable[[], bool]:
    """True once the server has seen ``polls`` more discoveries than now (each describes the table once)."""
    start = aws.request_counts()["dynamodb:DescribeTable"]
    return lambda: aws.request_counts()["dynamodb:DescribeTable"] >= start + polls


def test_fires_once_per_new_ready_run_not_once_per_poll(
    aws: LocalAws, archive: Archive, table: str, aws_connection: str
) -> None:
    async def scenario() -> list[list[str]]:
        events = events_of(watcher(archive, table, aws_connection))
        fired: list[list[str]] = []
        first = archive.add_run("2017-04-01-10-00-00")
        fired.append((await asyncio.wait_for(anext(events), WAIT)).payload["snowplow_run_ids"])
        assert fired == [[first]]

        # Ten more polls see the same pending run, and a run still being written: no event.
        archive.add_run("2017-04-03-10-00-00", marker=None)
        following = asyncio.ensure_future(anext(events))
        await wait_until(polls_counted(aws, 10), "ten more polls")
        assert not following.done(), following.result().payload

        second = archive.add_run("2017-04-02-10-00-00")
        fired.append((await asyncio.wait_for(following, WAIT)).payload["snowplow_run_ids"])
        await events.aclose()
        assert second
        return fired

    fired = asyncio.run(scenario())
    assert fired[1] == [archive.run_id("2017-04-01-10-00-00"), archive.run_id("2017-04-02-10-00-00")]


def test_claimed_runs_are_not_pending_so_a_running_dag_run_causes_no_event(
    aws: LocalAws, archive: Archive, table: str, aws_connection: str, manifest: LoadManifest
) -> None:
    held = archive.add_run("2017-04-01-10-00-00")
    assert manifest.claim_run(held, "snowplow_load_on_new_runs/some-dag-run", lease_seconds=600).won

    async def scenario() -> list[str]:
        events = events_of(watcher(archive, table, aws_connection))
        following = asyncio.ensure_future(anext(events))
        await wait_until(polls_counted(aws, 5), "five polls")
        assert not following.done(), following.result().payload
        newcomer = archive.add_run("2017-04-02-10-00-00")
        payload = (await asyncio.wait_for(following, WAIT)).payload
        await events.aclose()
        assert newcomer
        return list(payload["snowplow_run_ids"])

    assert asyncio.run(scenario()) == [archive.run_id("2017-04-02-10-00-00")]


def test_two_triggers_with_the_same_key_share_one_poll(
    aws: LocalAws, archive: Archive, table: str, aws_connection: str
) -> None:
    from airflow.triggers.shared_stream import SharedStreamManager

    # Two DAGs' triggers: the same archive, their own firing rules.
    eager = watcher(archive, table, aws_connection, min_interval=0)
    patient = watcher(archive, table, aws_connection, min_interval=3600, refire_after=7200)
    key = eager.shared_stream_key()
    assert patient.shared_stream_key() == key
    seen: dict[str, list[float]] = {"eager": [], "patient": []}

    async def recording(name: str, stream: AsyncIterator[Observation]) -> AsyncIterator[Observation]:
        async for observation in stream:
            seen[name].append(observation.at)
            yield observation

    async def scenario() -> dict[str, list[list[str]]]:
        manager = SharedStreamManager()
        fired: dict[str, list[list[str]]] = {"eager": [], "patient": []}

        async def consume(trigger_id: int, name: str, trigger: SnowplowNewRunsTrigger) -> None:
            stream = recording(name, manager.subscribe(trigger_id=trigger_id, trigger=trigger, key=key))
            async for event in trigger.filter_shared_stream(stream):
                fired[name].append(event.payload["snowplow_run_ids"])

        aws.request_counts(reset=True)
        tasks = [
            asyncio.ensure_future(consume(1, "eager", eager)),
            asyncio.ensure_future(consume(2, "patient", patient)),
        ]
        archive.add_run("2017-04-01-10-00-00")
        await wait_until(lambda: bool(fired["eager"] and fired["patient"]), "both triggers to fire")
        archive.add_run("2017-04-02-10-00-00")
        await wait_until(lambda: len(fired["eager"]) == 2, "the eager trigger to fire again")
        await wait_until(polls_counted(aws, 5), "five more polls")
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for trigger_id in (1, 2):
            await manager.unsubscribe(trigger_id, key)
        await manager.stop_all()
        return fired

    fired = asyncio.run(scenario())
    counts = aws.request_counts()
    polls = sorted(set(seen["eager"]) | set(seen["patient"]))
    # Both saw the same polls (the patient one may not have taken the last one off its queue yet)...
    assert seen["eager"][: len(seen["patient"])] == seen["patient"][: len(seen["eager"])]
    # ...and the server served one discovery per poll, not one per trigger: a discovery describes
    # the manifest table once (a poll still in flight when the triggers stopped may add one).
    assert len(polls) >= 5
    assert len(polls) <= counts["dynamodb:DescribeTable"] <= len(polls) + 1, (counts, len(polls))
    assert fired["eager"] == [
        [archive.run_id("2017-04-01-10-00-00")],
        [
            archive.run_id("2017-04-01-10-00-00"),
            archive.run_id("2017-04-02-10-00-00"),
        ],
    ]
    assert fired["patient"] == [[archive.run_id("2017-04-01-10-00-00")]], "min_interval held the second"


def test_the_example_dag_started_by_hand_loads_what_is_pending_once(
    dag_env: Archive, manifest: LoadManifest
) -> None:
    runs = [dag_env.add_run(f"2017-04-0{day}-10-00-00", {"part-00000": b"a\nb\n"}) for day in (2, 1)]
    first = run_dag(DAG_ID)
    assert first.state == "success", first
    assert first.xcoms[("runs_to_load", -1)] == sorted(runs)
    assert first.labels("load_run.mark_loaded") == sorted(runs)
    assert all(manifest.is_loaded(run) and manifest.get_claim(run) is None for run in runs)

    second = run_dag(DAG_ID)
    assert second.state == "success"
    assert second.xcoms[("runs_to_load", -1)] == []
    assert second.labels("load_run.mark_loaded") == []
