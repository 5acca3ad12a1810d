"""What the archive holds: its run folders, and each run folder's objects.

Every listing is one :func:`~airflow_provider_snowplow.aws.pagination.paginate` plan over
``ListObjectsV2``: one request per 1,000 run folders (or part files).
"""

from __future__ import annotations

from typing import Any

from airflow_provider_snowplow.archive.contents import (
    ARCHIVED_STORAGE_CLASSES,
    RunContents,
    RunObject,
    is_part_file,
)
from airflow_provider_snowplow.archive.run_ids import sort_run_ids
from airflow_provider_snowplow.archive.urls import S3Url
from airflow_provider_snowplow.aws.pagination import S3_LISTING, paginate
from airflow_provider_snowplow.aws.plans import AwsCall, Plan, call_once

__all__ = [
    "ARCHIVED_STORAGE_CLASSES",
    "first_keys",
    "is_part_file",
    "list_folders",
    "list_part_objects",
    "list_run_contents",
    "list_run_ids",
    "run_resource",
]


def run_resource(bucket: str, run_id: str) -> str:
    """How messages name one run folder."""
    return f"run {run_id!r} in bucket {bucket!r}"


def list_run_ids(archive: S3Url) -> Plan[list[str]]:
    """Every valid run folder directly under the archive prefix, oldest first."""
    prefixes = yield from list_folders(archive)
    return sort_run_ids(prefixes)


def list_folders(archive: S3Url) -> Plan[list[str]]:
    """Every folder prefix directly under the archive prefix, in key order (a page per 1,000)."""
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
    return prefixes


def first_keys(archive: S3Url, count: int = 1000) -> Plan[list[str]]:
    """The archive's first ``count`` object keys (at most 1,000: one request), in key order."""
    params = {"Bucket": archive.bucket, "Prefix": archive.prefix, "MaxKeys": count}
    page = yield from call_once(
        AwsCall("s3", "list_objects_v2", params, f"bucket {archive.bucket!r} (archive {archive})")
    )
    return [str(entry["Key"]) for entry in page.get("Contents", [])]


def list_run_contents(bucket: str, run_id: str, prefix: str | None = None) -> Plan[RunContents]:
    """Every object of the run folder, in one listing (a page per 1,000 objects).

    The one listing per run that discovery makes: it shows whether the run is ready (its marker,
    its newest object) and whether it is in Glacier. ``prefix`` is the key prefix its objects
    share when that is not the run id itself (a run layout's ``objects_prefix``).
    """
    entries = yield from _list_run_folder(bucket, run_id, prefix)
    return RunContents(run_id, tuple(RunObject.from_listing(entry) for entry in entries))


def list_part_objects(bucket: str, run_id: str, prefix: str | None = None) -> Plan[list[dict[str, Any]]]:
    """The run's part files (``ListObjectsV2`` ``Contents`` entries), in key order."""
    entries = yield from _list_run_folder(bucket, run_id, prefix)
    return [entry for entry in entries if is_part_file(entry["Key"], entry.get("Size", 0))]


def _list_run_folder(bucket: str, run_id: str, prefix: str | None) -> Plan[list[dict[str, Any]]]:
    entries: list[dict[str, Any]] = []
    params = {"Bucket": bucket, "Prefix": run_id if prefix is None else prefix}
    call = AwsCall("s3", "list_objects_v2", params, run_resource(bucket, run_id))
    yield from paginate(call, S3_LISTING, lambda page: entries.extend(page.get("Contents", [])))
    return sorted(entries, key=lambda entry: entry["Key"])
