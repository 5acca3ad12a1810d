"""Fixtures for integration tests that run the example DAG."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import Archive

OUTPUT_URL = "s3://acme-snowplow/enriched/json/"


@pytest.fixture
def dag_env(
    test_dags: Path, aws_connection: str, table: str, archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> Archive:
    """Point the example DAG's params at the seeded archive; short waits."""
    monkeypatch.setenv("SNOWPLOW_ARCHIVE_URL", archive.url)
    monkeypatch.setenv("SNOWPLOW_OUTPUT_URL", OUTPUT_URL)
    monkeypatch.setenv("SNOWPLOW_MANIFEST_TABLE", table)
    monkeypatch.setenv("SNOWPLOW_POKE_INTERVAL", "0.2")
    monkeypatch.setenv("SNOWPLOW_WAIT_SECONDS", "2")
    return archive
