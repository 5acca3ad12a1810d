"""Where the root conftest's fixtures put things, named once for every test."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The ``table``, and the ``archive`` in ``BUCKET``.
TABLE = "snowplow-load-manifests"
BUCKET = "acme-snowplow"
ARCHIVE_URL = f"s3://{BUCKET}/enriched/archive/"
OUTPUT_URL = f"s3://{BUCKET}/enriched/json/"
