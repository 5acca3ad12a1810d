"""Scheduling: clock + sensor, the event trigger, the SQS wake-up: idle cost and latency, measured.

Two phases, each against a local moto server that counts every request on the server side:

1. **Idle cost** (in this process, exact): an archive of ``--runs`` runs, all loaded. Each waiting
   mechanism's own trigger code looks at it ``--polls`` times; the requests of one look, by
   operation, times the looks an hour takes at the production defaults (the example DAGs'), give
   S3 and DynamoDB requests per idle hour. The SQS wake-up's long poll is counted the same way.
2. **Latency** (a real deployment: PostgreSQL, scheduler, triggerer, API server, DAG processor, as
   in tests/deployment): one mechanism at a time, ``--rounds`` runs are made ready one by one at a
   random moment of the poll cycle; the figure is the time from the run's ``_SUCCESS`` (the last
   object of the run, so the moment it becomes ready) to the start of the ``transform`` task that
   claims it, and to its record. The looks happen every ``--interval`` seconds (60 in production:
   its effect is half an interval on average, computed in the summary).

Usage: ``.venv/bin/python bench/scheduling.py [--runs 1000] [--polls 10] [--rounds 3] [--interval 10]``
(``--skip-latency`` for phase 1 alone, about a minute; both take about ten).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from common import REPO, format_requests, print_footer, print_header, print_table

sys.path.insert(0, str(REPO))

from airflow_provider_snowplow.testing.archive import Archive, seed_sdk_records
from airflow_provider_snowplow.testing.local_aws import LOCAL_CREDENTIALS, LocalAws

BUCKET, PREFIX, TABLE = "acme-snowplow", "enriched/archive/", "snowplow-load-manifests"
ARCHIVE_URL, OUTPUT_URL = f"s3://{BUCKET}/{PREFIX}", f"s3://{BUCKET}/enriched/json/"
# Production defaults (the example DAGs'): the clock-scheduled DAG runs hourly and its sensor looks
# every 60 s for at most 1800 s; the watcher looks every 60 s; SQS long-polls for 20 s; the SQS
# DAG's safety clock starts a sensor like the clock's every 6 hours.
SENSOR_LOOKS_AN_HOUR = 1 + 1800 / 60  # the sensor's own look, then its trigger's
WATCHER_LOOKS_AN_HOUR = 3600 / 60
SQS_POLLS_AN_HOUR = 3600 / 20
SAFETY_LOOKS_AN_HOUR = SENSOR_LOOKS_AN_HOUR / 6


def connection_json(endpoint_url: str) -> str:
    extra = {"endpoint_url": endpoint_url, "region_name": "us-east-1"}
    return json.dumps({"conn_type": "aws", "login": "testing", "password": "testing", "extra": extra})


def create_table(aws: LocalAws) -> None:
    aws.client("dynamodb").create_table(
        TableName=TABLE,
        AttributeDefinitions=[{"AttributeName": "RunId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "RunId", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )


# --- phase 1: idle cost ---------------------------------------------------------------------------


async def count_looks(aws: LocalAws, events: AsyncIterator[Any], looks: int, operation: str) -> Counter[str]:
    """Requests served while ``events`` (a trigger's) makes ``looks`` looks, each counted by ``operation``."""
    aws.request_counts(reset=True)
    waiting = asyncio.ensure_future(anext(events))  # an idle archive: it never fires
    while aws.request_counts()[operation] < looks:
        assert not waiting.done(), "a trigger fired on an idle archive"
        await asyncio.sleep(0.05)
    waiting.cancel()
    counts = aws.request_counts()
    await asyncio.gather(waiting, return_exceptions=True)
    return counts


def per_look(counts: Counter[str], looks: int) -> Counter[str]:
    return Counter(
        {op: round(n / looks) for op, n in counts.items() if op.startswith(("s3:", "dynamodb:", "sqs:"))}
    )


def idle_cost(runs: int, looks: int) -> dict[str, Counter[str]]:
    """Requests of one look by each waiting mechanism at an archive of ``runs`` loaded runs."""
    from airflow_provider_snowplow.triggers.new_runs import SnowplowNewRunsTrigger
    from airflow_provider_snowplow.triggers.pending_runs import SnowplowPendingRunTrigger
    from airflow_provider_snowplow.triggers.sqs_wakeup import SnowplowSqsWakeUpTrigger

    with LocalAws() as aws:
        os.environ["AIRFLOW_CONN_AWS_DEFAULT"] = connection_json(aws.endpoint_url)
        archive = Archive.create(aws.client("s3"), BUCKET, PREFIX)
        run_ids = archive.add_runs(runs)
        create_table(aws)
        seed_sdk_records(aws.client("dynamodb"), TABLE, run_ids)
        queue = aws.client("sqs").create_queue(QueueName="snowplow-run-markers")["QueueUrl"]
        common: dict[str, Any] = {"archive_url": ARCHIVE_URL, "table_name": TABLE, "settle_seconds": 0}

        async def measure() -> dict[str, Counter[str]]:
            sensor = SnowplowPendingRunTrigger(max_runs=50, poke_interval=0.05, **common).run()
            watcher = SnowplowNewRunsTrigger(poll_interval=0.1, min_interval=0, **common).run()
            sqs = SnowplowSqsWakeUpTrigger(queue, wait_time_seconds=1).run()
            return {
                "clock + sensor (one look)": per_look(
                    await count_looks(aws, sensor, looks, "dynamodb:DescribeTable"), looks
                ),
                "event trigger (one look)": per_look(
                    await count_looks(aws, watcher, looks, "dynamodb:DescribeTable"), looks
                ),
                "SQS wake-up (one long poll)": per_look(
                    await count_looks(aws, sqs, max(2, looks // 4), "sqs:ReceiveMessage"), max(2, looks // 4)
                ),
            }

        return asyncio.run(measure())


def report_idle(runs: int, looks: int) -> None:
    print(f"## Idle cost: an archive of {runs:,} runs, all loaded ({looks} looks each)\n")
    cost = idle_cost(runs, looks)
    sensor, watcher, sqs = cost.values()

    def aws_requests(counts: Counter[str]) -> int:
        return sum(n for op, n in counts.items() if op.startswith(("s3:", "dynamodb:")))

    rows = [
        (
            "clock + sensor",
            format_requests(sensor),
            f"{SENSOR_LOOKS_AN_HOUR:.0f} (hourly DAG run, sensor looks every 60 s for 1800 s)",
            f"{aws_requests(sensor) * SENSOR_LOOKS_AN_HOUR:,.0f}",
            "0",
        ),
        (
            "event trigger",
            format_requests(watcher),
            f"{WATCHER_LOOKS_AN_HOUR:.0f} (a look every 60 s, shared by every DAG watching the archive)",
            f"{aws_requests(watcher) * WATCHER_LOOKS_AN_HOUR:,.0f}",
            "0",
        ),
        (
            "SQS wake-up",
            f"{format_requests(sqs)} (+ the safety clock's sensor: one look as the clock's)",
            f"{SQS_POLLS_AN_HOUR:.0f} long polls (20 s) + {SAFETY_LOOKS_AN_HOUR:.1f} looks (6-hourly clock)",
            f"{aws_requests(sensor) * SAFETY_LOOKS_AN_HOUR:,.0f}",
            f"{sqs['sqs:ReceiveMessage'] * SQS_POLLS_AN_HOUR:,.0f}",
        ),
    ]
    print_table(
        ["mechanism", "requests of one look", "looks an idle hour", "S3 + DynamoDB an hour", "SQS an hour"],
        rows,
    )


# --- phase 2: latency ------------------------------------------------------------------------------


def iso_seconds_after(moment: float, iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp() - moment


class Deployment:
    """The three loading DAGs in a real deployment, one of them unpaused at a time."""

    DAGS = ("snowplow_load_runs", "snowplow_load_on_new_runs", "snowplow_load_on_sqs")

    def __init__(self, aws: LocalAws, workdir: Path, interval: float) -> None:
        from tests.deployment.airflow_stack import AirflowStack

        dags = workdir / "dags"
        dags.mkdir()
        for name in self.DAGS:
            (dags / f"{name}.py").symlink_to(REPO / "example_dags" / f"{name}.py")
        self.queue_url = f"{aws.endpoint_url}/123456789012/snowplow-run-markers"
        env = {
            **LOCAL_CREDENTIALS,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AIRFLOW_CONN_AWS_DEFAULT": connection_json(aws.endpoint_url),
            "SNOWPLOW_ARCHIVE_URL": ARCHIVE_URL,
            "SNOWPLOW_OUTPUT_URL": OUTPUT_URL,
            "SNOWPLOW_MANIFEST_TABLE": TABLE,
            "SNOWPLOW_SQS_QUEUE_URL": self.queue_url,
            "SNOWPLOW_SAFETY_CRON": "0 0 29 2 *",  # out of the way: no catch-up run on unpausing
            "SNOWPLOW_POKE_INTERVAL": str(interval),
            "SNOWPLOW_POLL_INTERVAL": str(interval),
            "SNOWPLOW_MIN_INTERVAL": "0",
            "SNOWPLOW_WAIT_SECONDS": "3600",
            "SNOWPLOW_SETTLE_SECONDS": "0",
        }
        config = {"dag_processor.min_file_process_interval": "5"}
        self.stack = AirflowStack(workdir / "airflow", dags, env, config)
        self.aws = aws

    def __enter__(self) -> Deployment:
        from tests.deployment.airflow_stack import wait_for

        self.stack.__enter__()
        wait_for("the DAGs to be parsed", lambda: set(self.DAGS) <= self.dag_ids(), 120)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stack.__exit__(None, None, None)

    @property
    def api(self) -> Any:
        assert self.stack.api is not None
        return self.stack.api

    def dag_ids(self) -> set[str]:
        return {dag["dag_id"] for dag in self.api.get("/dags", limit=100)["dags"]}

    def only(self, dag_id: str) -> None:
        """Unpause ``dag_id`` alone, and fail the others' unfinished runs (a paused DAG's tasks go on)."""
        for other in self.DAGS:
            self.api.patch(f"/dags/{other}", {"is_paused": other != dag_id})
            if other == dag_id:
                continue
            for dag_run in self.api.get(f"/dags/{other}/dagRuns", limit=100)["dag_runs"]:
                if dag_run["state"] in ("queued", "running"):
                    self.api.patch(f"/dags/{other}/dagRuns/{dag_run['dag_run_id']}", {"state": "failed"})

    def transform_start(self, dag_id: str, run: str) -> str | None:
        for dag_run in self.api.get(f"/dags/{dag_id}/dagRuns", order_by="-id", limit=5)["dag_runs"]:
            path = f"/dags/{dag_id}/dagRuns/{dag_run['dag_run_id']}/taskInstances"
            for ti in self.api.get(path, limit=100)["task_instances"]:
                if (
                    ti["task_id"] == "load_run.transform"
                    and ti["rendered_map_index"] == run
                    and ti["start_date"]
                ):
                    return str(ti["start_date"])
        return None


def measure_latency(rounds: int, interval: float) -> dict[str, list[tuple[float, float]]]:
    """(ready -> claim, ready -> loaded) seconds of ``rounds`` runs for each mechanism."""
    from airflow_provider_snowplow.load_manifests import LoadManifest
    from tests.deployment.airflow_stack import wait_for
    from tests.deployment.test_deployment import seed_run, wait_deferred
    from tests.integration.test_sqs_wakeup import marker_queue

    results: dict[str, list[tuple[float, float]]] = {}
    with LocalAws() as aws, tempfile.TemporaryDirectory(prefix="bench-scheduling-") as workdir:
        archive = Archive.create(aws.client("s3"), BUCKET, PREFIX)
        create_table(aws)
        manifest = LoadManifest(archive.s3, aws.client("dynamodb"), TABLE)
        with Deployment(aws, Path(workdir), interval) as deployment:
            day = iter(range(1, 366))

            def one_round(dag_id: str, before: Callable[[], None] = lambda: None) -> tuple[float, float]:
                before()
                time.sleep(random.uniform(0, interval))
                stamp = datetime(2019, 1, 1) + timedelta(days=next(day))
                run = seed_run(archive, stamp.strftime("%Y-%m-%d-%H-%M-%S"), parts=1, lines=50)
                ready = time.time()
                wait_for(f"{run} to be loaded", lambda: manifest.is_loaded(run), 300, interval=0.2)
                loaded = time.time() - ready
                start = wait_for("its transform's start", lambda: deployment.transform_start(dag_id, run), 60)
                return iso_seconds_after(ready, start), loaded

            # Clock + sensor, best case: a DAG run's sensor is already waiting in the triggerer.
            deployment.only("snowplow_load_runs")

            def sensor_waiting() -> None:
                dag_run = f"bench-{time.time_ns()}"
                body: dict[str, Any] = {"dag_run_id": dag_run, "logical_date": None, "conf": {}}
                deployment.api.post("/dags/snowplow_load_runs/dagRuns", body)
                wait_deferred(deployment.stack, dag_run)  # and past the race of apache/airflow#72716

            results["clock + sensor (sensor waiting)"] = [
                one_round("snowplow_load_runs", sensor_waiting) for _ in range(rounds)
            ]

            deployment.only("snowplow_load_on_new_runs")
            wait_for(
                "the watcher to start",
                lambda: f"Watching {ARCHIVE_URL} for new runs" in deployment.stack.log_text("triggerer"),
                180,
            )
            results["event trigger"] = [one_round("snowplow_load_on_new_runs") for _ in range(rounds)]

            url = marker_queue(aws)
            assert url == deployment.queue_url
            deployment.only("snowplow_load_on_sqs")
            wait_for(
                "the SQS watcher to start",
                lambda: f"Waiting for messages on {url}" in deployment.stack.log_text("triggerer"),
                180,
            )
            results["SQS wake-up"] = [one_round("snowplow_load_on_sqs") for _ in range(rounds)]
    return results


def report_latency(rounds: int, interval: float) -> None:
    print(
        f"## Latency in a real deployment: a run ready -> its claim ({rounds} runs each, looks every {interval:g} s)\n"
    )
    results = measure_latency(rounds, interval)
    rows = []
    for mechanism, samples in results.items():
        claims, loads = [s[0] for s in samples], [s[1] for s in samples]
        rows.append(
            (
                mechanism,
                ", ".join(f"{c:.1f}" for c in claims),
                f"{statistics.median(claims):.1f}",
                f"{statistics.median(loads):.1f}",
            )
        )
    print_table(
        ["mechanism", "ready -> claim, each run (s)", "median (s)", "ready -> loaded, median (s)"], rows
    )


def main() -> None:
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="bench-scheduling-home-"))
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")  # the triggers' looks, unprinted
    os.environ.update(LOCAL_CREDENTIALS)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="runs in the idle archive")
    parser.add_argument("--polls", type=int, default=10, help="looks counted per mechanism")
    parser.add_argument("--rounds", type=int, default=3, help="runs made ready per mechanism")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between looks (latency)")
    parser.add_argument("--skip-latency", action="store_true", help="phase 1 only")
    args = parser.parse_args()
    started = time.perf_counter()
    print_header("Scheduling: idle cost and latency of clock + sensor, the event trigger, the SQS wake-up")
    report_idle(args.runs, args.polls)
    if not args.skip_latency:
        report_latency(args.rounds, args.interval)
    print_footer(started)


if __name__ == "__main__":
    main()
