"""SnowplowSqsWakeUpTrigger's arguments, and what parsing its example DAG costs."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from airflow_provider_snowplow.triggers.sqs_wakeup import SnowplowSqsWakeUpTrigger
from tests.support import REPO
from tests.unit.test_example_dags import parse

QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/snowplow-run-markers"
SQS_DAG = REPO / "example_dags" / "snowplow_load_on_sqs.py"


def test_serialises_and_deserialises_to_the_same_trigger() -> None:
    original = SnowplowSqsWakeUpTrigger(QUEUE, aws_conn_id="snowplow", wait_time_seconds=5, retry_delay=10)
    classpath, kwargs = original.serialize()
    assert classpath == "airflow_provider_snowplow.triggers.sqs_wakeup.SnowplowSqsWakeUpTrigger"
    assert SnowplowSqsWakeUpTrigger(**kwargs).serialize() == (classpath, kwargs)
    assert kwargs == {
        "sqs_queue": QUEUE,
        "aws_conn_id": "snowplow",
        "region_name": None,
        "wait_time_seconds": 5,
        "max_messages": 10,
        "retry_delay": 10.0,
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sqs_queue": "snowplow-run-markers"}, "sqs_queue must be the queue's URL"),
        ({"wait_time_seconds": 30}, "wait_time_seconds must be 0 to 20"),
        ({"max_messages": 11}, "max_messages must be 1 to 10"),
        ({"retry_delay": 0}, "retry_delay must be a positive number of seconds"),
    ],
)
def test_arguments_that_cannot_work_fail_when_the_dag_file_is_parsed(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        SnowplowSqsWakeUpTrigger(**{"sqs_queue": QUEUE, **overrides})


def test_the_example_dag_wakes_on_the_queue_and_on_a_slow_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    dag = parse(SQS_DAG, monkeypatch, SNOWPLOW_SQS_QUEUE_URL=QUEUE, SNOWPLOW_SAFETY_CRON="30 */4 * * *").dag
    assert dag.is_paused_upon_creation is True
    schedule = dag.timetable
    (asset,) = schedule.asset_condition.objects
    (watcher,) = asset.watchers
    assert watcher.trigger.serialize()[1]["sqs_queue"] == QUEUE
    assert schedule.timetable.expression == "30 */4 * * *"
    assert set(dag.task_ids) == {"wait_for_runs", "load_run.transform", "load_run.mark_loaded"}
    assert dag.get_task("wait_for_runs").deferrable is True


def test_the_example_dag_refuses_a_queue_name_for_a_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow_provider_snowplow.tasks.settings import DagSettingError

    with pytest.raises(
        DagSettingError, match=r"^SNOWPLOW_SQS_QUEUE_URL='markers': sqs_queue must be the queue's URL"
    ):
        parse(SQS_DAG, monkeypatch, SNOWPLOW_SQS_QUEUE_URL="markers")


def test_the_trigger_imports_the_providers_sqs_trigger_only_when_it_runs() -> None:
    code = (
        "import sys\n"
        "from airflow_provider_snowplow.triggers.sqs_wakeup import SnowplowSqsWakeUpTrigger\n"
        f"SnowplowSqsWakeUpTrigger({QUEUE!r})\n"
        "print(sorted(m for m in sys.modules if m.startswith(('boto3', 'botocore', 'airflow.providers.amazon.aws'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
