"""The Spark job: the worker path's processing of whole runs, spread over Spark executors.

For runs too big for one Airflow worker. Needs ``pyspark`` (the cluster's), ``orjson``, ``boto3`` and
our core, never Airflow; it is the only module of the package that imports pyspark (an import-linter
contract in pyproject.toml says so). Start it with ``spark-submit`` through :mod:`.spark_submit`,
with our core as ``--py-files`` (:mod:`.spark_bundle` packs both).

How the work is spread:

* The driver lists every run's part files (one ``ListObjectsV2`` per 1,000 parts) and hands Spark
  the list, one part file per Spark partition (``mapPartitions``). Executors read the parts from S3
  with boto3 themselves, so no hadoop-aws jars are needed and nothing goes through the JVM line by
  line: what returns to the driver is a few numbers per part file.
* **JSON Lines** (the default): each Spark task runs the worker path's own
  :func:`~airflow_provider_snowplow.processing.part.process_part`, so a run's output has the same
  keys, the same events and the same bad rows as ``SnowplowTransformRunOperator``'s. The driver
  writes each run's ``_SUCCESS.json`` (the worker path's summary, plus ``engine``,
  ``spark_application_id`` and ``submission_id``) only after every part of that run is written.
* **Parquet**: executors transform lines into rows of :func:`event_schema`, and Spark's own
  writer writes ``<output>/run=.../good/`` (Parquet) and ``<output>/run=.../bad/`` (gzip JSON Lines
  of the same bad rows), then ``_SUCCESS.json`` through Hadoop's file system, last.

A part that cannot be read (corrupt gzip, a broken download) fails its run with the worker path's
one-line error; runs of the same job whose parts all succeeded still get their ``_SUCCESS.json``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson
from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from airflow_provider_snowplow.archive.listing import list_part_objects
from airflow_provider_snowplow.archive.urls import parse_archive_url, parse_output_url
from airflow_provider_snowplow.aws.runners import run_sync
from airflow_provider_snowplow.errors import RunChangedError, RunInputError, SnowplowProviderError
from airflow_provider_snowplow.event_transformer import FIELDS, GoodEvent, TransformStats, transform_lines
from airflow_provider_snowplow.event_transformer import parsers as P
from airflow_provider_snowplow.event_transformer.shapes import Shape
from airflow_provider_snowplow.processing.part import (
    PartResult,
    open_part,
    part_job,
    process_part,
    reading_part,
)
from airflow_provider_snowplow.processing.run import (
    SUCCESS_MARKER,
    RunOutput,
    confirm_input,
    output_folder,
    summary_bytes,
    write_summary,
)
from airflow_provider_snowplow.spark.arguments import SparkJobArguments

ENGINE = "spark"
S3_RETRIES = {"mode": "standard", "max_attempts": 8}  # as the hook's clients on the Airflow side

# The Parquet schema, from the field table: one typed column per plain field, then the shredded
# self-describing JSON as maps of shredded key -> JSON text (a run mixes schemas freely, a column
# per schema would make every run's schema different).
_SPARK_TYPES: dict[Any, T.DataType] = {
    P.parse_string: T.StringType(),
    P.parse_int: T.LongType(),
    P.parse_double: T.DoubleType(),
    P.parse_bool: T.BooleanType(),
    P.parse_timestamp: T.TimestampType(),
}
ATOMIC_FIELDS = tuple(field for field in FIELDS if not field.shredded)
ATOMIC_NAMES = tuple(field.name for field in ATOMIC_FIELDS)
SHREDDED_COLUMNS = ("contexts", "unstruct_event")  # contexts_* (and derived) keys; unstruct_event_* keys


def event_schema() -> T.StructType:
    """The Parquet schema of good events (see docs/spark.md, "Parquet").

    Every plain field of the enriched event with its type (timestamps as UTC ``TIMESTAMP``, to the
    microsecond), ``geo_location`` (``"lat,lon"``), and two ``MAP<STRING, STRING>`` columns:
    ``contexts`` (keys ``contexts_<vendor>_<name>_<model>``, from contexts and derived contexts) and
    ``unstruct_event`` (one key ``unstruct_event_<vendor>_<name>_<model>``), each value the JSON the
    JSON Lines output holds under that key.
    """
    columns = [T.StructField(f.name, _SPARK_TYPES[f.parse]) for f in ATOMIC_FIELDS]
    columns.append(T.StructField("geo_location", T.StringType()))
    columns += [T.StructField(name, T.MapType(T.StringType(), T.StringType())) for name in SHREDDED_COLUMNS]
    return T.StructType(columns)


def _row_schema() -> T.StructType:
    """:func:`event_schema` as rows arrive from Python: timestamps still as text (cast in the JVM)."""
    return T.StructType(
        [
            T.StructField(c.name, T.StringType()) if isinstance(c.dataType, T.TimestampType) else c
            for c in event_schema().fields
        ]
    )


def event_row(event: dict[str, Any]) -> tuple[Any, ...]:
    """One transformed event as a row of :func:`_row_schema`."""
    shredded: dict[str, dict[str, str]] = {name: {} for name in SHREDDED_COLUMNS}
    for key, value in event.items():
        column = "unstruct_event" if key.startswith("unstruct_event_") else "contexts"
        if key.startswith(("contexts_", "unstruct_event_")):
            shredded[column][key] = orjson.dumps(value).decode()
    return (
        *(event.get(name) for name in ATOMIC_NAMES),
        event.get("geo_location"),
        *(shredded[name] or None for name in SHREDDED_COLUMNS),
    )


@dataclass(frozen=True)
class S3Access:
    """How executors reach S3: picklable, and without credentials.

    Each executor uses its own credential chain (the EMR job role, an instance profile, the
    environment), so no secret travels with the job's tasks.
    """

    endpoint_url: str | None = None
    region_name: str | None = None

    def clients(self) -> dict[str, Any]:
        """``{"s3": boto3 client}`` for the plans and helpers of the worker path."""
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region_name,
            config=Config(retries=S3_RETRIES),  # type: ignore[arg-type]
        )
        return {"s3": client}


@dataclass(frozen=True)
class _PartFailed:
    """A part file that could not be processed, as an executor reports it (not as a traceback)."""

    run_id: str
    message: str


@dataclass(frozen=True)
class _Job:
    """One ``run_job`` call as its two output paths see it: the session, the runs and their parts."""

    spark: SparkSession
    rdd: Any  # one (run id, part object) per Spark partition
    access: S3Access
    bucket: str
    parts: dict[str, list[dict[str, Any]]]
    arguments: SparkJobArguments
    extra: dict[str, Any]  # what every _SUCCESS.json of the job adds to the worker path's summary
    clients: dict[str, Any]

    def unchanged(self, run_id: str, result: RunOutput, failures: list[_PartFailed]) -> bool:
        """Whether the run still holds exactly the part files read (noted in ``result``); else a failure.

        The sensor judged the run ready by the DAG's rule; the job checks only that nothing changed.
        """
        layout = self.arguments.run_layout()
        try:
            confirm_input(self.clients, self.bucket, run_id, layout, self.parts[run_id], result)
        except RunChangedError as changed:
            failures.append(_PartFailed(run_id, str(changed)))
            return False
        return True


def start_session(app_name: str) -> SparkSession:
    """The session ``spark-submit`` configured (master, executors, conf), named ``app_name``."""
    return SparkSession.builder.appName(app_name).getOrCreate()


def run_job(spark: SparkSession, arguments: SparkJobArguments) -> list[RunOutput]:
    """Process every run of ``arguments`` on ``spark``; returns the runs' summaries, in argument order.

    Raises:
        RunInputError: a part file of some run could not be read (named in the message); runs
            whose parts all succeeded have their ``_SUCCESS.json`` all the same.
        AwsRequestError: listing a run failed.
    """
    arguments.check()
    access = S3Access(arguments.s3_endpoint_url, arguments.region_name)
    bucket = parse_archive_url(arguments.archive_url).bucket
    clients = access.clients()
    layout = arguments.run_layout()
    parts = {
        run_id: run_sync(list_part_objects(bucket, run_id, layout.objects_prefix(run_id)), clients)
        for run_id in arguments.run_ids
    }
    work = [(run_id, {"Key": o["Key"], "Size": o.get("Size", 0)}) for run_id in parts for o in parts[run_id]]
    rdd = spark.sparkContext.parallelize(work, max(1, len(work)))
    extra = {
        "engine": ENGINE,
        "spark_application_id": spark.sparkContext.applicationId,
        "submission_id": arguments.submission_id,
    }
    job = _Job(spark, rdd, access, bucket, parts, arguments, extra, clients)
    outputs, failures = _jsonl(job) if arguments.output_format == "jsonl" else _parquet(job)
    if failures:
        raise RunInputError(
            f"{len(failures)} run(s) of {len(arguments.run_ids)} failed and have no {SUCCESS_MARKER}; "
            f"first: {failures[0].message}"
        )
    return outputs


def _jsonl(job: _Job) -> tuple[list[RunOutput], list[_PartFailed]]:
    """The worker path's processing per part on executors; each complete run's summary last."""
    arguments = job.arguments
    output = parse_output_url(arguments.output_url)
    archive_prefix = parse_archive_url(arguments.archive_url).prefix
    folders = {run_id: output_folder(output, run_id, archive_prefix) for run_id in arguments.run_ids}
    task = partial(
        _process_parts,
        job.access,
        job.bucket,
        output.bucket,
        folders,
        arguments.add_geolocation_data,
        arguments.shape,
    )
    done: dict[str, list[PartResult]] = defaultdict(list)
    failures: list[_PartFailed] = []
    for run_id, outcome in job.rdd.mapPartitions(task).collect():
        if isinstance(outcome, _PartFailed):
            failures.append(outcome)
        else:
            done[run_id].append(outcome)
    failed = {failure.run_id for failure in failures}
    outputs = []
    for run_id in arguments.run_ids:
        if run_id in failed:
            continue
        folder = folders[run_id]
        result = RunOutput(snowplow_run_id=run_id, output_url=f"s3://{output.bucket}/{folder}")
        for part in sorted(done[run_id], key=lambda p: p.job.key):
            result.add(part)
        if job.unchanged(run_id, result, failures):
            write_summary(job.clients, output.bucket, folder, {**result.to_dict(), **job.extra})
            outputs.append(result)
    return outputs, failures


def _process_parts(
    access: S3Access,
    archive_bucket: str,
    output_bucket: str,
    folders: dict[str, str],
    add_geolocation_data: bool,
    shape: Shape,
    work: Iterable[tuple[str, dict[str, Any]]],
) -> Iterator[tuple[str, PartResult | _PartFailed]]:
    """Executor side of the JSON Lines path: one Spark partition's part files, one by one."""
    clients = access.clients()
    for run_id, obj in work:
        try:
            job = part_job(
                obj,
                run_id,
                archive_bucket,
                output_bucket,
                folders[run_id],
                add_geolocation_data,
                "gzip",
                shape,
            )
            part = process_part(job, clients["s3"])
        except SnowplowProviderError as error:
            yield run_id, _PartFailed(run_id, str(error))
            return
        yield run_id, part


def _parquet(job: _Job) -> tuple[list[RunOutput], list[_PartFailed]]:
    """Rows through Spark's writers, one run at a time; each complete run's summary last."""
    spark, parts, arguments = job.spark, job.parts, job.arguments
    # The summary's "compression" is the good events' (Spark's Parquet codec); bad rows are gzip.
    codec = str(spark.conf.get("spark.sql.parquet.compression.codec", "snappy"))
    task = partial(_transform_parts, job.access, job.bucket, arguments.add_geolocation_data)
    records = job.rdd.mapPartitions(task).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        failures = [r[2] for r in records.filter(lambda r: r[1] == "failed").collect()]
        counts = records.map(lambda r: (r[0], r[1])).countByValue()
        failed = {failure.run_id for failure in failures}
        outputs = []
        for run_id in arguments.run_ids:
            if run_id in failed:
                continue
            url = arguments.run_output_url(run_id)
            of_run = records.filter(lambda r, run_id=run_id: r[0] == run_id)
            good = spark.createDataFrame(
                of_run.filter(lambda r: r[1] == "good").map(lambda r: r[2]), _row_schema()
            )
            _typed(good).write.mode("overwrite").parquet(url + "good/")
            bad = of_run.filter(lambda r: r[1] == "bad").map(lambda r: (r[2],))
            spark.createDataFrame(bad, "value string").write.mode("overwrite").text(
                url + "bad/", compression="gzip"
            )
            result = RunOutput(snowplow_run_id=run_id, output_url=url, good_keys=[url + "good/"])
            result.objects = len(parts[run_id])
            result.bytes_read = sum(o.get("Size", 0) for o in parts[run_id])
            good_count, bad_count = counts.get((run_id, "good"), 0), counts.get((run_id, "bad"), 0)
            result.counts = TransformStats(good_count + bad_count, good_count, bad_count)
            result.bad_keys = [url + "bad/"] if bad_count else []
            if not job.unchanged(run_id, result, failures):
                continue
            summary = {**result.to_dict(), **job.extra, "compression": codec}
            _write_bytes(spark, url + SUCCESS_MARKER, summary_bytes(summary))
            outputs.append(result)
    finally:
        records.unpersist()
    return outputs, failures


def _transform_parts(
    access: S3Access, bucket: str, add_geolocation_data: bool, work: Iterable[tuple[str, dict[str, Any]]]
) -> Iterator[tuple[str, str, Any]]:
    """Executor side of the Parquet path: ``(run id, "good", row)``, ``(run id, "bad", JSON)``..."""
    clients = access.clients()
    for run_id, obj in work:
        source = f"s3://{bucket}/{obj['Key']}"
        try:
            with reading_part(source):
                for item in transform_lines(
                    open_part(clients, bucket, obj["Key"]), add_geolocation_data, source
                ):
                    if isinstance(item, GoodEvent):
                        yield run_id, "good", event_row(item.event)
                    else:
                        yield run_id, "bad", item.to_json().decode().rstrip("\n")
        except SnowplowProviderError as error:
            # Rows already yielded of this part are never written: a failed run is left out whole.
            yield run_id, "failed", _PartFailed(run_id, str(error))
            return


def _typed(rows: DataFrame) -> DataFrame:
    """Rows of :func:`_row_schema` as :func:`event_schema`: the timestamps parsed in the JVM."""
    columns: list[Column] = [
        F.col(c.name).cast(c.dataType) if isinstance(c.dataType, T.TimestampType) else F.col(c.name)
        for c in event_schema().fields
    ]
    return rows.select(*columns)


def _write_bytes(spark: SparkSession, url: str, data: bytes) -> None:
    """Write a small file through Hadoop's file system (any scheme Spark can write Parquet to)."""
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    path = jvm.org.apache.hadoop.fs.Path(url)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    stream = fs.create(path, True)
    try:
        stream.write(bytearray(data))
    finally:
        stream.close()
