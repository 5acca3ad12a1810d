"""The Spark job on real Spark (``local[2]``) against the moto server: the worker path's output, spread out.

The job reads part files with boto3 on the executors, so its S3 is the local endpoint over HTTP.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_snowplow.archive.layouts import S3LoaderLayout, make_layout
from airflow_provider_snowplow.archive.urls import parse_archive_url, parse_output_url
from airflow_provider_snowplow.errors import RunInputError
from airflow_provider_snowplow.event_transformer.shapes import Shape
from airflow_provider_snowplow.processing.run import SUCCESS_MARKER, output_folder, process_run
from airflow_provider_snowplow.spark.arguments import SparkJobArguments
from airflow_provider_snowplow.spark.job import SHREDDED_COLUMNS, event_schema, run_job
from airflow_provider_snowplow.testing.archive import READY_WHEN_SEEDED, Archive
from airflow_provider_snowplow.testing.events import bad_lines, valid_lines
from airflow_provider_snowplow.testing.layouts import hourly_writes, put_loader_objects
from airflow_provider_snowplow.testing.local_aws import LocalAws

GOOD = [line.encode() + b"\n" for line in valid_lines(90, seed=16)]
BAD = [f"{bad.line}\n".encode() for bad in bad_lines(seed=16)][:4]
WORKER_URL = "s3://acme-snowplow/enriched/json-worker/"
SPARK_URL = "s3://acme-snowplow/enriched/json-spark/"


def a_big_run(archive: Archive, timestamp: str = "2017-01-01-00-00-00") -> str:
    """Three parts: gzip, plain with bad lines in the middle, gzip with a bad line at the end."""
    return archive.add_run(
        timestamp,
        {
            "part-00000.gz": gzip.compress(b"".join(GOOD[:30])),
            "part-00001": b"".join(GOOD[30:45] + BAD[:3] + GOOD[45:60]),
            "part-00002.gz": gzip.compress(b"".join(GOOD[60:] + BAD[3:])),
        },
    )


def output_files(s3: Any, output_url: str, run_id: str, archive_prefix: str = "") -> dict[str, bytes]:
    """Every object of a run's output folder, decompressed, by its name within the folder."""
    output = parse_output_url(output_url)
    folder = output_folder(output, run_id, archive_prefix)
    listing = s3.list_objects_v2(Bucket=output.bucket, Prefix=folder).get("Contents", [])
    files = {}
    for obj in listing:
        body = s3.get_object(Bucket=output.bucket, Key=obj["Key"])["Body"].read()
        files[obj["Key"][len(folder) :]] = gzip.decompress(body) if obj["Key"].endswith(".gz") else body
    return files


def job(
    aws: LocalAws, archive: Archive, run_ids: list[str], output_url: str, **options: Any
) -> SparkJobArguments:
    return SparkJobArguments(
        archive.url,
        tuple(run_ids),
        output_url,
        s3_endpoint_url=aws.endpoint_url,
        region_name="us-east-1",
        **options,
    )


@pytest.mark.parametrize(
    "partition_format", [None, "date={yyyy}-{MM}-{dd}/hour={HH}"], ids=["flat", "hourly"]
)
def test_s3_loader_windows_are_read_and_written_as_the_worker_path_does(
    partition_format: str | None, spark: Any, aws: LocalAws, s3: Any, archive: Archive
) -> None:
    loader = Archive(s3, archive.bucket, "enriched/loader/")
    writes = hourly_writes(datetime(2026, 11, 30, 10), hours=2, per_hour=3)
    keys = put_loader_objects(s3, loader.bucket, loader.prefix, writes, partition_format, lines=7)
    layout = make_layout("s3-loader", partition_format=partition_format)
    assert isinstance(layout, S3LoaderLayout)
    url = parse_archive_url(loader.url)
    run_ids = [layout.run_id_at(url, datetime(2026, 11, 30, hour)) for hour in (10, 11)]
    for run_id in run_ids:
        process_run(s3, loader.url, run_id, WORKER_URL, layout=layout)
    options = {"layout": "s3-loader", "partition_format": partition_format}
    results = run_job(spark, job(aws, loader, run_ids, SPARK_URL, **options))
    assert [result.counts.lines for result in results] == [21, 21]  # three flushes of 7 events an hour
    for run_id in run_ids:
        ours = output_files(s3, SPARK_URL, run_id, loader.prefix)
        theirs = output_files(s3, WORKER_URL, run_id, loader.prefix)
        assert sorted(ours) == sorted(theirs) and len(ours) == 4  # three good parts and the summary
        assert all(ours[name] == theirs[name] for name in theirs if name != SUCCESS_MARKER)
        summary = json.loads(ours[SUCCESS_MARKER])
        assert summary["objects"] == 3 and summary["good"] == 21
        assert {o["key"] for o in summary["input_objects"]} <= set(keys)


@pytest.mark.parametrize("shape", ["python", "scala"])
def test_the_job_writes_what_the_worker_path_writes(
    shape: Shape, spark: Any, aws: LocalAws, s3: Any, archive: Archive
) -> None:
    run_id = a_big_run(archive)
    worker = process_run(s3, archive.url, run_id, WORKER_URL, shape=shape, readiness=READY_WHEN_SEEDED)
    arguments = job(aws, archive, [run_id], SPARK_URL, submission_id="test-submission", shape=shape)
    [result] = run_job(spark, arguments)
    ours, theirs = output_files(s3, SPARK_URL, run_id), output_files(s3, WORKER_URL, run_id)
    assert sorted(ours) == sorted(theirs)
    if shape == "python":  # the Scala SDK also refuses lines with an empty event_id, and so has more bad rows
        assert sorted(ours) == [
            SUCCESS_MARKER,
            "bad/part-00001.jsonl.gz",
            "bad/part-00002.jsonl.gz",
            "good/part-00000.jsonl.gz",
            "good/part-00001.jsonl.gz",
            "good/part-00002.jsonl.gz",
        ]
    for name in theirs:
        if name != SUCCESS_MARKER:
            assert ours[name] == theirs[name], f"{name}: the same events (or bad rows), in the same order"
    scala_only_key = b'"refr_dvce_tstamp":'  # the Scala SDK's name, present (as null) in every event
    assert (scala_only_key in ours["good/part-00000.jsonl.gz"]) == (shape == "scala")
    summary, expected = json.loads(ours[SUCCESS_MARKER]), worker.to_dict()
    assert (summary["lines"], summary["objects"]) == (94, 3)
    assert (summary["good"], summary["bad"]) == (
        (90, 4) if shape == "python" else (expected["good"], expected["bad"])
    )
    assert {k: v for k, v in summary.items() if "url" not in k and not k.endswith("_keys")} == {
        **{k: v for k, v in expected.items() if "url" not in k and not k.endswith("_keys")},
        "engine": "spark",
        "spark_application_id": spark.sparkContext.applicationId,
        "submission_id": "test-submission",
    }
    assert result.counts.lines == 94 and result.output_url == f"{SPARK_URL}run=2017-01-01-00-00-00/"


def test_a_corrupt_part_fails_its_run_only(spark: Any, aws: LocalAws, s3: Any, archive: Archive) -> None:
    good_run = a_big_run(archive, "2017-01-01-01-00-00")
    broken_run = archive.add_run(
        "2017-01-01-02-00-00",
        {"part-00000": b"".join(GOOD[:5]), "part-00001.gz": gzip.compress(b"".join(GOOD))[:-40]},
    )
    with pytest.raises(RunInputError) as raised:
        run_job(spark, job(aws, archive, [good_run, broken_run], SPARK_URL))
    message = str(raised.value)
    assert (
        f"s3://{archive.bucket}/{broken_run}part-00001.gz cannot be read" in message and "\n" not in message
    )
    assert "1 run(s) of 2 failed" in message
    assert SUCCESS_MARKER in output_files(s3, SPARK_URL, good_run)
    assert SUCCESS_MARKER not in output_files(s3, SPARK_URL, broken_run)


def test_parquet_output_holds_the_same_events_typed(
    spark: Any, aws: LocalAws, s3: Any, archive: Archive, tmp_path: Path
) -> None:
    run_id = a_big_run(archive, "2017-01-01-03-00-00")
    process_run(s3, archive.url, run_id, WORKER_URL, readiness=READY_WHEN_SEEDED)
    expected = output_files(s3, WORKER_URL, run_id)
    events = [
        json.loads(line)
        for name in sorted(expected)
        if name.startswith("good/")
        for line in expected[name].splitlines()
    ]
    bad_rows = sorted(
        line for name in expected if name.startswith("bad/") for line in expected[name].splitlines()
    )

    [result] = run_job(spark, job(aws, archive, [run_id], tmp_path.as_uri(), output_format="parquet"))
    folder = tmp_path / "run=2017-01-01-03-00-00"
    table = spark.read.parquet(str(folder / "good"))
    assert table.schema == event_schema()
    assert [field.dataType.simpleString() for field in table.schema if field.name == "collector_tstamp"] == [
        "timestamp"
    ]
    assert len(events) == 90
    assert canonical(from_parquet(row.asDict()) for row in table.collect()) == canonical(
        typed_like_parquet(event) for event in events
    )
    written_bad = sorted(
        line
        for part in (folder / "bad").glob("part-*.gz")
        for line in gzip.decompress(part.read_bytes()).splitlines()
    )
    assert written_bad == bad_rows
    summary = json.loads((folder / SUCCESS_MARKER).read_text())
    assert (summary["lines"], summary["good"], summary["bad"], summary["objects"]) == (94, 90, 4, 3)
    # The summary names the good events' codec, as the part files' names do (the bad rows are gzip).
    codec = summary["compression"]
    assert codec == spark.conf.get("spark.sql.parquet.compression.codec")
    good_parts = list((folder / "good").glob("part-*.parquet"))
    assert good_parts and all(part.name.endswith(f".{codec}.parquet") for part in good_parts)
    assert result.counts.good == 90


def canonical(events: Iterable[dict[str, Any]]) -> list[str]:
    """Events in a comparable, order-free form (Spark writes a run's parts in any order)."""
    return sorted(json.dumps(event, sort_keys=True, default=str) for event in events)


def from_parquet(row: dict[str, Any]) -> dict[str, Any]:
    """A Parquet row back as a JSON Lines event: nulls left out, shredded JSON parsed."""
    event = {k: v for k, v in row.items() if v is not None and k not in SHREDDED_COLUMNS}
    for column in SHREDDED_COLUMNS:
        event.update({key: json.loads(value) for key, value in (row[column] or {}).items()})
    return event


def typed_like_parquet(event: dict[str, Any]) -> dict[str, Any]:
    """A JSON Lines event with its timestamps as Parquet gives them back (UTC, to the microsecond)."""
    from datetime import datetime

    typed = dict(event)
    for field in event_schema().fields:
        if field.dataType.simpleString() == "timestamp" and field.name in event:
            stamp, _, fraction = event[field.name].removesuffix("Z").partition(".")
            micros = (fraction + "000000")[:6]
            typed[field.name] = datetime.fromisoformat(f"{stamp}.{micros}")
    return typed
