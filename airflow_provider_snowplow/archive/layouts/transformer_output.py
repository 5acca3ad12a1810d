"""The ``transformer-output`` layout: RDB Loader's transformer run folders, ready once sealed.

RDB Loader's transformer writes ``run=YYYY-MM-DD-HH-MM-SS/`` (the batch transformer, named after its
input folder) or ``run=YYYY-MM-DD-HH-MM-00-<uuid>/`` (the stream transformer: its window start, plus
a UUID drawn once per process, so a restart starts a new folder), holding ``output=good/`` and
``output=bad/``. **When a run is ready**: when sealed by ``shredding_complete.json``, which the
stream transformer writes last (snowplow-rdb-loader 6.1.5, ``common-transformer-stream/.../sinks/
Window.scala``, ``Completion.scala``): an unsealed folder may be in progress, or an orphan of a
restart whose events the transformer writes again into a new folder. The batch transformer puts the
seal after notifying its queue, so a short quiet period does no harm; the default is none. (The
shared rule of :mod:`~airflow_provider_snowplow.archive.layouts.readiness`, with the seal as marker.)

The seal is a self-describing JSON of schema
``iglu:com.snowplowanalytics.snowplow.storage.rdbloader/shredding_complete/jsonschema/2-0-1``
(2-0-0 before RDB Loader 5.4.0, 1-0-1 for the legacy format), whose ``data`` holds ``base`` (the run
folder's URI), ``typesInfo`` (``transformation``, ``fileFormat`` and the event and context types),
``timestamps`` (``jobStarted``, ``jobCompleted``, ``min``, ``max`` collector time), ``compression``,
``processor`` and ``count`` (``good``, ``bad``; may be null). A load step reads it to know what to
COPY and what to expect (snowplow-rdb-loader 6.1.5, ``modules/common/.../LoaderMessage.scala``):
:func:`read_seal`.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from airflow_provider_snowplow.archive.layouts.base import FolderLayout
from airflow_provider_snowplow.archive.layouts.readiness import ReadinessRule
from airflow_provider_snowplow.archive.run_ids import run_timestamp
from airflow_provider_snowplow.aws.plans import AwsCall, Plan, call_once
from airflow_provider_snowplow.errors import RunInputError

SEAL = "shredding_complete.json"
_TRANSFORMER_RUN = re.compile(
    r"run=(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})(-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?"
)


class TransformerOutput(FolderLayout):
    """RDB Loader transformer run folders, with or without the stream transformer's UUID suffix.

    Args:
        rule: the seal to wait for; by default ``shredding_complete.json`` and no quiet period.
    """

    name = "transformer-output"
    example = "transformed/run=2026-11-30-10-10-00-5b1c3f0e-7a2d-4e8b-9c61-0f2e4d6a8b13/"

    def __init__(self, rule: ReadinessRule | None = None) -> None:
        super().__init__(rule or ReadinessRule(marker=SEAL, settle_seconds=0))

    def run_time(self, run_id: str) -> datetime | None:
        """The time in the transformer's ``run=`` folder name (UUID suffix or not), or None."""
        if not isinstance(run_id, str) or not run_id.endswith("/"):
            return None
        match = _TRANSFORMER_RUN.fullmatch(run_id[:-1].rpartition("/")[2])
        return run_timestamp(f"run={match.group(1)}/") if match else None


SEAL_SCHEMA_PREFIX = "iglu:com.snowplowanalytics.snowplow.storage.rdbloader/shredding_complete/jsonschema/"
SEAL_MODELS = ("1-", "2-")


def parse_seal(body: bytes | str, where: str) -> dict[str, Any]:
    """The ``data`` of a ``shredding_complete`` message, with its schema version under ``"schema"``.

    Raises:
        RunInputError: the body is not JSON, or not a shredding_complete 1-x or 2-x message.
    """
    try:
        message = json.loads(body)
    except ValueError:
        message = None
    schema = message.get("schema", "") if isinstance(message, dict) else ""
    data = message.get("data") if isinstance(message, dict) else None
    version = schema.removeprefix(SEAL_SCHEMA_PREFIX) if isinstance(schema, str) else ""
    if (
        not schema.startswith(SEAL_SCHEMA_PREFIX)
        or not version.startswith(SEAL_MODELS)
        or not isinstance(data, dict)
    ):
        raise RunInputError(
            f"{where} is not a shredding_complete message (schema {SEAL_SCHEMA_PREFIX}1-x or 2-x with "
            "a data object): check that the prefix holds RDB Loader transformer output"
        )
    return {"schema": schema, **data}


def read_seal(bucket: str, run_id: str) -> Plan[dict[str, Any]]:
    """Get and parse ``<run id>shredding_complete.json`` (see :func:`parse_seal`)."""
    key = run_id + SEAL
    where = f"seal {key!r} in bucket {bucket!r}"
    response = yield from call_once(AwsCall("s3", "get_object", {"Bucket": bucket, "Key": key}, where))
    return parse_seal(response["Body"].read(), where)
