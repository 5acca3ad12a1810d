"""The seal of an RDB Loader transformer run: ``shredding_complete.json``, read and checked.

The transformer writes it last into a finished run folder: a self-describing JSON of schema
``iglu:com.snowplowanalytics.snowplow.storage.rdbloader/shredding_complete/jsonschema/2-0-1``
(2-0-0 before RDB Loader 5.4.0, 1-0-1 for the legacy format), whose ``data`` holds ``base`` (the run
folder's URI), ``typesInfo`` (``transformation``, ``fileFormat`` and the event and context types),
``timestamps`` (``jobStarted``, ``jobCompleted``, ``min``, ``max`` collector time), ``compression``,
``processor`` and ``count`` (``good``, ``bad``; may be null). A load step reads it to know what to
COPY and what to expect (snowplow-rdb-loader 6.1.5, ``modules/common/.../LoaderMessage.scala``).
"""

from __future__ import annotations

import json
from typing import Any

from airflow_provider_snowplow.archive.layouts.folders import SEAL
from airflow_provider_snowplow.aws.plans import AwsCall, Plan, call_once
from airflow_provider_snowplow.errors import RunInputError

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
