"""Seeding S3 Loader and RDB Loader transformer output as those components lay it out.

Names and paths follow their sources (cited where the tests use them):

* S3 Loader 3.2.0 (snowplow/snowplow-s3-loader @ 877c19c9d98291b0c1b6a43fc909e96079988c0f),
  ``modules/core/.../DynamicPath.scala`` L54-108: ``<path>/<partition>/<filenamePrefix>
  <yyyy-MM-dd-HHmmss>-<uuid>.gz``, UTC write time, gzip, each record ending in a newline.
* RDB Loader 6.1.5 stream transformer (snowplow/snowplow-rdb-loader @
  13ea3803ad53f11043bda57e5a3accf1446d9dd5): ``sinks/Window.scala`` (``run=yyyy-MM-dd-HH-mm-00-<uuid>``),
  ``sinks/SinkPath.scala`` (``output=good/``, ``output=bad/``), ``Processing.scala`` L170-177
  (``sink-<uuid>.txt.gz``), ``Completion.scala`` (``shredding_complete.json`` last), the seal's body
  after ``processing-spec/1/output/good/widerow/completion.json``.
"""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from airflow_provider_snowplow.archive.layouts import SEAL, PartitionFormat
from airflow_provider_snowplow.archive.layouts.transformer_output import SEAL_SCHEMA_PREFIX
from airflow_provider_snowplow.testing.events import valid_lines

SEAL_SCHEMA = SEAL_SCHEMA_PREFIX + "2-0-1"


def loader_key(
    prefix: str, written: datetime, partition_format: str | None = None, filename_prefix: str = ""
) -> str:
    """The key S3 Loader gives an object written at ``written`` (naive UTC) under ``prefix``."""
    partition = PartitionFormat.parse(partition_format).render(written) if partition_format else ""
    return f"{prefix}{partition}{filename_prefix}{written:%Y-%m-%d-%H%M%S}-{uuid.uuid4()}.gz"


def loader_body(lines: int, seed: int = 0) -> bytes:
    """A flush of ``lines`` enriched events: gzip TSV, every line ending in a newline."""
    return gzip.compress("".join(line + "\n" for line in valid_lines(lines, seed=seed)).encode())


def put_loader_objects(
    s3: Any,
    bucket: str,
    prefix: str,
    writes: Sequence[datetime],
    partition_format: str | None = None,
    filename_prefix: str = "",
    lines: int = 3,
) -> list[str]:
    """Put one flush per write time, as the loader does; returns the keys."""
    keys = []
    for number, written in enumerate(writes):
        key = loader_key(prefix, written, partition_format, filename_prefix)
        s3.put_object(Bucket=bucket, Key=key, Body=loader_body(lines, seed=number))
        keys.append(key)
    return keys


def hourly_writes(first: datetime, hours: int, per_hour: int = 2) -> list[datetime]:
    """``per_hour`` write times in each of ``hours`` hours from ``first`` (spread over the hour)."""
    step = timedelta(minutes=60 // per_hour)
    return [
        first + timedelta(hours=h) + step * n + timedelta(minutes=1)
        for h in range(hours)
        for n in range(per_hour)
    ]


def seal_body(base: str, window_start: datetime, good: int, bad: int = 0) -> bytes:
    """A ``shredding_complete`` 2-0-1 message for a wide-row JSON window, one line as the transformer writes it."""
    end = window_start + timedelta(minutes=10)
    message = {
        "schema": SEAL_SCHEMA,
        "data": {
            "base": base,
            "typesInfo": {
                "transformation": "WIDEROW",
                "fileFormat": "JSON",
                "types": [
                    {
                        "schemaKey": "iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0",
                        "snowplowEntity": "CONTEXT",
                    }
                ],
            },
            "timestamps": {
                "jobStarted": f"{window_start:%Y-%m-%dT%H:%M:%S}Z",
                "jobCompleted": f"{end:%Y-%m-%dT%H:%M:%S}.412Z",
                "min": f"{window_start:%Y-%m-%dT%H:%M:%S}.118Z",
                "max": f"{end - timedelta(seconds=2):%Y-%m-%dT%H:%M:%S}.907Z",
            },
            "compression": "GZIP",
            "processor": {"artifact": "snowplow-transformer-kinesis", "version": "6.1.5"},
            "count": {"good": good, "bad": bad},
        },
    }
    return json.dumps(message, separators=(",", ":")).encode()


def put_transformer_run(
    s3: Any,
    bucket: str,
    prefix: str,
    window_start: datetime,
    good_lines: Sequence[bytes] = (b"{}",),
    sealed: bool = True,
    stream: bool = True,
) -> str:
    """A transformer run folder: ``output=good/`` and ``output=bad/`` sinks, then the seal if ``sealed``.

    Returns:
        The run id, ``<prefix>run=yyyy-MM-dd-HH-mm-00-<uuid>/`` (``stream``) or ``run=...-ss/``.
    """
    suffix = f"-{uuid.uuid4()}" if stream else ""
    run_id = f"{prefix}run={window_start:%Y-%m-%d-%H-%M-%S}{suffix}/"
    good = gzip.compress(b"".join(line + b"\n" for line in good_lines))
    s3.put_object(Bucket=bucket, Key=f"{run_id}output=good/sink-{uuid.uuid4()}.txt.gz", Body=good)
    s3.put_object(
        Bucket=bucket, Key=f"{run_id}output=bad/sink-{uuid.uuid4()}.txt.gz", Body=gzip.compress(b"{}\n")
    )
    if sealed:
        body = seal_body(f"s3://{bucket}/{run_id}", window_start, good=len(good_lines), bad=1)
        s3.put_object(Bucket=bucket, Key=run_id + SEAL, Body=body)
    return run_id
