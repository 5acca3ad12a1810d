"""What the archive holds: its run folders, and each run folder's objects.

Every listing is one :func:`~airflow_provider_snowplow.aws.pagination.paginate` plan over
``ListObjectsV2``: one request per 1,000 run folders (or part files).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from airflow_provider_snowplow.archive.contents import (
    ARCHIVED_STORAGE_CLASSES,
    RunContents,
    RunObject,
    is_part_file,
)
from airflow_provider_snowplow.archive.run_ids import sort_run_ids, why_not_a_run
from airflow_provider_snowplow.archive.urls import S3Url
from airflow_provider_snowplow.aws.pagination import S3_LISTING, paginate
from airflow_provider_snowplow.aws.plans import AwsCall, Plan, call_once

__all__ = [
    "ARCHIVED_STORAGE_CLASSES",
    "ArchiveListing",
    "first_folders",
    "first_keys",
    "is_archived",
    "is_part_file",
    "list_archive",
    "list_folders",
    "list_part_objects",
    "list_readable_run_ids",
    "list_run_contents",
    "list_run_ids",
    "run_resource",
]

LIST_PAGE_KEYS = 1000  # the most S3 returns in one ListObjectsV2 page


def run_resource(bucket: str, run_id: str) -> str:
    """How messages name one run folder."""
    return f"run {run_id!r} in bucket {bucket!r}"


@dataclass(frozen=True)
class ArchiveListing:
    """The folders directly under an archive prefix.

    Attributes:
        run_ids: the valid run folders, oldest first.
        ignored: folders named like runs that are not (``run=2026-13-01-00-00-00/``), each with
            the reason; they are never pending, and are named so that nobody loses them silently.
    """

    run_ids: list[str]
    ignored: dict[str, str] = field(default_factory=dict)


def list_archive(archive: S3Url) -> Plan[ArchiveListing]:
    """The run folders directly under the archive prefix, and the run-like folders that are not runs."""
    prefixes = yield from list_folders(archive)
    ignored = {p: reason for p in prefixes if (reason := why_not_a_run(p)) is not None}
    return ArchiveListing(sort_run_ids(prefixes), ignored)


def list_run_ids(archive: S3Url) -> Plan[list[str]]:
    """Every valid run folder directly under the archive prefix, oldest first."""
    return (yield from list_archive(archive)).run_ids


def _folders_call(bucket: str, prefix: str, resource: str) -> AwsCall:
    return AwsCall("s3", "list_objects_v2", {"Bucket": bucket, "Prefix": prefix, "Delimiter": "/"}, resource)


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


def list_folders(archive: S3Url) -> Plan[list[str]]:
    """Every folder prefix directly under the archive prefix, in key order (a page per 1,000)."""
    prefixes: list[str] = []
    yield from paginate(
        _folders_call(archive.bucket, archive.prefix, f"bucket {archive.bucket!r} (archive {archive})"),
        S3_LISTING,
        lambda page: prefixes.extend(f["Prefix"] for f in page.get("CommonPrefixes", [])),
    )
    return prefixes


def first_folders(bucket: str, prefix: str) -> Plan[list[str]]:
    """The names of the first 1,000 sub-folders of ``prefix`` (one delimiter listing request)."""
    page = yield _folders_call(bucket, prefix, f"bucket {bucket!r}")
    assert page is not None
    return [f["Prefix"][len(prefix) :] for f in page.get("CommonPrefixes", [])]


def first_keys(archive: S3Url, count: int = 1000) -> Plan[list[str]]:
    """The archive's first ``count`` object keys (at most 1,000: one request), in key order."""
    params = {"Bucket": archive.bucket, "Prefix": archive.prefix, "MaxKeys": count}
    page = yield from call_once(
        AwsCall("s3", "list_objects_v2", params, f"bucket {archive.bucket!r} (archive {archive})")
    )
    return [str(entry["Key"]) for entry in page.get("Contents", [])]


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
