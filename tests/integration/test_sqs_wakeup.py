"""SnowplowSqsWakeUpTrigger against the local endpoint's SQS, fed by S3 notifications of run markers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote_plus

from airflow_provider_snowplow.testing.archive import Archive
from airflow_provider_snowplow.testing.local_aws import LocalAws
from airflow_provider_snowplow.triggers.sqs_wakeup import SnowplowSqsWakeUpTrigger
from tests.support import BUCKET

if TYPE_CHECKING:
    from airflow.triggers.base import TriggerEvent

WAIT = 60.0


def marker_queue(aws: LocalAws, name: str = "snowplow-run-markers") -> str:
    """A queue that S3 notifies of every ``_SUCCESS`` written to the bucket (its test event purged)."""
    sqs, s3 = aws.client("sqs"), aws.client("s3")
    url: str = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket=BUCKET,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": "_SUCCESS"}]}},
                }
            ]
        },
    )
    sqs.purge_queue(QueueUrl=url)
    return url


def events_of(trigger: SnowplowSqsWakeUpTrigger) -> AsyncGenerator[TriggerEvent, None]:
    return cast("AsyncGenerator[TriggerEvent, None]", trigger.run())


def object_keys(payload: dict[str, Any]) -> list[str]:
    """The object keys of the S3 notifications in an event's messages (S3 URL-encodes them)."""
    return [
        unquote_plus(record["s3"]["object"]["key"])
        for message in payload["message_batch"]
        for record in json.loads(message["Body"]).get("Records", [])
    ]


def test_a_marker_written_to_s3_fires_one_event_and_its_message_is_gone(
    aws: LocalAws, archive: Archive, aws_connection: str
) -> None:
    url = marker_queue(aws)
    sqs = aws.client("sqs")

    async def scenario() -> list[dict[str, Any]]:
        events = events_of(SnowplowSqsWakeUpTrigger(url, aws_conn_id=aws_connection, wait_time_seconds=2))
        payloads = []
        first = asyncio.ensure_future(anext(events))
        await asyncio.to_thread(
            archive.add_run, "2017-04-01-10-00-00", {"part-00000": b"x\n", "part-00001": b"y\n"}
        )
        payloads.append((await asyncio.wait_for(first, WAIT)).payload)
        await asyncio.to_thread(archive.add_run, "2017-04-02-10-00-00")
        payloads.append((await asyncio.wait_for(anext(events), WAIT)).payload)
        await events.aclose()
        return payloads

    payloads = asyncio.run(scenario())
    assert [object_keys(payload) for payload in payloads] == [
        [archive.run_id("2017-04-01-10-00-00") + "_SUCCESS"],
        [archive.run_id("2017-04-02-10-00-00") + "_SUCCESS"],
    ]
    assert all(payload["sqs_queue"] == url for payload in payloads)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (
        attributes["ApproximateNumberOfMessages"],
        attributes["ApproximateNumberOfMessagesNotVisible"],
    ) == (
        "0",
        "0",
    ), "received messages are deleted at once"


def test_a_missing_queue_is_retried_not_fatal(aws: LocalAws, aws_connection: str) -> None:
    sqs = aws.client("sqs")
    url = f"{aws.endpoint_url}/123456789012/not-yet"
    aws.request_counts(reset=True)

    async def scenario() -> Any:
        trigger = SnowplowSqsWakeUpTrigger(
            url, aws_conn_id=aws_connection, wait_time_seconds=1, retry_delay=0.2
        )
        events = events_of(trigger)
        following = asyncio.ensure_future(anext(events))
        deadline = asyncio.get_running_loop().time() + WAIT
        # Three failed receives: the trigger is alive, retrying, not failed into a restart.
        while (await asyncio.to_thread(aws.request_counts))["sqs:ReceiveMessage"] < 3:
            assert asyncio.get_running_loop().time() < deadline, "the trigger stopped polling"
            assert not following.done(), following
            await asyncio.sleep(0.05)
        queue = await asyncio.to_thread(sqs.create_queue, QueueName="not-yet")
        await asyncio.to_thread(sqs.send_message, QueueUrl=queue["QueueUrl"], MessageBody="{}")
        payload = (await asyncio.wait_for(following, WAIT)).payload
        await events.aclose()
        return payload

    payload = asyncio.run(scenario())
    assert [message["Body"] for message in payload["message_batch"]] == ["{}"]
