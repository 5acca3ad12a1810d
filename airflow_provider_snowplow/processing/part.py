"""One part file of a run: read it from S3, transform it, write its good events and bad rows back.

This is the unit of work of per-run processing, the same in the driver's own process
(``workers=1``), in a worker process and in a task of the Spark job (:mod:`.spark_job`). Everything
it needs is in a picklable :class:`PartJob`; it returns a picklable :class:`PartResult`. Output keys
are deterministic (``part-00003.gz`` becomes ``good/part-00003.jsonl.gz``), so a retry overwrites
instead of duplicating, and a bad-rows object is written only when the part had bad rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from airflow_provider_snowplow.aws.plans import AwsCall, call_once
from airflow_provider_snowplow.aws.runners import run_sync
from airflow_provider_snowplow.errors import AwsRequestError, RunInputError
from airflow_provider_snowplow.event_transformer import Shape, TransformStats, transform_stream
from airflow_provider_snowplow.event_transformer.sources import open_enriched
from airflow_provider_snowplow.processing.codecs import (
    SUFFIXES,
    Compression,
    gzip_read_errors,
    open_gzip_reader,
    open_writer,
)
from airflow_provider_snowplow.processing.upload import spool, upload


class PartStopped(Exception):
    """Raised inside a part when the run is being stopped; its output is left unwritten."""


@dataclass(frozen=True)
class PartJob:
    """One part file to process and where its output goes.

    Attributes:
        bucket / key / size: the input object (``size`` as listed, in bytes).
        output_bucket: the output's bucket.
        good_key / bad_key: the output objects' keys.
        add_geolocation_data: see :func:`~airflow_provider_snowplow.event_transformer.transform`.
        compression: the output's compression.
        shape: the JSON's shape, ``"python"`` or ``"scala"`` (see :func:`.run.process_run`).
    """

    bucket: str
    key: str
    size: int
    output_bucket: str
    good_key: str
    bad_key: str
    add_geolocation_data: bool
    compression: Compression
    shape: Shape

    @property
    def source(self) -> str:
        """The input as an ``s3://`` URL, as bad rows name it."""
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class PartResult:
    """What one part produced.

    Attributes:
        job: the part's job.
        counts: its line counts (``lines == good + bad``).
        bad_written: whether its bad-rows object was written (only when it had bad rows).
    """

    job: PartJob
    counts: TransformStats
    bad_written: bool


def part_job(
    obj: dict[str, Any],
    run_id: str,
    bucket: str,
    output_bucket: str,
    output_folder: str,
    add_geolocation_data: bool,
    compression: Compression,
    shape: Shape,
) -> PartJob:
    """The job for the listed object ``obj`` of run ``run_id``, its output under ``output_folder``.

    Output names keep the part's path within the run (``/`` becomes ``_``) without ``.gz``; a
    flat S3 Loader hour, whose keys are not under its run id, gives each its file name.
    """
    key = obj["Key"]
    name = key[len(run_id) :] if key.startswith(run_id) else key.rpartition("/")[2]
    name = name.replace("/", "_").removesuffix(".gz")
    suffix = SUFFIXES[compression]
    return PartJob(
        bucket=bucket,
        key=obj["Key"],
        size=obj.get("Size", 0),
        output_bucket=output_bucket,
        good_key=f"{output_folder}good/{name}{suffix}",
        bad_key=f"{output_folder}bad/{name}{suffix}",
        add_geolocation_data=add_geolocation_data,
        compression=compression,
        shape=shape,
    )


def process_part(
    job: PartJob,
    s3_client: Any,
    stopping: Callable[[], bool] | None = None,
) -> PartResult:
    """Transform one part file and upload its good events (and bad rows, if any).

    Args:
        job: the part.
        s3_client: a boto3 S3 client.
        stopping: asked before each read from S3; when it answers True the part stops with
            :class:`PartStopped` and uploads nothing.

    Raises:
        RunInputError: the part is not readable (corrupt or truncated gzip).
        AwsRequestError: reading or writing S3 failed after retries.
        PartStopped: ``stopping()`` said so.
    """
    clients = {"s3": s3_client}
    with spool() as good, spool() as bad:
        with (
            open_writer(good, job.compression) as good_out,
            open_writer(bad, job.compression) as bad_out,
            reading_part(job.source),
        ):
            lines = open_part(clients, job.bucket, job.key, stopping)
            counts = transform_stream(
                lines, good_out, bad_out, job.add_geolocation_data, source_name=job.source, shape=job.shape
            )
        upload(clients, job.output_bucket, job.good_key, good)
        if counts.bad:
            upload(clients, job.output_bucket, job.bad_key, bad)
    return PartResult(job=job, counts=counts, bad_written=bool(counts.bad))


def open_part(
    clients: Mapping[str, Any], bucket: str, key: str, stopping: Callable[[], bool] | None = None
) -> IO[bytes]:
    """A part file's lines as a binary stream, gunzipped when it is gzip (by content, not name).

    Args:
        clients: ``{"s3": boto3 S3 client}``.
        bucket: the part file's bucket.
        key: its key.
        stopping: see :func:`process_part`.
    """
    get = AwsCall("s3", "get_object", {"Bucket": bucket, "Key": key}, f"object {key!r} in bucket {bucket!r}")
    body = run_sync(call_once(get), clients)["Body"]
    return open_enriched(body if stopping is None else _Stoppable(body, stopping), gunzip=open_gzip_reader)


@contextmanager
def reading_part(source: str) -> Iterator[None]:
    """Turn a part file that cannot be read (corrupt gzip, a download broken mid-stream) into one line.

    Args:
        source: the part's ``s3://`` URL, named in the message.

    Raises:
        RunInputError: the data is not (gzipped) text.
        AwsRequestError: the download broke after its response started.
    """
    try:
        yield
    except gzip_read_errors() as exc:  # corrupt or truncated gzip data
        raise RunInputError(
            f"part file {source} cannot be read ({type(exc).__name__}: {exc}); nothing of this run was "
            "marked loaded: repair or remove the file, then rerun"
        ) from exc
    except Exception as exc:
        if not type(exc).__module__.startswith(("botocore", "urllib3")):
            raise
        raise AwsRequestError(
            f"reading {source} failed mid-stream: {type(exc).__name__}: {exc}",
            code=type(exc).__name__,
            operation="GetObject",
        ) from exc


class _Stoppable:
    """An S3 body whose every read first asks whether the run is being stopped."""

    def __init__(self, body: Any, stopping: Callable[[], bool]) -> None:
        self._body = body
        self._stopping = stopping

    def read(self, size: int = -1) -> bytes:
        if self._stopping():
            raise PartStopped("the run is being stopped")
        data: bytes = self._body.read(size)
        return data
