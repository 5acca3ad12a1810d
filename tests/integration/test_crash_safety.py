"""SIGKILL the processing step at any moment: afterwards a run is either recorded with complete output,
or not recorded (its claim expires); output without a record is allowed, and a rerun overwrites it
with the same files.

The kill moments are spread over the whole processing (random, seeded) plus two fixed ones, at once
and never, so both outcomes are always seen whatever the machine's speed.
"""

from __future__ import annotations

import gzip
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_snowplow.archive.urls import parse_archive_url
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.processing.run import output_folder
from airflow_provider_snowplow.testing.archive import READY_WHEN_SEEDED, Archive
from airflow_provider_snowplow.testing.events import valid_lines
from airflow_provider_snowplow.testing.local_aws import LocalAws
from tests.support import OUTPUT_URL

WORKER = Path(__file__).resolve().parents[1] / "crash_worker.py"
LEASE = 1.0
TRIALS = 16


def parts() -> dict[str, bytes]:
    lines = [line.encode() + b"\n" for line in valid_lines(1500, seed=11)]
    bad = b"not\tan\tenriched\tevent\n"
    return {
        "part-00000.gz": gzip.compress(b"".join(lines[:500])),
        "part-00001": b"".join(lines[500:1000]) + bad,
        "part-00002.gz": gzip.compress(b"".join(lines[1000:]) + bad),
    }


def worker(aws: LocalAws, table: str, archive: Archive, run_id: str, owner: str) -> subprocess.Popen[bytes]:
    args = [aws.endpoint_url, table, archive.url, run_id, OUTPUT_URL, owner, str(LEASE)]
    return subprocess.Popen(
        [sys.executable, str(WORKER), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def output_files(s3: Any, run_id: str) -> dict[str, bytes]:
    """The run's output, keyed relative to its folder, gzip members decompressed."""
    output = parse_archive_url(OUTPUT_URL)
    folder = output_folder(output, run_id)
    listing = s3.list_objects_v2(Bucket=output.bucket, Prefix=folder).get("Contents", [])
    files = {}
    for obj in listing:
        body = s3.get_object(Bucket=output.bucket, Key=obj["Key"])["Body"].read()
        name = obj["Key"][len(folder) :]
        files[name] = gzip.decompress(body) if name.endswith(".gz") else body
    return files


def comparable(files: dict[str, bytes], run_id: str) -> dict[str, bytes]:
    """The output without the summary, and with the run's own id (named in bad rows) made neutral."""
    own = run_id.encode()
    return {
        name: data.replace(own, b"RUN/") for name, data in files.items() if not name.startswith("_SUCCESS")
    }


@pytest.mark.timeout(600)
def test_killed_processing_never_leaves_a_half_loaded_run(
    aws: LocalAws, s3: Any, dynamodb: Any, table: str, archive: Archive
) -> None:
    data = parts()
    reference_run = archive.add_run("2017-01-01-00-00-00", data)
    done = worker(aws, table, archive, reference_run, "reference")
    assert done.wait(120) == 0, done.stderr.read() if done.stderr else ""
    reference = comparable(output_files(s3, reference_run), reference_run)
    assert sorted(reference) == [
        "bad/part-00001.jsonl.gz",
        "bad/part-00002.jsonl.gz",
        "good/part-00000.jsonl.gz",
        "good/part-00001.jsonl.gz",
        "good/part-00002.jsonl.gz",
    ]
    assert sum(chunk.count(b"\n") for name, chunk in reference.items() if name.startswith("good/")) == 1500

    rng = random.Random(7)
    # Seconds after the start to kill at: at once, spread over the run, and never (it finishes).
    kill_after: list[float | None] = [0.0, *(rng.uniform(0.1, 2.5) for _ in range(TRIALS - 2)), None]
    manifest = LoadManifest(s3, dynamodb, table, readiness=READY_WHEN_SEEDED)
    outcomes = {"loaded": 0, "not loaded": 0}
    for trial, delay in enumerate(kill_after):
        run_id = archive.add_run(f"2017-02-01-00-00-{trial:02d}", data)
        victim = worker(aws, table, archive, run_id, f"victim-{trial}")
        if delay is None:
            assert victim.wait(120) == 0, victim.stderr.read() if victim.stderr else ""
        else:
            time.sleep(delay)
            victim.kill()
            victim.wait()
        if manifest.is_loaded(run_id):
            outcomes["loaded"] += 1
            assert comparable(output_files(s3, run_id), run_id) == reference, (
                f"trial {trial}: loaded but incomplete"
            )
            assert manifest.get_claim(run_id) is None
        else:
            outcomes["not loaded"] += 1
            claim = manifest.get_claim(run_id)
            assert claim is None or claim.owner == f"victim-{trial}"
            files = output_files(s3, run_id)
            if "_SUCCESS.json" in files:  # killed between the summary and the record: whole, not loaded
                assert comparable(files, run_id) == reference, f"trial {trial}: summary over partial output"
            time.sleep(LEASE)  # the dead worker's lease runs out
            rerun = worker(aws, table, archive, run_id, f"rerun-{trial}")
            assert rerun.wait(120) == 0, rerun.stderr.read() if rerun.stderr else ""
            assert manifest.is_loaded(run_id)
            assert comparable(output_files(s3, run_id), run_id) == reference, (
                f"trial {trial}: rerun output differs"
            )
    assert outcomes["loaded"] and outcomes["not loaded"], outcomes
