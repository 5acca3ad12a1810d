"""Spark (``local[2]``) vs the worker path on the same run: events/s, Spark's fixed cost, scaling with parts.

Both read gzip part files from the same local S3 endpoint (a moto server, which serves one request
at a time) and write the same JSON Lines output; the script checks that both outputs hold the same
events. Rounds interleave the two engines, as the machine is shared.

    .venv/bin/python bench/spark.py [--parts 1,2,8] [--events 1500] [--rounds 2]
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
import time
from functools import partial
from typing import Any

from common import parse_sizes, print_footer, print_header, print_table, timed

from airflow_provider_snowplow.processing.run import RunOutput, process_run
from airflow_provider_snowplow.spark.arguments import SparkJobArguments
from airflow_provider_snowplow.testing.archive import READY_WHEN_SEEDED, Archive, hourly_timestamp
from airflow_provider_snowplow.testing.events import valid_lines
from airflow_provider_snowplow.testing.local_aws import LOCAL_CREDENTIALS, LocalAws

BUCKET = "acme-snowplow"
WORKER_URL = f"s3://{BUCKET}/bench/worker/"
SPARK_URL = f"s3://{BUCKET}/bench/spark/"


def start_spark() -> Any:
    """A ``local[2]`` session as spark-submit would give the job, and one tiny job to warm it."""
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    spark = SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.parallelize(range(2), 2).count()
    return spark


def good_events(s3: Any, output: RunOutput) -> list[bytes]:
    bucket = output.output_url.removeprefix("s3://").partition("/")[0]
    return [
        line
        for key in output.good_keys
        for line in gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).splitlines()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="1,2,8", help="part counts of the runs (comma-separated)")
    parser.add_argument("--events", type=int, default=1500, help="events per part file")
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    started = time.perf_counter()
    os.environ.update(LOCAL_CREDENTIALS)  # the job's executors use the default credential chain
    print_header("Spark (local[2]) vs the worker path: one run, the same output")
    from airflow_provider_snowplow.spark.job import run_job

    with LocalAws() as aws:
        s3 = aws.client("s3")
        archive = Archive.create(s3, BUCKET, "enriched/archive/")
        body = gzip.compress("".join(line + "\n" for line in valid_lines(options.events, seed=7)).encode())
        runs = {
            parts: archive.add_run(hourly_timestamp(parts), {f"part-{i:05d}.gz": body for i in range(parts)})
            for parts in parse_sizes(options.parts)
        }
        tiny = archive.add_run(hourly_timestamp(1000), {"part-00000": b"".join(b"x\n" for _ in range(10))})
        spark, start_up = timed(start_spark)

        def spark_run(run_id: str) -> RunOutput:
            arguments = SparkJobArguments(archive.url, (run_id,), SPARK_URL, s3_endpoint_url=aws.endpoint_url)
            return run_job(spark, arguments)[0]

        fixed = [timed(partial(spark_run, tiny))[1] for _ in range(options.rounds)]
        times: dict[tuple[str, int], list[float]] = {}
        for _ in range(options.rounds):
            for parts, run_id in runs.items():
                worker, worker_s = timed(
                    partial(process_run, s3, archive.url, run_id, WORKER_URL, readiness=READY_WHEN_SEEDED)
                )
                ours, spark_s = timed(partial(spark_run, run_id))
                times.setdefault(("worker", parts), []).append(worker_s)
                times.setdefault(("spark", parts), []).append(spark_s)
                assert good_events(s3, worker) == good_events(s3, ours), f"{parts} parts: outputs differ"
        spark.stop()

    print(
        f"Spark start-up (JVM + SparkSession + first job): {start_up:.1f} s; per-job fixed cost "
        f"(a 10-line run): median {statistics.median(fixed):.2f} s\n"
    )
    rows = []
    for parts in runs:
        lines = parts * options.events
        worker_s = statistics.median(times[("worker", parts)])
        spark_s = statistics.median(times[("spark", parts)])
        rows.append(
            [
                parts,
                lines,
                f"{worker_s:.2f}",
                f"{lines / worker_s:,.0f}",
                f"{spark_s:.2f}",
                f"{lines / spark_s:,.0f}",
                f"{worker_s / spark_s:.2f}x",
            ]
        )
    print_table(
        [
            "parts",
            "events",
            "worker path s",
            "worker events/s",
            "Spark local[2] s",
            "Spark events/s",
            "Spark speed-up",
        ],
        rows,
    )
    print(
        "\nMedians of the rounds; both outputs hold the same events (checked every round). Spark's start-up is not in"
    )
    print("its per-run times: a spark-submit pays it once per job.")
    print_footer(started)


if __name__ == "__main__":
    main()
