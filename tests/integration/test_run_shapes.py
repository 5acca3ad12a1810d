"""Processing a run in the Scala Analytics SDK's JSON shape: process_run and the transform operator."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_snowplow.event_transformer import Shape, transform
from airflow_provider_snowplow.processing.run import process_run
from airflow_provider_snowplow.testing.archive import READY_WHEN_SEEDED, Archive
from airflow_provider_snowplow.testing.events import scala_valid_lines
from airflow_provider_snowplow.testing.local_aws import LocalAws
from tests.integration.airflow_runs import run_dag
from tests.support import BUCKET, OUTPUT_URL

LINES = list(scala_valid_lines(8, seed=61))


def written_events(s3: Any, key: str) -> list[Any]:
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return [json.loads(line) for line in gzip.decompress(body).splitlines()]


def as_written(event: dict[str, Any]) -> Any:
    return json.loads(json.dumps(event))


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("shape", ["python", "scala"])
def test_process_run_writes_the_shape_asked_for(
    s3: Any, archive: Archive, shape: Shape, workers: int
) -> None:
    # Two parts: with two workers, the second is processed by a worker process.
    halves = [LINES[: len(LINES) // 2], LINES[len(LINES) // 2 :]]
    parts = {
        f"part-0000{i}.gz": gzip.compress("\n".join(half).encode() + b"\n") for i, half in enumerate(halves)
    }
    run_id = archive.add_run("2017-04-07-10-00-00", parts)
    result = process_run(
        s3, archive.url, run_id, OUTPUT_URL, shape=shape, workers=workers, readiness=READY_WHEN_SEEDED
    )
    assert (result.counts.good, result.counts.bad) == (len(LINES), 0)
    events = [event for key in result.good_keys for event in written_events(s3, key)]
    assert events == [as_written(transform(line, shape=shape)) for line in LINES]
    assert all(("refr_dvce_tstamp" in event) == (shape == "scala") for event in events)


def test_an_unknown_shape_is_refused_before_any_request(aws: LocalAws, s3: Any, archive: Archive) -> None:
    run_id = archive.add_run("2017-04-07-10-00-00")
    aws.request_counts(reset=True)
    with pytest.raises(ValueError, match=r"shape must be 'python' .* or 'scala'"):
        process_run(s3, archive.url, run_id, OUTPUT_URL, shape="avro", readiness=READY_WHEN_SEEDED)  # type: ignore[arg-type]
    assert sum(aws.request_counts().values()) == 0


def test_the_operator_renders_its_shape_and_writes_that_json(
    test_dags: Path, aws_connection: str, s3: Any, table: str, archive: Archive
) -> None:
    run_id = archive.add_run("2017-04-07-10-00-00", {"part-00000": "\n".join(LINES[:3]).encode()})
    outcome = run_dag(
        "snowplow_transform_shape",
        snowplow_run_id=run_id,
        archive_url=archive.url,
        output_url=OUTPUT_URL,
        table_name=table,
        shape="scala",
    )
    assert outcome.state == "success", outcome
    summary = outcome.xcoms[("transform", run_id)]  # labelled with the run id (map_index_template)
    assert written_events(s3, summary["good_keys"][0]) == [
        as_written(transform(line, shape="scala")) for line in LINES[:3]
    ]
