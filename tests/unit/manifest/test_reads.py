"""BatchGetItem reads driven on scripted answers: keys DynamoDB leaves unprocessed are asked again."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_snowplow.aws.plans import Pause
from airflow_provider_snowplow.errors import AwsRequestError
from airflow_provider_snowplow.manifest.reads import BATCH_GET_KEYS, batch_get_items
from airflow_provider_snowplow.testing.archive import sdk_record
from airflow_provider_snowplow.testing.plans import ScriptedAws, items_page, requested_keys

TABLE = "snowplow-load-manifests"
KEYS = [f"enriched/archive/run=2017-01-01-00-{minute:02d}-00/" for minute in range(BATCH_GET_KEYS + 20)]


def test_unprocessed_keys_lead_the_next_request_without_a_pause_while_some_progress() -> None:
    first, rest = KEYS[:BATCH_GET_KEYS], KEYS[BATCH_GET_KEYS:]
    left = first[-5:]
    read: list[dict[str, Any]] = []
    aws = ScriptedAws(
        [
            items_page(TABLE, [sdk_record(k) for k in first[:-5]], unprocessed=left),
            items_page(TABLE, [sdk_record(k) for k in [*left, *rest]]),
        ]
    )
    aws.run(batch_get_items(TABLE, KEYS, read.extend))

    assert [requested_keys(call) for call in aws.calls] == [first, [*left, *rest]]
    assert aws.outline == ["batch_get_item", "batch_get_item"], "no pause: the first request made progress"
    assert sorted(item["RunId"]["S"] for item in read) == sorted(KEYS)


def test_requests_that_process_nothing_back_off_and_give_up_after_ten() -> None:
    keys = KEYS[:3]
    aws = ScriptedAws(lambda call: items_page(TABLE, [], unprocessed=requested_keys(call)))
    with pytest.raises(AwsRequestError, match="returned every key unprocessed 10 times in a row"):
        aws.run(batch_get_items(TABLE, keys, lambda items: None))

    assert aws.outline.count("batch_get_item") == 10
    pauses = [step.seconds for step in aws.steps if isinstance(step, Pause)]
    assert len(pauses) == 9 and pauses == sorted(pauses) and pauses[-1] <= 2.0, "growing, capped"
    assert all(requested_keys(call) == keys for call in aws.calls)
