"""What the archive holds: its run folders, a run's part files, and whether a run is in Glacier.

Every listing is one :func:`~airflow_provider_snowplow.aws.pagination.paginate` plan over
``ListObjectsV2``: one request per 1,000 run folders (or part files).
"""

from __future__ import annotations

from typing import Any

from airflow_provider_snowplow.archive.run_ids import sort_run_ids
from airflow_provider_snowplow.archive.urls import S3Url
from airflow_provider_snowplow.aws.pagination import S3_LISTING, paginate
from airflow_provider_snowplow.aws.plans import AwsCall, Plan

ARCHIVED_STORAGE_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})
LIST_PAGE_KEYS = 1000
# Hadoop and EMR leave these beside the part files; they hold no events.
_NOT_PARTS = ("_SUCCESS", "_$folder$", ".crc")


def run_resource(bucket: str, run_id: str) -> str:
    """How messages name one run folder."""
    return f"run {run_id!r} in bucket {bucket!r}"


def list_run_ids(archive: S3Url) -> Plan[list[str]]:
    """Every valid run folder directly under the archive prefix, oldest first."""
    prefixes: list[str] = []
    call = AwsCall(
        "s3",
        "list_objects_v2",
        {"Bucket": archive.bucket, "Prefix": archive.prefix, "Delimiter": "/"},
        f"bucket {archive.bucket!r} (archive {archive})",
    )
    yield from paginate(
        call, S3_LISTING, lambda page: prefixes.extend(f["Prefix"] for f in page.get("CommonPrefixes", []))
    )
    return sort_run_ids(prefixes)


def list_readable_run_ids(archive: S3Url) -> Plan[list[str]]:
    """The run folders of the archive whose objects can be read now, oldest first.

    Runs in GLACIER or DEEP_ARCHIVE are left out, as Snowplow's SDK ``list_runids`` leaves out
    GLACIER ones. This costs one storage-class check per run: to find the runs left to load,
    :func:`~airflow_provider_snowplow.manifest.discovery.find_pending_runs` checks only the runs
    that are not loaded.
    """
    readable: list[str] = []
    for run_id in (yield from list_run_ids(archive)):
        if not (yield from is_archived(archive.bucket, run_id)):
            readable.append(run_id)
    return readable


def is_part_file(key: str, size: int) -> bool:
    """Whether an object of a run folder holds events (not a marker, checksum or empty file)."""
    name = key.rpartition("/")[2]
    return size > 0 and bool(name) and not any(name.endswith(suffix) for suffix in _NOT_PARTS)


def list_part_objects(bucket: str, run_id: str) -> Plan[list[dict[str, Any]]]:
    """The run's part files (``ListObjectsV2`` ``Contents`` entries), in key order."""
    objects: list[dict[str, Any]] = []
    call = AwsCall(
        "s3", "list_objects_v2", {"Bucket": bucket, "Prefix": run_id}, run_resource(bucket, run_id)
    )
    yield from paginate(
        call,
        S3_LISTING,
        lambda page: objects.extend(
            o for o in page.get("Contents", []) if is_part_file(o["Key"], o.get("Size", 0))
        ),
    )
    return sorted(objects, key=lambda o: o["Key"])


def is_archived(bucket: str, run_id: str) -> Plan[bool]:
    """Whether the run's objects sit in a storage class that must be restored before reading.

    Looks at the first page only (1,000 objects): archiving moves a run's objects together.
    """
    page = yield AwsCall(
        "s3",
        "list_objects_v2",
        {"Bucket": bucket, "Prefix": run_id, "MaxKeys": LIST_PAGE_KEYS},
        run_resource(bucket, run_id),
    )
    assert page is not None
    return any(obj.get("StorageClass") in ARCHIVED_STORAGE_CLASSES for obj in page.get("Contents", []))
