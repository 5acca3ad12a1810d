"""Seeding a local endpoint: archives of run folders, and manifest items as the SDK writes them."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from airflow_provider_snowplow.archive.layouts.readiness import DEFAULT_MARKER, ReadinessRule
from airflow_provider_snowplow.archive.run_ids import RUN_TIMESTAMP_FORMAT
from airflow_provider_snowplow.manifest.table import RUN_ID_ATTRIBUTE

BATCH_WRITE_ITEMS = 25  # DynamoDB's limit for one BatchWriteItem
SEED_THREADS = 8
# Runs that Archive seeds end with their marker, written last: with no quiet period, they are ready
# as soon as they are seeded. Give this rule to the code under test (the hook, the sensor's
# ready_marker/settle_seconds) so a test does not wait out the default quiet period.
READY_WHEN_SEEDED = ReadinessRule(marker=DEFAULT_MARKER, settle_seconds=0)


@dataclass
class Archive:
    """An enriched archive in a bucket of a (local) S3 endpoint, to put run folders into."""

    s3: Any
    bucket: str
    prefix: str

    @classmethod
    def create(cls, s3: Any, bucket: str, prefix: str) -> Archive:
        """Create the bucket and return the (empty) archive under ``prefix``."""
        s3.create_bucket(Bucket=bucket)
        return cls(s3, bucket, prefix)

    @property
    def url(self) -> str:
        """The archive's ``s3://`` URL."""
        return f"s3://{self.bucket}/{self.prefix}"

    def run_id(self, timestamp: str) -> str:
        """The run id of the run folder stamped ``timestamp``."""
        return f"{self.prefix}run={timestamp}/"

    def add_run(
        self,
        timestamp: str,
        parts: dict[str, bytes] | None = None,
        storage_class: str = "STANDARD",
        marker: str | None = DEFAULT_MARKER,
    ) -> str:
        """Put one run folder as a pipeline finishes it: its part files, then ``marker`` (None: none).

        Returns:
            The run id.
        """
        run_id = self.run_id(timestamp)
        objects = {**(parts or {"part-00000": b"x\n"}), **({marker: b""} if marker else {})}
        for name, body in objects.items():
            self.s3.put_object(Bucket=self.bucket, Key=run_id + name, Body=body, StorageClass=storage_class)
        return run_id

    def add_folder(self, folder: str) -> None:
        """Put an object under an arbitrary folder of the archive (not necessarily a run)."""
        self.s3.put_object(Bucket=self.bucket, Key=f"{self.prefix}{folder}part-00000", Body=b"x\n")

    def add_runs(self, count: int, start_hour: int = 0, marker: str | None = DEFAULT_MARKER) -> list[str]:
        """``count`` runs an hour apart, oldest first (seeded concurrently), each ending with ``marker``."""
        stamps = [hourly_timestamp(start_hour + i) for i in range(count)]
        with ThreadPoolExecutor(SEED_THREADS) as pool:
            return list(pool.map(lambda stamp: self.add_run(stamp, marker=marker), stamps))


def hourly_timestamp(hour: int) -> str:
    """``2017-01-01-00-00-00`` plus ``hour`` hours, in run-folder format."""
    return (datetime(2017, 1, 1) + timedelta(hours=hour)).strftime(RUN_TIMESTAMP_FORMAT)


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
    return {RUN_ID_ATTRIBUTE: {"S": run_id}}


def seed_sdk_records(dynamodb: Any, table: str, run_ids: Sequence[str]) -> None:
    """Write the records Snowplow's SDK would write for ``run_ids``."""
    batch_write(dynamodb, table, [{"PutRequest": {"Item": sdk_record(r)}} for r in run_ids])
