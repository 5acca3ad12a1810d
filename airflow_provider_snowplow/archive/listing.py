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
from airflow_provider_snowplow.archive.run_ids import run_stamp, sort_run_ids, why_not_a_run
from airflow_provider_snowplow.archive.urls import S3Url
from airflow_provider_snowplow.aws.pagination import S3_LISTING, paginate
from airflow_provider_snowplow.aws.plans import AwsCall, Plan, call_once

__all__ = [
    "ARCHIVED_STORAGE_CLASSES",
    "ArchiveListing",
    "explain_no_runs",
    "first_keys",
    "is_archived",
    "is_part_file",
    "list_archive",
    "list_folders",
    "list_part_objects",
    "list_readable_run_ids",
    "list_run_contents",
    "list_run_ids",
    "run_exists",
    "run_resource",
]

LIST_PAGE_KEYS = 1000  # the most S3 returns in one ListObjectsV2 page


def run_resource(bucket: str, run_id: str) -> str:
    """How messages name one run folder."""
    return f"run {run_id!r} in bucket {bucket!r}"


_SHOWN_FOLDERS = 8


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


def explain_no_runs(archive: S3Url) -> Plan[str]:
    """A hint for an archive without runs: what its prefix holds instead, or what its parent holds.

    Costs one or two ``ListObjectsV2`` requests; asked only when a listing found no run, where a
    typo in the archive URL is the likely cause.
    """
    parent = archive.prefix.rstrip("/").rpartition("/")[0]
    parent_url = S3Url(archive.bucket, parent + "/" if parent else "")
    if run_stamp(archive.prefix) is not None:
        return f"{archive} is itself a run folder: the archive is {parent_url}"
    folders, objects = yield from _one_page(archive.bucket, archive.prefix, f"bucket {archive.bucket!r}")
    if folders:
        return f"{archive} holds no run=YYYY-MM-DD-HH-MM-SS/ folder, but {_some(folders)}"
    if objects:
        return f"{archive} holds {objects} object(s) but no run=YYYY-MM-DD-HH-MM-SS/ folder"
    if not archive.prefix:
        return f"bucket {archive.bucket!r} is empty"
    folders, _ = yield from _one_page(archive.bucket, parent_url.prefix, f"bucket {archive.bucket!r}")
    if folders:
        return (
            f"nothing is stored under {archive}; {parent_url} holds {_some(folders)}: check the archive URL"
        )
    return f"nothing is stored under {archive} nor under {parent_url}: check the archive URL and the bucket"


def _folders_call(bucket: str, prefix: str, resource: str) -> AwsCall:
    return AwsCall("s3", "list_objects_v2", {"Bucket": bucket, "Prefix": prefix, "Delimiter": "/"}, resource)


def _one_page(bucket: str, prefix: str, resource: str) -> Plan[tuple[list[str], int]]:
    """The sub-folder names and the number of objects on the first listing page of ``prefix``."""
    page = yield _folders_call(bucket, prefix, resource)
    assert page is not None
    names = [f["Prefix"][len(prefix) :] for f in page.get("CommonPrefixes", [])]
    return names, len(page.get("Contents", []))


def _some(folders: list[str]) -> str:
    shown = ", ".join(folders[:_SHOWN_FOLDERS])
    more = f" and {len(folders) - _SHOWN_FOLDERS} more" if len(folders) > _SHOWN_FOLDERS else ""
    return f"the folder{'s' if len(folders) > 1 else ''} {shown}{more}"


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


def run_exists(bucket: str, run_id: str, prefix: str | None = None) -> Plan[bool]:
    """Whether the run holds at least one object (one ``ListObjectsV2`` of one key).

    ``prefix`` is the key prefix its objects share when that is not the run id (``objects_prefix``).
    """
    page = yield AwsCall(
        "s3",
        "list_objects_v2",
        {"Bucket": bucket, "Prefix": run_id if prefix is None else prefix, "MaxKeys": 1},
        run_resource(bucket, run_id),
    )
    assert page is not None
    return bool(page.get("Contents"))


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
