"""Load new Snowplow runs when an SQS message says one may be there (the SQS wake-up).

    [triggerer: SQS long poll]  --asset event-->  wait_for_runs  ->  load_run[run=...]
    [every SNOWPLOW_SAFETY_CRON]  ----------------^

For teams whose bucket sends S3 ``ObjectCreated`` notifications of the runs' ``_SUCCESS`` markers
(suffix filter ``_SUCCESS``) to an SQS queue, or who subscribe a queue to the transformer's SNS
topic. ``SnowplowSqsWakeUpTrigger`` long-polls the queue in the triggerer (one ``ReceiveMessage``
per 20 s while idle) and each batch of messages starts a DAG run:

* The message is a hint, nothing more: the DAG run does not read it. ``wait_for_runs`` (the
  pending-run sensor, deferrable) lists the archive as always, and waits in the triggerer while
  the run the message announced finishes its quiet period (``SNOWPLOW_SETTLE_SECONDS``); each run
  is claimed by its ``transform``. A duplicate message, or a message for a run already loaded,
  starts a DAG run that finds nothing and is skipped.
* Messages are deleted as they are received, before Airflow has stored the event: SQS hands a
  message over at most once here. A wake-up lost that way (a triggerer killed at that moment) is
  made good by the next message, which finds every pending run, or by the slow clock
  (``SNOWPLOW_SAFETY_CRON``, every 6 hours by default), which bounds how long a run can wait.
* Paused when it first appears, like ``snowplow_load_on_new_runs``: it loads the same archive into
  the same table as ``snowplow_load_runs``; unpause the one you choose.

Settings, read from the environment when the file is parsed:

=========================  =============  ==================================================
variable                   default        meaning
=========================  =============  ==================================================
SNOWPLOW_SQS_QUEUE_URL     (required)     the queue the notifications go to
SNOWPLOW_AWS_CONN_ID       aws_default    the Airflow AWS connection (S3, DynamoDB and SQS)
SNOWPLOW_ARCHIVE_URL       (required)     the enriched archive, ``s3://bucket/enriched/archive/``
SNOWPLOW_OUTPUT_URL        (required)     where each run's JSON Lines go
SNOWPLOW_MANIFEST_TABLE    (required)     the DynamoDB load manifest (hash key ``RunId``)
SNOWPLOW_MAX_RUNS          50             runs one DAG run takes on at most
SNOWPLOW_PARALLEL_TASKS    8              tasks of one DAG run that run at once
SNOWPLOW_SAFETY_CRON       ``0 */6 * * *``  the slow clock that also starts the DAG (UTC)
SNOWPLOW_POKE_INTERVAL     60             seconds between the sensor's looks while it waits
SNOWPLOW_WAIT_SECONDS      1800           how long a DAG run waits for a ready run
SNOWPLOW_READY_MARKER      _SUCCESS       the object a run folder holds once it is complete
SNOWPLOW_SETTLE_SECONDS    900            how old a run's newest object must be before it is loaded
=========================  =============  ==================================================
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG, Asset, AssetOrTimeSchedule, AssetWatcher, CronTriggerTimetable, task_group

from airflow_provider_snowplow.archive.layouts.readiness import check_marker, check_settle_seconds
from airflow_provider_snowplow.archive.urls import parse_archive_url, parse_output_url
from airflow_provider_snowplow.manifest.table import validate_table_name
from airflow_provider_snowplow.operators.manifest import SnowplowMarkRunLoadedOperator
from airflow_provider_snowplow.operators.transform import SnowplowTransformRunOperator
from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor
from airflow_provider_snowplow.tasks.assets import loaded_runs_asset
from airflow_provider_snowplow.tasks.settings import setting
from airflow_provider_snowplow.triggers.sqs_wakeup import SnowplowSqsWakeUpTrigger
from airflow_provider_snowplow.validation import optional_string, positive_int, positive_number


def _queue_url(value: str) -> None:
    SnowplowSqsWakeUpTrigger(sqs_queue=value)


def _cron(value: str) -> None:
    CronTriggerTimetable(value, timezone="UTC")


# ---- Settings: every knob of this pipeline, in one place. ------------------------------------
SQS_QUEUE_URL = setting(
    "SNOWPLOW_SQS_QUEUE_URL",
    _queue_url,
    example="https://sqs.eu-west-1.amazonaws.com/123456789012/snowplow-run-markers",
)
AWS_CONN_ID = setting("SNOWPLOW_AWS_CONN_ID", optional_string, default="aws_default")
ARCHIVE_URL = setting(
    "SNOWPLOW_ARCHIVE_URL", parse_archive_url, example="s3://acme-snowplow/enriched/archive/"
)
OUTPUT_URL = setting("SNOWPLOW_OUTPUT_URL", parse_output_url, example="s3://acme-snowplow/enriched/json/")
MANIFEST_TABLE = setting("SNOWPLOW_MANIFEST_TABLE", validate_table_name, example="snowplow-load-manifests")
MAX_RUNS = int(setting("SNOWPLOW_MAX_RUNS", positive_int, default="50"))
PARALLEL_TASKS = int(setting("SNOWPLOW_PARALLEL_TASKS", positive_int, default="8"))
SAFETY_CRON = setting("SNOWPLOW_SAFETY_CRON", _cron, default="0 */6 * * *")
POKE_INTERVAL = float(setting("SNOWPLOW_POKE_INTERVAL", positive_number, default="60"))
WAIT_SECONDS = float(setting("SNOWPLOW_WAIT_SECONDS", positive_number, default="1800"))
READY_MARKER = setting("SNOWPLOW_READY_MARKER", check_marker, default="_SUCCESS")
SETTLE_SECONDS = float(setting("SNOWPLOW_SETTLE_SECONDS", check_settle_seconds, default="900"))
# -----------------------------------------------------------------------------------------------

LOADED_RUNS = loaded_runs_asset(MANIFEST_TABLE)
WAKE_UP = Asset(
    name=f"snowplow_sqs_wakeup__{MANIFEST_TABLE}",
    uri=f"snowplow://watch/snowplow_sqs_wakeup__{MANIFEST_TABLE}",
    group="snowplow",
    watchers=[
        AssetWatcher(
            name=f"snowplow_sqs_wakeup__{MANIFEST_TABLE}",
            trigger=SnowplowSqsWakeUpTrigger(sqs_queue=SQS_QUEUE_URL, aws_conn_id=AWS_CONN_ID),
        )
    ],
)

with DAG(
    dag_id="snowplow_load_on_sqs",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(SAFETY_CRON, timezone="UTC"), assets=[WAKE_UP]
    ),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    is_paused_upon_creation=True,
    max_active_tasks=PARALLEL_TASKS,
    tags=["snowplow"],
    doc_md=__doc__,
) as dag:
    wait_for_runs = SnowplowPendingRunSensor(
        task_id="wait_for_runs",
        archive_url=ARCHIVE_URL,
        table_name=MANIFEST_TABLE,
        aws_conn_id=AWS_CONN_ID,
        max_runs=MAX_RUNS,
        ready_marker=READY_MARKER,
        settle_seconds=SETTLE_SECONDS,
        deferrable=True,
        poke_interval=POKE_INTERVAL,
        timeout=WAIT_SECONDS,
        soft_fail=True,
        # Airflow can fail a sensor resumed seconds after deferring (apache/airflow#72716); a retry
        # simply looks again.
        retries=1,
    )

    @task_group
    def load_run(snowplow_run_id: str) -> None:
        """One Snowplow run: transform it, then record it as loaded."""
        transform = SnowplowTransformRunOperator(
            task_id="transform",
            snowplow_run_id=snowplow_run_id,
            archive_url=ARCHIVE_URL,
            output_url=OUTPUT_URL,
            table_name=MANIFEST_TABLE,
            aws_conn_id=AWS_CONN_ID,
            ready_marker=READY_MARKER,
            settle_seconds=SETTLE_SECONDS,
            retries=2,
            retry_delay=timedelta(seconds=5),
        )
        mark_loaded = SnowplowMarkRunLoadedOperator(
            task_id="mark_loaded",
            snowplow_run_id=snowplow_run_id,
            table_name=MANIFEST_TABLE,
            aws_conn_id=AWS_CONN_ID,
            archive_url=ARCHIVE_URL,
            processed=transform.output,
            ready_marker=READY_MARKER,
            settle_seconds=SETTLE_SECONDS,
            outlets=[LOADED_RUNS],
            retries=2,
            retry_delay=timedelta(seconds=5),
        )
        transform >> mark_loaded

    load_run.expand(snowplow_run_id=wait_for_runs.output)
