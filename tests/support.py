"""Where the root conftest's fixtures put things, named once for every test, and helpers tests share."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_snowplow.archive.urls import parse_output_url
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.processing.run import output_folder, read_summary

REPO = Path(__file__).resolve().parents[1]
# The ``table``, and the ``archive`` in ``BUCKET``.
TABLE = "snowplow-load-manifests"
BUCKET = "acme-snowplow"
ARCHIVE_URL = f"s3://{BUCKET}/enriched/archive/"
OUTPUT_URL = f"s3://{BUCKET}/enriched/json/"
# Where the layout example DAGs read: S3 Loader's output and the transformer's.
LOADER_URL = f"s3://{BUCKET}/enriched/"
TRANSFORMED_URL = f"s3://{BUCKET}/transformed/"

# The claim and record tests run on both DynamoDBs: moto's is lenient in places, DynamoDB Local is
# AWS's own. Mark a test or module with this (the ``dynamodb_backend`` fixture of the root
# conftest); every other test talks to moto's.
DYNAMODB_BACKENDS = ("moto", "dynamodb-local")
both_dynamodb_backends = pytest.mark.parametrize("dynamodb_backend", DYNAMODB_BACKENDS, indirect=True)


def block_imports(*packages: str) -> str:
    """Python source that makes importing ``packages`` (and their submodules) fail, as if missing.

    Put it first in a ``python -c`` program to see how code behaves where they are not installed.
    """
    return (
        "import sys\n"
        "class _Blocked:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {set(packages)!r}:\n"
        "            raise ImportError(f'{name} is not installed here')\n"
        "sys.meta_path.insert(0, _Blocked())\n"
    )


def aws_connection_json(endpoint_url: str, dynamodb_endpoint_url: str | None = None) -> str:
    """An Airflow AWS connection (as ``AIRFLOW_CONN_...`` JSON) to a local endpoint, test credentials.

    ``dynamodb_endpoint_url``, when given, serves DynamoDB instead (DynamoDB Local beside moto's S3).
    """
    extra: dict[str, object] = {"endpoint_url": endpoint_url, "region_name": "us-east-1"}
    if dynamodb_endpoint_url not in (None, endpoint_url):
        extra["service_config"] = {"dynamodb": {"endpoint_url": dynamodb_endpoint_url}}
    return json.dumps({"conn_type": "aws", "login": "testing", "password": "testing", "extra": extra})


def output_summary(s3: Any, run_id: str, output_url: str = OUTPUT_URL) -> dict[str, Any] | None:
    """The run's ``_SUCCESS.json`` under the output URL, if its output is complete."""
    output = parse_output_url(output_url)
    return read_summary({"s3": s3}, output.bucket, output_folder(output, run_id))


def manifest_keys(manifest: LoadManifest) -> list[str]:
    """The key of every item of the manifest's table (records and claims alike), as read from DynamoDB."""
    table = manifest.table_name
    items = manifest.clients["dynamodb"].scan(TableName=table, ConsistentRead=True)["Items"]
    return sorted(item["RunId"]["S"] for item in items)
