"""Helpers that seed archives and run Snowplow's own SDK, for tests and benchmarks."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# Where the root conftest's fixtures put things: the ``table``, and the ``archive`` in ``BUCKET``.
TABLE = "snowplow-load-manifests"
BUCKET = "acme-snowplow"
ARCHIVE_URL = f"s3://{BUCKET}/enriched/archive/"
OUTPUT_URL = f"s3://{BUCKET}/enriched/json/"


def sdk_python() -> str:
    """The interpreter of the venv holding ``snowplow-analytics-sdk==0.2.3`` (made by ./dev setup)."""
    python = os.environ.get("SNOWPLOW_SDK_PYTHON", str(REPO / ".venv-sdk" / "bin" / "python"))
    if not Path(python).exists():
        raise AssertionError(f"no SDK venv at {python}: run `./dev setup` (or set SNOWPLOW_SDK_PYTHON)")
    return python


def run_sdk(script: str, endpoint_url: str, **args: Any) -> Any:
    """Run ``script`` with the real Snowplow SDK against the local endpoint; returns its JSON output.

    The script sees ``s3`` and ``dynamodb`` boto3 clients, ``args`` (this call's keyword
    arguments) and ``sdk`` (``snowplow_analytics_sdk.run_manifests``), and sets ``result``.
    """
    prelude = (
        "import json, sys, boto3\n"
        "import snowplow_analytics_sdk.run_manifests as sdk\n"
        "args = json.loads(sys.argv[2])\n"
        "kw = dict(endpoint_url=sys.argv[1], region_name='us-east-1',"
        " aws_access_key_id='testing', aws_secret_access_key='testing')\n"
        "s3 = boto3.client('s3', **kw)\n"
        "dynamodb = boto3.client('dynamodb', **kw)\n"
    )
    program = prelude + script + "\nprint(json.dumps(result))\n"
    done = subprocess.run(
        [sdk_python(), "-c", program, endpoint_url, json.dumps(args)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"SDK script failed:\n{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


@dataclass
class Archive:
    """A seeded enriched archive in a bucket of the local endpoint."""

    s3: Any
    bucket: str
    prefix: str

    @classmethod
    def create(cls, s3: Any, bucket: str, prefix: str) -> Archive:
        s3.create_bucket(Bucket=bucket)
        return cls(s3, bucket, prefix)

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def run_id(self, timestamp: str) -> str:
        return f"{self.prefix}run={timestamp}/"

    def add_run(
        self, timestamp: str, parts: dict[str, bytes] | None = None, storage_class: str = "STANDARD"
    ) -> str:
        """Put one run folder; returns its run id."""
        run_id = self.run_id(timestamp)
        for name, body in (parts or {"part-00000": b"x\n"}).items():
            self.s3.put_object(Bucket=self.bucket, Key=run_id + name, Body=body, StorageClass=storage_class)
        return run_id

    def add_folder(self, folder: str) -> None:
        """Put an object under an arbitrary folder of the archive (not necessarily a run)."""
        self.s3.put_object(Bucket=self.bucket, Key=f"{self.prefix}{folder}part-00000", Body=b"x\n")

    def add_runs(self, count: int, start_hour: int = 0) -> list[str]:
        """``count`` runs an hour apart, oldest first (seeded concurrently)."""
        stamps = [hourly_timestamp(start_hour + i) for i in range(count)]
        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(self.add_run, stamps))


BATCH_WRITE_ITEMS = 25  # DynamoDB's limit for one BatchWriteItem
SEED_THREADS = 8


def batch_write(dynamodb: Any, table_name: str, requests: Sequence[dict[str, Any]]) -> None:
    """``BatchWriteItem``, 25 put or delete requests a call, from a few threads; retries leftovers."""

    def write(batch: list[dict[str, Any]]) -> None:
        while batch:
            response = dynamodb.batch_write_item(RequestItems={table_name: batch})
            batch = response.get("UnprocessedItems", {}).get(table_name, [])

    batches = [list(requests[i : i + BATCH_WRITE_ITEMS]) for i in range(0, len(requests), BATCH_WRITE_ITEMS)]
    with ThreadPoolExecutor(SEED_THREADS) as pool:
        list(pool.map(write, batches))


def sdk_record(run_id: str) -> dict[str, Any]:
    """A run record as Snowplow's SDK writes it: the key alone."""
    return {"RunId": {"S": run_id}}


def seed_sdk_records(dynamodb: Any, table: str, run_ids: list[str]) -> None:
    """Write the records Snowplow's SDK would write for ``run_ids``."""
    batch_write(dynamodb, table, [{"PutRequest": {"Item": sdk_record(r)}} for r in run_ids])


def hourly_timestamp(hour: int) -> str:
    """``2017-01-01-00-00-00`` plus ``hour`` hours, in run-folder format."""
    from datetime import datetime, timedelta

    return (datetime(2017, 1, 1) + timedelta(hours=hour)).strftime("%Y-%m-%d-%H-%M-%S")
