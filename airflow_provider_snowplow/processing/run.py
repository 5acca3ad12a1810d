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
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import IO, Any, cast

from airflow_provider_snowplow.archive.confirm import confirm_ready
from airflow_provider_snowplow.archive.contents import RunObject, signatures_json
from airflow_provider_snowplow.archive.layouts import EnrichedArchive, Layout
from airflow_provider_snowplow.archive.listing import list_part_objects
from airflow_provider_snowplow.archive.readiness import ReadinessRule
from airflow_provider_snowplow.archive.run_ids import run_folder_name
from airflow_provider_snowplow.archive.urls import S3Url, parse_archive_url, parse_output_url
from airflow_provider_snowplow.aws.plans import AwsCall, Plan, Response, call_once, error_code
from airflow_provider_snowplow.aws.runners import run_sync
from airflow_provider_snowplow.errors import AwsRequestError, RunInputError
from airflow_provider_snowplow.event_transformer import Shape, TransformStats, transform_stream
from airflow_provider_snowplow.event_transformer.shapes import check_shape
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

    def add(self, part: PartOutput) -> None:
        """Count one processed part file into the run's totals (parts in key order)."""
        self.objects += 1
        self.bytes_read += part.size
        self.counts.add(part.counts)
        self.good_keys.append(part.good_key)
        if part.bad_key is not None:
            self.bad_keys.append(part.bad_key)

    def to_dict(self) -> dict[str, Any]:
        """The XCom and ``_SUCCESS.json`` form: counts flattened next to the keys."""
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
    return output.prefix + run_folder_name(run_id) + "/"


def process_run(
    s3_client: Any,
    archive_url: str,
    snowplow_run_id: str,
    output_url: str,
    add_geolocation_data: bool = True,
    shape: Shape = "python",
    readiness: ReadinessRule | None = None,
    layout: Layout | None = None,
) -> RunOutput:
    """Transform every part file of the run and write good events and bad rows as gzip JSON Lines.

    Args:
        s3_client: boto3 S3 client.
        archive_url: the archive the run belongs to (gives the bucket).
        snowplow_run_id: the run folder prefix within that bucket, directly under the archive.
        output_url: ``s3://bucket/prefix/`` under which ``run=.../`` output folders are written.
        add_geolocation_data: add ``geo_location`` (``"lat,lon"``) to events, as the SDK does.
        shape: ``"python"`` (default): the Python Analytics SDK's JSON; ``"scala"``: the Scala
            Analytics SDK's (see :func:`~airflow_provider_snowplow.event_transformer.transform`).
        readiness: the rule the run must still meet before ``_SUCCESS.json`` is written (the safe
            defaults if None).
        layout: the archive's run layout (default: the enriched archive with ``readiness``).

    Raises:
        ArchiveUrlError, OutputUrlError: a URL that is not ``s3://bucket/prefix/``.
        RunIdError: the run is not a run of the archive (nothing is read or written).
        RunInputError: a part file cannot be read (truncated gzip...); no ``_SUCCESS.json``.
        RunChangedError: the run is not complete, or its part files changed while they were read;
            no ``_SUCCESS.json`` was written.
    """
    archive = parse_archive_url(archive_url)
    output = parse_output_url(output_url)
    layout = layout or EnrichedArchive(readiness)
    run_id = layout.validate_run_in_archive(snowplow_run_id, archive)
    check_shape(shape)
    folder = output_folder(output, run_id, archive.prefix)
    result = RunOutput(snowplow_run_id=run_id, output_url=f"s3://{output.bucket}/{folder}")
    clients = {"s3": s3_client}
    parts = run_sync(list_part_objects(archive.bucket, run_id, layout.objects_prefix(run_id)), clients)
    for obj in parts:
        result.add(
            process_part(
                clients, archive.bucket, run_id, obj, output.bucket, folder, add_geolocation_data, shape
            )
        )
    # Every part is written. The summary goes last, once the run is confirmed unchanged and ready.
    read = [RunObject.from_listing(obj).signature for obj in parts]
    confirmed = run_sync(confirm_ready(archive.bucket, run_id, layout, time.time(), read), clients)
    result.input_objects, result.digest = signatures_json(read), confirmed.fingerprint().digest
    write_summary(clients, output.bucket, folder, result.to_dict())
    return result


@dataclass
class PartOutput:
    """What processing one part file produced: the unit of work of a worker or a Spark task.

    Attributes:
        key: the part file's key in the archive bucket.
        size: its size in bytes, as listed.
        counts: its line counts.
        good_key / bad_key: the output objects written (``bad_key`` only when it had bad rows).
    """

    key: str
    size: int
    counts: TransformStats
    good_key: str
    bad_key: str | None = None


def process_part(
    clients: Mapping[str, Any],
    archive_bucket: str,
    run_id: str,
    obj: Mapping[str, Any],
    output_bucket: str,
    folder: str,
    add_geolocation_data: bool = True,
    shape: Shape = "python",
) -> PartOutput:
    """Transform one part file of a run and upload its good events and bad rows (deterministic keys).

    Args:
        clients: ``{"s3": boto3 S3 client}``.
        archive_bucket: the bucket holding the run.
        run_id: the run folder prefix.
        obj: the part file's ``ListObjectsV2`` entry (``Key``, ``Size``).
        output_bucket: where output goes.
        folder: the run's output folder (:func:`output_folder`).
        add_geolocation_data: add ``geo_location`` to events.
        shape: the JSON's shape, ``"python"`` or ``"scala"`` (see :func:`process_run`).
    """
    name = part_name(run_id, obj["Key"])
    source = f"s3://{archive_bucket}/{obj['Key']}"
    with _spool() as good, _spool() as bad:
        with _gzip_writer(good) as good_gz, _gzip_writer(bad) as bad_gz, reading_part(source):
            lines = open_part(clients, archive_bucket, obj["Key"])
            counts = transform_stream(
                lines, good_gz, bad_gz, add_geolocation_data, source_name=source, shape=shape
            )
        part = PartOutput(obj["Key"], obj.get("Size", 0), counts, f"{folder}good/{name}.jsonl.gz")
        _upload(clients, output_bucket, part.good_key, good)
        if counts.bad:
            part.bad_key = _upload(clients, output_bucket, f"{folder}bad/{name}.jsonl.gz", bad)
    return part


def part_name(run_id: str, key: str) -> str:
    """The output name of part file ``key``, without ``.gz``.

    Its path in the run folder, or, for a flat S3 Loader hour (whose keys are not under the run id),
    its file name.
    """
    name = key[len(run_id) :] if key.startswith(run_id) else key.rpartition("/")[2]
    return name.replace("/", "_").removesuffix(".gz")


def write_summary(clients: Mapping[str, Any], bucket: str, folder: str, summary: dict[str, Any]) -> str:
    """Write the run's ``_SUCCESS.json``: call it last, after every part's output is uploaded."""
    data = io.BytesIO(summary_bytes(summary))
    return _upload(clients, bucket, folder + SUCCESS_MARKER, data, content_type="application/json")


def summary_bytes(summary: dict[str, Any]) -> bytes:
    """A run's ``_SUCCESS.json`` as written, whichever engine wrote it."""
    return json.dumps(summary, indent=2).encode()


def read_summary(clients: Mapping[str, Any], bucket: str, folder: str) -> dict[str, Any] | None:
    """The run's ``_SUCCESS.json``, or None while the run's output is not complete (or never was)."""
    key = folder + SUCCESS_MARKER
    get = AwsCall(
        "s3", "get_object", {"Bucket": bucket, "Key": key}, f"output object {key!r} in bucket {bucket!r}"
    )
    response = run_sync(_unless_missing(get), clients)
    if response is None:
        return None
    summary: dict[str, Any] = json.loads(response["Body"].read())
    return summary


def _unless_missing(call: AwsCall) -> Plan[Response | None]:
    """``call``, or None when S3 says the object is not there."""
    try:
        response = yield call
    except Exception as exc:
        if error_code(exc) not in {"NoSuchKey", "404"}:
            raise
        return None
    return response


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


def open_part(clients: Mapping[str, Any], bucket: str, key: str) -> IO[bytes]:
    """A part file's lines as a binary stream, gunzipped when it is gzip (by content, not name)."""
    get = AwsCall("s3", "get_object", {"Bucket": bucket, "Key": key}, f"object {key!r} in bucket {bucket!r}")
    return open_enriched(run_sync(call_once(get), clients)["Body"])


def _gzip_writer(spool: IO[bytes]) -> IO[bytes]:
    """Gzip into ``spool`` with a fixed mtime, so the same input always gives the same bytes."""
    return cast(IO[bytes], gzip.GzipFile(fileobj=spool, mode="wb", mtime=0))


def _spool() -> tempfile.SpooledTemporaryFile[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES, mode="w+b")


def _upload(
    clients: Mapping[str, Any],
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
