"""Archive URLs and Snowplow run ids: parsing and validation, with no I/O.

A *run id* is exactly what Snowplow's SDKs store in a load manifest: the key prefix of a run folder
relative to its bucket, with a trailing slash, e.g. ``enriched/archive/run=2017-04-07-10-00-00/``.
This module is the one place that knows those shapes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from airflow_provider_snowplow.errors import ArchiveUrlError, RunIdError

ARCHIVE_URL_SCHEMES = ("s3://", "s3a://", "s3n://")
ARCHIVE_URL_EXAMPLE = "s3://acme-snowplow/enriched/archive/"

# Current bucket rules (3-63 lowercase letters, digits, dots, hyphens) plus what legacy us-east-1
# buckets may still have: capitals and underscores, up to 255 characters.
_BUCKET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]")
_IPV4_LIKE = re.compile(r"\d+\.\d+\.\d+\.\d+")
_RUN_FOLDER = re.compile(r"run=(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})")
RUN_TIMESTAMP_FORMAT = "%Y-%m-%d-%H-%M-%S"


@dataclass(frozen=True)
class ArchiveUrl:
    """A parsed archive location.

    Attributes:
        bucket: the S3 bucket name.
        prefix: the key prefix of the archive, ``""`` for the bucket root, else ending in ``/``.
    """

    bucket: str
    prefix: str

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def run_url(self, run_id: str) -> str:
        """The ``s3://`` URL of one run folder of this archive's bucket."""
        return f"s3://{self.bucket}/{run_id}"


def parse_archive_url(archive_url: str) -> ArchiveUrl:
    """Parse ``s3://bucket/prefix`` (also ``s3a://`` and ``s3n://``, trailing slash optional).

    Raises:
        ArchiveUrlError: naming the URL and what is wrong with it.
    """
    if not isinstance(archive_url, str):
        raise ArchiveUrlError(
            f"archive URL must be a string like {ARCHIVE_URL_EXAMPLE!r}, got {type(archive_url).__name__}"
            f" {archive_url!r}"
        )
    scheme = next((s for s in ARCHIVE_URL_SCHEMES if archive_url.startswith(s)), None)
    if scheme is None:
        raise ArchiveUrlError(
            f"archive URL {archive_url!r} must start with s3://, s3a:// or s3n:// "
            f"(for example {ARCHIVE_URL_EXAMPLE!r})"
        )
    bucket, _, prefix = archive_url[len(scheme) :].partition("/")
    if not bucket:
        raise ArchiveUrlError(f"archive URL {archive_url!r} has no bucket name after {scheme!r}")
    if not _BUCKET_NAME.fullmatch(bucket) or ".." in bucket or _IPV4_LIKE.fullmatch(bucket):
        raise ArchiveUrlError(
            f"archive URL {archive_url!r}: {bucket!r} is not a valid S3 bucket name "
            "(3-63 letters, digits, dots and hyphens, starting and ending with a letter or digit)"
        )
    if any(ch.isspace() for ch in prefix) or "//" in prefix or prefix.startswith("/"):
        raise ArchiveUrlError(
            f"archive URL {archive_url!r} has whitespace or an empty path segment in its prefix {prefix!r}"
        )
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return ArchiveUrl(bucket=bucket, prefix=prefix)


def run_stamp(run_id: str) -> str | None:
    """The ``YYYY-MM-DD-HH-MM-SS`` of a run folder prefix, or None if it is not one.

    Only the last path segment counts, and it must be ``run=YYYY-MM-DD-HH-MM-SS`` with a real date
    and time. Snowplow's Python SDK also accepted ``2017-05-01-12-00-00/`` and ``nur=...`` by
    mistake; we do not. The stamps are fixed-width, so they sort chronologically as strings.
    """
    if not isinstance(run_id, str) or not run_id.endswith("/"):
        return None
    match = _RUN_FOLDER.fullmatch(run_id[:-1].rpartition("/")[2])
    if match is None:
        return None
    stamp = match.group(1)
    try:  # datetime() checks the calendar; ~5x cheaper than strptime on large archives
        datetime(
            int(stamp[:4]),
            int(stamp[5:7]),
            int(stamp[8:10]),
            int(stamp[11:13]),
            int(stamp[14:16]),
            int(stamp[17:]),
        )
    except ValueError:
        return None
    return stamp


def run_timestamp(run_id: str) -> datetime | None:
    """The time of a run folder (naive, as Snowplow names them in UTC), or None if not a run."""
    stamp = run_stamp(run_id)
    return datetime.strptime(stamp, RUN_TIMESTAMP_FORMAT) if stamp else None


def validate_run_id(run_id: str) -> str:
    """Return ``run_id`` unchanged if it is a run folder prefix, else raise.

    Raises:
        RunIdError: with the value and the expected shape.
    """
    if run_timestamp(run_id) is None or run_id.startswith(ARCHIVE_URL_SCHEMES):
        hint = ""
        if isinstance(run_id, str) and run_id.startswith(ARCHIVE_URL_SCHEMES):
            hint = " (drop the s3://bucket/ part: run ids are relative to the bucket)"
        elif isinstance(run_id, str) and run_timestamp(run_id + "/") is not None:
            hint = " (add the trailing slash)"
        raise RunIdError(
            f"{run_id!r} is not a Snowplow run id: expected a run folder prefix like "
            f"'enriched/archive/run=2017-04-07-10-00-00/'{hint}"
        )
    return run_id


def sort_run_ids(run_ids: Iterable[str]) -> list[str]:
    """The valid run folder prefixes among ``run_ids``, oldest first; anything else is left out.

    Ties (the same timestamp under different prefixes) are ordered by prefix. Each stamp is parsed
    once, which matters when an archive lists 100,000 runs.
    """
    stamped = [(stamp, run_id) for run_id in run_ids if (stamp := run_stamp(run_id))]
    return [run_id for _, run_id in sorted(stamped)]
