"""Processing one run: the output it writes, and how it fails (bad rows, corrupt gzip, broken downloads).

Whatever goes wrong, the run's ``_SUCCESS.json`` is never written, so a failed run never looks done.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from airflow_provider_snowplow.archive.urls import parse_output_url
from airflow_provider_snowplow.errors import AwsRequestError, RunInputError
from airflow_provider_snowplow.event_transformer import transform
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.processing.run import SUCCESS_MARKER, output_folder, process_run
from airflow_provider_snowplow.testing.archive import READY_WHEN_SEEDED, Archive
from airflow_provider_snowplow.testing.events import valid_lines
from airflow_provider_snowplow.testing.local_aws import LocalAws
from tests.fault_proxy import FaultProxy
from tests.integration.airflow_runs import run_dag
from tests.support import OUTPUT_URL

GOOD = [line.encode() + b"\n" for line in valid_lines(60, seed=5)]
BAD = b"not\tan\tenriched\tevent\n"


def output_keys(s3: Any, run_id: str) -> list[str]:
    output = parse_output_url(OUTPUT_URL)
    folder = output_folder(output, run_id)
    listing = s3.list_objects_v2(Bucket=output.bucket, Prefix=folder).get("Contents", [])
    return sorted(obj["Key"][len(folder) :] for obj in listing)


def read_output(s3: Any, run_id: str, name: str) -> bytes:
    output = parse_output_url(OUTPUT_URL)
    body = s3.get_object(Bucket=output.bucket, Key=output_folder(output, run_id) + name)["Body"].read()
    return gzip.decompress(body) if name.endswith(".gz") else body


def test_a_run_becomes_good_events_and_bad_rows_with_the_counts_last(s3: Any, archive: Archive) -> None:
    run_id = archive.add_run(
        "2017-01-01-00-00-00",
        {"part-00000.gz": gzip.compress(b"".join(GOOD[:30])), "part-00001": b"".join(GOOD[30:]) + BAD},
    )
    result = process_run(s3, archive.url, run_id, OUTPUT_URL, readiness=READY_WHEN_SEEDED)
    assert output_keys(s3, run_id) == [
        SUCCESS_MARKER,
        "bad/part-00001.jsonl.gz",
        "good/part-00000.jsonl.gz",
        "good/part-00001.jsonl.gz",
    ]
    good = [
        json.loads(line)
        for name in ("good/part-00000.jsonl.gz", "good/part-00001.jsonl.gz")
        for line in read_output(s3, run_id, name).splitlines()
    ]
    assert good == [transform(line.decode().rstrip("\n")) for line in GOOD], "every event, in order"
    bad_rows = [json.loads(line) for line in read_output(s3, run_id, "bad/part-00001.jsonl.gz").splitlines()]
    assert len(bad_rows) == 1 and bad_rows[0]["errors"]
    summary = json.loads(read_output(s3, run_id, SUCCESS_MARKER))
    assert (summary["lines"], summary["good"], summary["bad"], summary["objects"]) == (61, 60, 1, 2)
    assert summary == result.to_dict()


def test_a_truncated_gzip_part_fails_the_run_naming_the_file(s3: Any, archive: Archive) -> None:
    whole = gzip.compress(b"".join(GOOD))
    run_id = archive.add_run(
        "2017-01-01-01-00-00", {"part-00000": b"".join(GOOD[:5]), "part-00001.gz": whole[:-40]}
    )
    with pytest.raises(RunInputError) as raised:
        process_run(s3, archive.url, run_id, OUTPUT_URL, readiness=READY_WHEN_SEEDED)
    message = str(raised.value)
    assert f"s3://{archive.bucket}/{run_id}part-00001.gz" in message and "\n" not in message
    assert "nothing of this run was marked loaded" in message
    assert SUCCESS_MARKER not in output_keys(s3, run_id)


@pytest.fixture
def proxy(aws: LocalAws) -> Iterator[FaultProxy]:
    with FaultProxy(aws.endpoint_url) as fault_proxy:
        yield fault_proxy


def test_a_download_broken_mid_stream_fails_the_run_and_writes_no_summary(
    proxy: FaultProxy, s3: Any, archive: Archive
) -> None:
    run_id = archive.add_run("2017-01-01-02-00-00", {"part-00000": b"".join(GOOD) * 20})
    broken = proxy.inject("s3:GetObject", "truncate", times=1, keep=0.3)
    config = Config(retries={"mode": "standard", "max_attempts": 3})
    proxied = boto3.client("s3", endpoint_url=proxy.endpoint_url, region_name="us-east-1", config=config)
    with pytest.raises(AwsRequestError, match="failed mid-stream") as raised:
        process_run(proxied, archive.url, run_id, OUTPUT_URL, readiness=READY_WHEN_SEEDED)
    assert broken.fired == 1
    assert f"s3://{archive.bucket}/{run_id}part-00000" in str(raised.value)
    assert raised.value.operation == "GetObject"
    assert output_keys(s3, run_id) == [], "nothing of a broken part is uploaded"


def test_fail_on_bad_rows_fails_the_task_after_writing_everything_and_frees_the_run(
    dag_env: Archive, s3: Any, manifest: LoadManifest, capfd: pytest.CaptureFixture[str]
) -> None:
    run_id = dag_env.add_run("2017-01-01-03-00-00", {"part-00000": b"".join(GOOD[:10]) + BAD})
    outcome = run_dag("snowplow_transform_one_run", snowplow_run_id=run_id, fail_on_bad_rows=True)
    assert outcome.states[("transform", run_id)] == "failed"
    task_log = "".join(capfd.readouterr())
    assert f"BadRowsError: run {run_id} had 1 bad row(s) of 11" in task_log
    assert "bad/part-00000.jsonl.gz" in output_keys(s3, run_id), "the bad rows are written all the same"
    assert manifest.get_claim(run_id) is None, "the claim is released at once"
    assert not manifest.is_recorded(run_id)
    lenient = run_dag("snowplow_transform_one_run", snowplow_run_id=run_id, fail_on_bad_rows=False)
    assert lenient.states[("transform", run_id)] == "success"
    assert lenient.xcoms[("transform", run_id)]["bad"] == 1
