"""Output objects: spooled while they are written, uploaded whole.

An output object is written to a spool (memory up to 8 MB, then a temporary file), so memory stays
flat however big a part is, and uploaded only once complete: S3 makes a PUT or a completed
multipart upload visible atomically, so a reader never sees half an object under its key.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from typing import IO, Any

from airflow_provider_snowplow.aws.plans import AwsCall, call_once
from airflow_provider_snowplow.aws.runners import run_sync

SPOOL_BYTES = 8 * 1024 * 1024
JSON_LINES = "application/x-ndjson"


def spool() -> tempfile.SpooledTemporaryFile[bytes]:
    """A binary scratch file that stays in memory up to :data:`SPOOL_BYTES`."""
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+b")


def upload(
    clients: Mapping[str, Any], bucket: str, key: str, data: IO[bytes], content_type: str = JSON_LINES
) -> str:
    """Upload a complete file from its start (multipart above 8 MB); returns ``key``.

    Raises:
        AwsRequestError: the upload failed after botocore's retries.
    """
    data.seek(0)
    params = {"Fileobj": data, "Bucket": bucket, "Key": key, "ExtraArgs": {"ContentType": content_type}}
    where = f"output object {key!r} in bucket {bucket!r}"
    run_sync(call_once(AwsCall("s3", "upload_fileobj", params, where)), clients)
    return key
