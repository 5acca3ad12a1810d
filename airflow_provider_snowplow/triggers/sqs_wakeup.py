"""SnowplowSqsWakeUpTrigger: the Amazon provider's SQS trigger, as a watcher that wakes a loading DAG.

For teams that route S3 ``ObjectCreated`` notifications of the runs' markers (``_SUCCESS``,
``shredding_complete.json``), or the transformer's SNS message, to an SQS queue. Each batch of
messages fires one event; the DAG it starts then lists the archive and claims each run as always,
so the message is only a hint of *when* to look, never a statement of *what* to load:

* a message for a run not ready yet (its quiet period) starts a DAG run whose sensor waits for it;
* a duplicate message, or one for a run already loaded, starts a DAG run that finds nothing new;
* a message is deleted as soon as it is received (SQS's at-most-once hand-over: the provider's
  ``delete_message_on_reception``), before Airflow has stored the event. A triggerer that dies in
  between loses that wake-up: the run waits for the next message or for the DAG's slow clock
  (see ``example_dags/snowplow_load_on_sqs.py``), never forever.

It runs ``airflow.providers.amazon.aws.triggers.sqs.SqsSensorTrigger`` (long polls of up to 20 s,
deleting what it receives), with two differences: it imports it in the triggerer only, so that
the DAG file imports neither it nor the provider's SQS hook; and it keeps polling after an event,
where the provider's trigger ends (a watcher that ends is restarted by the triggerer, every
loop). An error (a missing queue, no permission) is logged and the poll retried after
``retry_delay`` seconds, instead of failing the trigger into a restart per triggerer loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from airflow_provider_snowplow.validation import optional_region, optional_string


class SnowplowSqsWakeUpTrigger(BaseEventTrigger):
    """Fire once per batch of messages received from an SQS queue (deleting them), forever.

    Args:
        sqs_queue: the queue's URL.
        aws_conn_id: the Airflow AWS connection.
        region_name: overrides the connection's region.
        wait_time_seconds: SQS long poll: how long one ``ReceiveMessage`` waits for a message
            (0 to 20); an idle queue costs one request per this many seconds.
        max_messages: messages one event takes at most (1 to 10).
        retry_delay: seconds before polling again after an error.

    The event's payload is the provider's, ``{"status": "success", "message_batch": [...]}``
    (each message as SQS returned it), with ``sqs_queue`` added.
    """

    _SERIALIZED = (
        "sqs_queue",
        "aws_conn_id",
        "region_name",
        "wait_time_seconds",
        "max_messages",
        "retry_delay",
    )

    def __init__(
        self,
        sqs_queue: str,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        wait_time_seconds: int = 20,
        max_messages: int = 10,
        retry_delay: float = 60.0,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        if not isinstance(sqs_queue, str) or not sqs_queue.startswith(("https://", "http://")):
            raise ValueError(
                f"sqs_queue must be the queue's URL, https://sqs.<region>.amazonaws.com/..., got {sqs_queue!r}"
            )
        if not 0 <= int(wait_time_seconds) <= 20:
            raise ValueError(
                f"wait_time_seconds must be 0 to 20 (SQS's long poll), got {wait_time_seconds!r}"
            )
        if not 1 <= int(max_messages) <= 10:
            raise ValueError(f"max_messages must be 1 to 10 (SQS's batch), got {max_messages!r}")
        if float(retry_delay) <= 0:
            raise ValueError(f"retry_delay must be a positive number of seconds, got {retry_delay!r}")
        self.sqs_queue = sqs_queue
        self.aws_conn_id = optional_string(aws_conn_id)
        self.region_name = optional_region(region_name)
        self.wait_time_seconds, self.max_messages = int(wait_time_seconds), int(max_messages)
        self.retry_delay = float(retry_delay)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """The classpath and the arguments that rebuild this trigger in the triggerer."""
        classpath = f"{type(self).__module__}.{type(self).__qualname__}"
        return classpath, {name: getattr(self, name) for name in self._SERIALIZED}

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Long-poll the queue forever; yield an event per batch received."""
        from airflow.providers.amazon.aws.triggers.sqs import SqsSensorTrigger  # boto3: triggerer only

        self.log.info("Waiting for messages on %s", self.sqs_queue)
        while True:
            provider = SqsSensorTrigger(
                sqs_queue=self.sqs_queue,
                aws_conn_id=self.aws_conn_id,
                region_name=self.region_name,
                max_messages=self.max_messages,
                wait_time_seconds=self.wait_time_seconds,
                delete_message_on_reception=True,
                waiter_delay=0,  # an empty long poll has already waited wait_time_seconds
            )
            try:
                async for event in provider.run():
                    batch = event.payload.get("message_batch", [])
                    self.log.info("%d message(s) on %s: waking the DAG", len(batch), self.sqs_queue)
                    yield TriggerEvent({**event.payload, "sqs_queue": self.sqs_queue})
            except Exception as exc:
                self.log.warning(
                    "Could not receive from %s (retrying in %g s): %s: %s",
                    self.sqs_queue,
                    self.retry_delay,
                    type(exc).__name__,
                    str(exc).replace("\n", " "),
                )
                await asyncio.sleep(self.retry_delay)
