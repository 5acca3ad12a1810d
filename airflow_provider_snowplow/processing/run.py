"""Process one Snowplow run: read its part files from S3, transform them, write JSON Lines back.

Core code (boto3 only). Properties a pipeline relies on:

* **Deterministic keys.** Input ``<run>/part-00003.gz`` becomes
  ``<output>/<run folder>/good/part-00003.jsonl.gz`` (``.jsonl.zst`` with zstd; and ``bad/...`` when
  it had bad rows), so a retry overwrites instead of duplicating.
* **Nothing half-written.** Each output object is uploaded only when complete; ``_SUCCESS.json``
  with the counts is written last, after every part succeeded, so its presence means the whole
  run's output is there. A failure in any part raises and writes no ``_SUCCESS.json``.
* **Nothing read from a run that was still being written.** Just before ``_SUCCESS.json``, the run
  is listed again (:func:`~airflow_provider_snowplow.archive.confirm.confirm_ready`): if it is not
  complete by the readiness rule, or its part files are not exactly those read, processing stops
  with ``RunChangedError`` and writes no ``_SUCCESS.json``. ``_SUCCESS.json`` lists the part files
  read (``input_objects``) and their ``digest``, which the run's record keeps.
* **Flat memory.** Objects are streamed; output spools to a temporary file before upload, so a 1 GB
  run needs megabytes of RAM per worker, not a gigabyte.
* **Nothing lost.** Every input line is either a good event or a bad row with its reasons:
  ``lines == good + bad`` always.
* **Every core.** Part files are processed in parallel by worker processes (:mod:`.workers`).

The work of one part is :mod:`.part` (the Spark job's too); compression is :mod:`.codecs`.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from airflow_provider_snowplow.archive.confirm import confirm_ready
from airflow_provider_snowplow.archive.contents import RunObject, signatures_json
from airflow_provider_snowplow.archive.layouts import EnrichedArchive, Layout
from airflow_provider_snowplow.archive.layouts.readiness import ReadinessRule
from airflow_provider_snowplow.archive.listing import list_part_objects
from airflow_provider_snowplow.archive.run_ids import run_folder_name
from airflow_provider_snowplow.archive.urls import S3Url, parse_archive_url, parse_output_url
from airflow_provider_snowplow.aws.plans import AwsCall, Plan, Response, error_code
from airflow_provider_snowplow.aws.runners import run_sync
from airflow_provider_snowplow.event_transformer import Shape, TransformStats
from airflow_provider_snowplow.event_transformer.shapes import check_shape
from airflow_provider_snowplow.processing.clients import S3ClientSpec
from airflow_provider_snowplow.processing.codecs import Compression, check_compression
from airflow_provider_snowplow.processing.cpus import check_workers, worker_count
from airflow_provider_snowplow.processing.part import PartResult, part_job
from airflow_provider_snowplow.processing.upload import upload
from airflow_provider_snowplow.processing.workers import run_parts

SUCCESS_MARKER = "_SUCCESS.json"


@dataclass
class RunOutput:
    """What processing one run produced; returned as the task's XCom and written as ``_SUCCESS.json``.

    Attributes:
        snowplow_run_id: the input run.
        output_url: ``s3://`` URL of the run's output folder.
        objects: part files read.
        bytes_read: compressed bytes read from S3.
        lines / good / bad: line counts; ``lines == good + bad``.
        good_keys / bad_keys: output objects written, in the order of the part files.
        compression: the output objects' compression, ``"gzip"`` or ``"zstd"``.
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
    compression: Compression = "gzip"
    input_objects: list[dict[str, Any]] = field(default_factory=list)
    digest: str = ""

    def add(self, part: PartResult) -> None:
        """Count one processed part file into the run's totals (parts in key order)."""
        self.objects += 1
        self.bytes_read += part.job.size
        self.counts.add(part.counts)
        self.good_keys.append(part.job.good_key)
        if part.bad_written:
            self.bad_keys.append(part.job.bad_key)

    def to_dict(self) -> dict[str, Any]:
        """The XCom and ``_SUCCESS.json`` form: counts flattened next to the keys."""
        data = asdict(self)
        counts = data.pop("counts")
        data.update(lines=counts["lines"], good=counts["good"], bad=counts["bad"])
        return data


def output_folder(output: S3Url, run_id: str, archive_prefix: str = "") -> str:
    """``<output prefix><run id relative to the archive>``: run ``a/b/run=X/`` of ``a/b/`` lands in ``<output>run=X/``."""
    return output.prefix + run_output_path(run_id, archive_prefix)


def run_output_path(run_id: str, archive_prefix: str = "") -> str:
    """The run's output folder relative to the output URL: its id relative to the archive.

    An S3 Loader partition keeps its whole path (``date=2026-11-30/hour=10/``), so two days' ``hour=10``
    never meet; a run outside ``archive_prefix`` keeps its last folder name.
    """
    if archive_prefix and run_id.startswith(archive_prefix):
        return run_id[len(archive_prefix) :]
    return run_folder_name(run_id) + "/"


def process_run(
    s3_client: Any,
    archive_url: str,
    snowplow_run_id: str,
    output_url: str,
    add_geolocation_data: bool = True,
    shape: Shape = "python",
    readiness: ReadinessRule | None = None,
    layout: Layout | None = None,
    *,
    workers: int | None = None,
    compression: Compression = "gzip",
    client_spec: Callable[[], S3ClientSpec] | None = None,
) -> RunOutput:
    """Transform every part file of the run and write good events and bad rows as JSON Lines.

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
        workers: how many part files to process at once (this process and worker processes);
            ``None`` for as many as pay, up to every CPU this process may use
            (:func:`~.cpus.worker_count`), ``1`` to process them here, one after another.
        compression: ``"gzip"`` (``.jsonl.gz``) or ``"zstd"`` (``.jsonl.zst``, needs ``zstandard``).
        client_spec: what worker processes build their S3 client from, called each time a part is
            handed out; by default derived from ``s3_client`` (:meth:`.S3ClientSpec.from_client`).

    Raises:
        ArchiveUrlError, OutputUrlError: a URL that is not ``s3://bucket/prefix/``.
        RunIdError: the run is not a run of the archive (nothing is read or written).
        ValueError: ``shape``, ``workers`` or ``compression`` is not usable.
        RunInputError, AwsRequestError, WorkerDiedError: a part failed (a part file that cannot be
            read: truncated gzip...); no ``_SUCCESS.json`` was written.
        RunChangedError: the run is not complete, or its part files changed while they were read;
            no ``_SUCCESS.json`` was written.
    """
    archive = parse_archive_url(archive_url)
    output = parse_output_url(output_url)
    layout = layout or EnrichedArchive(readiness)
    run_id = layout.validate_run_in_archive(snowplow_run_id, archive)
    shape = check_shape(shape)
    requested = check_workers(workers)
    compression = check_compression(compression)
    folder = output_folder(output, run_id, archive.prefix)
    result = RunOutput(run_id, f"s3://{output.bucket}/{folder}", compression=compression)
    clients = {"s3": s3_client}
    parts = run_sync(list_part_objects(archive.bucket, run_id, layout.objects_prefix(run_id)), clients)
    jobs = [
        part_job(obj, run_id, archive.bucket, output.bucket, folder, add_geolocation_data, compression, shape)
        for obj in parts
    ]
    spec = client_spec or (lambda: S3ClientSpec.from_client(s3_client))
    for part in run_parts(jobs, s3_client, worker_count(requested, [job.size for job in jobs]), spec):
        result.add(part)
    # Every part is written. The summary goes last, once the run is confirmed unchanged and ready:
    # its presence means the run's output is whole.
    confirm_input(clients, archive.bucket, run_id, layout, parts, result)
    write_summary(clients, output.bucket, folder, result.to_dict())
    return result


def confirm_input(
    clients: Mapping[str, Any],
    bucket: str,
    run_id: str,
    layout: Layout,
    parts: list[dict[str, Any]],
    result: RunOutput,
) -> None:
    """List the run again: it must be ready by ``layout`` and hold exactly ``parts``, the part files read.

    Call it after every part's output is written, just before :func:`write_summary`: a run that
    grew or changed while it was read is then never summarised, so never recorded as loaded.
    Notes the part files and their digest in ``result`` (``input_objects``, ``digest``).

    Raises:
        RunChangedError: the run is not ready, or its part files are not those read.
    """
    read = [RunObject.from_listing(obj).signature for obj in parts]
    confirmed = run_sync(confirm_ready(bucket, run_id, layout, time.time(), read), clients)
    result.input_objects, result.digest = signatures_json(read), confirmed.fingerprint().digest


def write_summary(clients: Mapping[str, Any], bucket: str, folder: str, summary: dict[str, Any]) -> str:
    """Write the run's ``_SUCCESS.json``: call it last, after every part's output is uploaded."""
    data = io.BytesIO(summary_bytes(summary))
    return upload(clients, bucket, folder + SUCCESS_MARKER, data, content_type="application/json")


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
