"""Process one Snowplow run: read its part files from S3, transform them, write JSON Lines back.

Core code (boto3 only). Properties a pipeline relies on:

* **Deterministic keys.** Input ``<run>/part-00003.gz`` becomes
  ``<output>/<run folder>/good/part-00003.jsonl.gz`` (and ``bad/...`` when it had bad rows), so a
  retry overwrites instead of duplicating.
* **Nothing half-written.** Each output object is uploaded only when complete (S3 makes a PUT or
  a completed multipart upload visible atomically); ``_SUCCESS.json`` with the counts is written
  last, so its presence means the whole run's output is there.
* **Nothing read from a run that was still being written.** Just before ``_SUCCESS.json``, the run
  is listed again (:func:`~airflow_provider_snowplow.archive.confirm.confirm_ready`): if it is not
  complete by the readiness rule, or its part files are not exactly those read, processing stops
  with ``RunChangedError`` and writes no ``_SUCCESS.json``. ``_SUCCESS.json`` lists the part files
  read (``input_objects``) and their ``digest``, which the run's record keeps.
* **Flat memory.** Objects are streamed line by line; output spools to a temporary file before
  upload, so a 1 GB run needs megabytes of RAM, not a gigabyte.
* **Nothing lost.** Every input line is either a good event or a bad row with its reasons:
  ``lines == good + bad`` always.
"""

from __future__ import annotations

import gzip
import io
import json
import tempfile
import time
from dataclasses import asdict, dataclass, field
from typing import IO, Any, cast

from airflow_provider_snowplow.archive.confirm import confirm_ready
from airflow_provider_snowplow.archive.contents import RunObject, signatures_json
from airflow_provider_snowplow.archive.layouts import EnrichedArchive, Layout
from airflow_provider_snowplow.archive.listing import list_part_objects
from airflow_provider_snowplow.archive.readiness import ReadinessRule
from airflow_provider_snowplow.archive.urls import S3Url, parse_archive_url, parse_output_url
from airflow_provider_snowplow.aws.plans import AwsCall, call_once
from airflow_provider_snowplow.aws.runners import run_sync
from airflow_provider_snowplow.errors import AwsRequestError, RunInputError
from airflow_provider_snowplow.event_transformer import TransformStats, transform_stream
from airflow_provider_snowplow.event_transformer.sources import open_enriched

SUCCESS_MARKER = "_SUCCESS.json"
_SPOOL_BYTES = 8 * 1024 * 1024


@dataclass
class RunOutput:
    """What processing one run produced; returned as the task's XCom.

    Attributes:
        snowplow_run_id: the input run.
        output_url: ``s3://`` URL of the run's output folder.
        objects: part files read.
        bytes_read: compressed bytes read from S3.
        lines / good / bad: line counts; ``lines == good + bad``.
        good_keys / bad_keys: output objects written.
        input_objects: the part files read, ``{"key", "size", "etag"}`` each, in key order.
        digest: their :class:`~airflow_provider_snowplow.archive.contents.Fingerprint` digest.
    """

    snowplow_run_id: str
    output_url: str
    objects: int = 0
    bytes_read: int = 0
    counts: TransformStats = field(default_factory=TransformStats)
    good_keys: list[str] = field(default_factory=list)
    bad_keys: list[str] = field(default_factory=list)
    input_objects: list[dict[str, Any]] = field(default_factory=list)
    digest: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        counts = data.pop("counts")
        data.update(lines=counts["lines"], good=counts["good"], bad=counts["bad"])
        return data


def output_folder(output: S3Url, run_id: str, archive_prefix: str = "") -> str:
    """``<output prefix><run id relative to the archive>``: run ``a/b/run=X/`` of ``a/b/`` lands in ``<output>run=X/``.

    An S3 Loader partition keeps its whole path (``date=2026-11-30/hour=10/``), so two days' ``hour=10``
    never meet; a run outside ``archive_prefix`` keeps its last folder name.
    """
    if archive_prefix and run_id.startswith(archive_prefix):
        return output.prefix + run_id[len(archive_prefix) :]
    return output.prefix + run_id.rstrip("/").rpartition("/")[2] + "/"


def process_run(
    s3_client: Any,
    archive_url: str,
    snowplow_run_id: str,
    output_url: str,
    add_geolocation_data: bool = True,
    readiness: ReadinessRule | None = None,
    layout: Layout | None = None,
) -> RunOutput:
    """Transform every part file of the run and write good events and bad rows as gzip JSON Lines.

    Args:
        s3_client: boto3 S3 client.
        archive_url: the archive the run belongs to (gives the bucket).
        snowplow_run_id: the run folder prefix within that bucket.
        output_url: ``s3://bucket/prefix/`` under which ``run=.../`` output folders are written.
        add_geolocation_data: add ``geo_location`` (``"lat,lon"``) to events, as the SDK does.
        readiness: the rule the run must still meet before ``_SUCCESS.json`` is written (the safe
            defaults if None).

    Raises:
        RunChangedError: the run is not complete, or its part files changed while they were read;
            no ``_SUCCESS.json`` was written.
    """
    archive = parse_archive_url(archive_url)
    output = parse_output_url(output_url)
    layout = layout or EnrichedArchive(readiness)
    run_id = layout.validate_run_id(snowplow_run_id)
    folder = output_folder(output, run_id, archive.prefix)
    result = RunOutput(snowplow_run_id=run_id, output_url=f"s3://{output.bucket}/{folder}")
    clients = {"s3": s3_client}
    parts = run_sync(list_part_objects(archive.bucket, run_id, layout.objects_prefix(run_id)), clients)
    for obj in parts:
        key = obj["Key"]
        name = (key[len(run_id) :] if key.startswith(run_id) else key.rpartition("/")[2]).replace("/", "_")
        name = name.removesuffix(".gz")
        where = f"object {obj['Key']!r} in bucket {archive.bucket!r}"
        get = AwsCall("s3", "get_object", {"Bucket": archive.bucket, "Key": obj["Key"]}, where)
        body = run_sync(call_once(get), clients)["Body"]
        with _spool() as good, _spool() as bad:
            with _gzip_writer(good) as good_gz, _gzip_writer(bad) as bad_gz:
                counts = _transform_body(
                    body, good_gz, bad_gz, add_geolocation_data, f"s3://{archive.bucket}/{obj['Key']}"
                )
            result.objects += 1
            result.bytes_read += obj.get("Size", 0)
            result.counts.add(counts)
            result.good_keys.append(_upload(clients, output.bucket, f"{folder}good/{name}.jsonl.gz", good))
            if counts.bad:
                result.bad_keys.append(_upload(clients, output.bucket, f"{folder}bad/{name}.jsonl.gz", bad))
    read = [RunObject.from_listing(obj).signature for obj in parts]
    confirmed = run_sync(confirm_ready(archive.bucket, run_id, layout, time.time(), read), clients)
    result.input_objects, result.digest = signatures_json(read), confirmed.fingerprint().digest
    summary = io.BytesIO(json.dumps(result.to_dict(), indent=2).encode())
    _upload(clients, output.bucket, folder + SUCCESS_MARKER, summary, content_type="application/json")
    return result


def _transform_body(
    body: Any, good: IO[bytes], bad: IO[bytes], add_geolocation_data: bool, source: str
) -> TransformStats:
    """Stream one object through the transformer; a broken download is one readable error."""
    try:
        return transform_stream(open_enriched(body), good, bad, add_geolocation_data, source_name=source)
    except (OSError, EOFError) as exc:  # corrupt or truncated gzip data
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


def _gzip_writer(spool: IO[bytes]) -> IO[bytes]:
    """Gzip into ``spool`` with a fixed mtime, so the same input always gives the same bytes."""
    return cast(IO[bytes], gzip.GzipFile(fileobj=spool, mode="wb", mtime=0))


def _spool() -> tempfile.SpooledTemporaryFile[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES, mode="w+b")


def _upload(
    clients: dict[str, Any],
    bucket: str,
    key: str,
    data: IO[bytes],
    content_type: str = "application/x-ndjson",
) -> str:
    """Upload a complete file (multipart above 8 MB); the key appears only once it is whole."""
    data.seek(0)
    params = {"Fileobj": data, "Bucket": bucket, "Key": key, "ExtraArgs": {"ContentType": content_type}}
    where = f"output object {key!r} in bucket {bucket!r}"
    run_sync(call_once(AwsCall("s3", "upload_fileobj", params, where)), clients)
    return key
