"""``snowplow_analytics_sdk.run_manifests`` (SDK 0.2.0 to 0.2.3) on our core: its names, arguments and results.

The SDK's usage example runs unchanged but for its import::

    from airflow_provider_snowplow.snowplow_analytics_sdk.run_manifests import *

    run_manifests = RunManifests(dynamodb, "snowplow-run-manifests")
    run_manifests.create()
    for run_id in list_runids(s3, "s3://acme-snowplow-data/storage/enriched-archive/"):
        if not run_manifests.contains(run_id):
            process(run_id)
            run_manifests.add(run_id)

The items read and written are the SDK's, so both can share a table. On purpose, we differ:

* only ``run=YYYY-MM-DD-HH-MM-SS/`` folders are runs (the SDK also took ``2017-05-01-12-00-00/``);
  ``add`` and ``contains`` refuse anything else with :class:`~airflow_provider_snowplow.errors.RunIdError`
  (a ``ValueError``), and archive paths must hold a valid bucket name;
* ``list_runids`` follows S3 pagination, returns runs oldest first and leaves out runs in
  DEEP_ARCHIVE as well as GLACIER (the SDK looked at GLACIER only, in a run's first 3 keys);
* ``add`` never overwrites a record (a conditional write), so a run marked skipped stays skipped;
* ``create`` makes an on-demand table, polls until it is ACTIVE (the SDK waited in 20 s steps on a
  table of 5 read and 5 write units) and refuses an existing table with another key schema;
* AWS failures are :class:`~airflow_provider_snowplow.errors.AwsRequestError` or
  :class:`~airflow_provider_snowplow.errors.ManifestTableError` with one readable line, after
  botocore's retries, not botocore's ``ClientError``.

For what the SDK cannot do (pending runs in a few requests, claims, skips), see
:class:`airflow_provider_snowplow.load_manifests.LoadManifest`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_provider_snowplow.archive.listing import is_archived, list_readable_run_ids
from airflow_provider_snowplow.archive.run_ids import run_stamp
from airflow_provider_snowplow.archive.urls import folder_prefix, parse_archive_url
from airflow_provider_snowplow.aws.runners import run_sync
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.manifest.table import RUN_ID_ATTRIBUTE

DYNAMODB_RUNID_ATTRIBUTE = RUN_ID_ATTRIBUTE

# What ``from ... import *`` gives: the SDK's public names (it had no __all__).
__all__ = [
    "DYNAMODB_RUNID_ATTRIBUTE",
    "RunManifests",
    "add_to_manifest",
    "clean_dict",
    "create_manifest_table",
    "extract_run_id",
    "is_glacier",
    "is_in_manifest",
    "list_runids",
    "normalize_prefix",
    "split_full_path",
]


class RunManifests:
    """One manifest table: ``create``, ``add`` and ``contains``, as in the SDK.

    Args:
        dynamodb_client: a boto3 DynamoDB client (kept as ``self.dynamodb``).
        table_name: the manifest table.
    """

    def __init__(self, dynamodb_client: Any, table_name: str) -> None:
        self.dynamodb = dynamodb_client
        self.table_name = table_name

    def create(self) -> None:
        """Create the table unless it exists; see :func:`create_manifest_table`."""
        return create_manifest_table(self.dynamodb, self.table_name)

    def add(self, run_id: str) -> None:
        """Record the run as loaded; see :func:`add_to_manifest`."""
        return add_to_manifest(self.dynamodb, self.table_name, run_id)

    def contains(self, run_id: str) -> bool:
        """Whether the run is recorded; see :func:`is_in_manifest`."""
        return is_in_manifest(self.dynamodb, self.table_name, run_id)


def create_manifest_table(dynamodb_client: Any, table_name: str) -> None:
    """Create the manifest table (hash key ``RunId``) if it does not exist, and wait until it is ACTIVE.

    Raises:
        ManifestTableError: the table exists with another key schema, or the name is invalid.
    """
    LoadManifest(None, dynamodb_client, table_name).create_table()


def add_to_manifest(dynamodb_client: Any, table_name: str, run_id: str) -> None:
    """Record ``run_id`` as loaded (an item the SDKs and we read alike); a recorded run is left as is.

    Raises:
        RunIdError: ``run_id`` is not a run folder prefix.
    """
    LoadManifest(None, dynamodb_client, table_name).mark_loaded(run_id)


def is_in_manifest(dynamodb_client: Any, table_name: str, run_id: str) -> bool:
    """Whether ``run_id`` has a record (loaded or skipped, by us or an SDK).

    Raises:
        RunIdError: ``run_id`` is not a run folder prefix.
    """
    return LoadManifest(None, dynamodb_client, table_name).is_recorded(run_id)


def list_runids(s3_client: Any, full_path: str) -> list[str]:
    """The run ids of the archive at ``full_path`` whose objects are readable (not archived), oldest first.

    Raises:
        ArchiveUrlError: ``full_path`` is not ``s3://bucket/prefix`` (a ``ValueError``, as the SDK's).
    """
    return run_sync(list_readable_run_ids(parse_archive_url(full_path)), {"s3": s3_client})


def split_full_path(path: str) -> tuple[str, str | None]:
    """``(bucket, prefix)`` of an ``s3://``, ``s3n://`` or ``s3a://`` path; the prefix ends in ``/``, or is None.

    Raises:
        ArchiveUrlError: not such a path, or no valid bucket name (a ``ValueError``).
    """
    archive = parse_archive_url(path)
    return archive.bucket, archive.prefix or None


def is_glacier(s3_client: Any, bucket: str, prefix: str) -> bool:
    """Whether the objects under ``prefix`` are in GLACIER or DEEP_ARCHIVE (must be restored to be read)."""
    return run_sync(is_archived(bucket, prefix), {"s3": s3_client})


def extract_run_id(key: str) -> str | None:
    """``key`` if it is a run folder prefix (``.../run=YYYY-MM-DD-HH-MM-SS/``, trailing slash included), else None."""
    return key if run_stamp(key) else None


def normalize_prefix(path: str | None) -> str | None:
    """``path`` with a trailing slash; None for no path (None, ``""`` or ``"/"``)."""
    if path is None or path in ("", "/"):
        return None
    return folder_prefix(path)


def clean_dict(dict: Mapping[str, Any]) -> dict[str, Any]:
    """The items of ``dict`` whose value is not None (the SDK's helper for request parameters)."""
    return {key: value for key, value in dict.items() if value is not None}
