"""S3 locations given by users: the archive the runs are in, and where output goes.

Both are ``s3://bucket/prefix/`` (``s3a://`` and ``s3n://`` too, as Spark users write them); one
parser checks both, and its errors say which of the two was wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from airflow_provider_snowplow.errors import ArchiveUrlError, OutputUrlError, S3UrlError

S3_URL_SCHEMES = ("s3://", "s3a://", "s3n://")
ARCHIVE_URL_EXAMPLE = "s3://acme-snowplow/enriched/archive/"
OUTPUT_URL_EXAMPLE = "s3://acme-snowplow/enriched/json/"

# Current bucket rules (3-63 lowercase letters, digits, dots, hyphens) plus what legacy us-east-1
# buckets may still have: capitals and underscores, up to 255 characters.
_BUCKET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]")
_IPV4_LIKE = re.compile(r"\d+\.\d+\.\d+\.\d+")


@dataclass(frozen=True)
class S3Url:
    """A parsed S3 folder location.

    Attributes:
        bucket: the S3 bucket name.
        prefix: the key prefix, ``""`` for the bucket root, else ending in ``/``.
    """

    bucket: str
    prefix: str

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def run_url(self, run_id: str) -> str:
        """The ``s3://`` URL of one run folder of this location's bucket."""
        return f"s3://{self.bucket}/{run_id}"


ArchiveUrl = S3Url  # the name the archive's own code reads best with


def parse_archive_url(archive_url: str) -> S3Url:
    """Parse the archive's ``s3://bucket/prefix`` (trailing slash optional).

    Raises:
        ArchiveUrlError: naming the URL and what is wrong with it.
    """
    return _parse(archive_url, "archive URL", ARCHIVE_URL_EXAMPLE, ArchiveUrlError)


def parse_output_url(output_url: str) -> S3Url:
    """Parse an output location ``s3://bucket/prefix`` (trailing slash optional).

    Raises:
        OutputUrlError: naming the URL and what is wrong with it.
    """
    return _parse(output_url, "output URL", OUTPUT_URL_EXAMPLE, OutputUrlError)


def _parse(url: str, what: str, example: str, error: type[S3UrlError]) -> S3Url:
    if not isinstance(url, str):
        raise error(f"{what} must be a string like {example!r}, got {type(url).__name__} {url!r}")
    scheme = next((s for s in S3_URL_SCHEMES if url.startswith(s)), None)
    if scheme is None:
        raise error(f"{what} {url!r} must start with s3://, s3a:// or s3n:// (for example {example!r})")
    bucket, _, prefix = url[len(scheme) :].partition("/")
    if not bucket:
        raise error(f"{what} {url!r} has no bucket name after {scheme!r}")
    if not _BUCKET_NAME.fullmatch(bucket) or ".." in bucket or _IPV4_LIKE.fullmatch(bucket):
        raise error(
            f"{what} {url!r}: {bucket!r} is not a valid S3 bucket name "
            "(3-63 letters, digits, dots and hyphens, starting and ending with a letter or digit)"
        )
    if any(ch.isspace() for ch in prefix) or "//" in prefix or prefix.startswith("/"):
        raise error(f"{what} {url!r} has whitespace or an empty path segment in its prefix {prefix!r}")
    return S3Url(bucket=bucket, prefix=folder_prefix(prefix))


def folder_prefix(prefix: str) -> str:
    """``prefix`` as the key prefix of a folder: with its trailing slash, or ``""`` for the bucket root."""
    return prefix if not prefix or prefix.endswith("/") else prefix + "/"
