"""Fixtures for integration tests: the manifest, and the test DAGs' environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing.archive import READY_WHEN_SEEDED, Archive
from airflow_provider_snowplow.testing.local_aws import LocalAws
from tests.integration.cli_runs import Cli
from tests.support import BUCKET, OUTPUT_URL


@pytest.fixture
def manifest(s3, dynamodb, table: str) -> LoadManifest:  # type: ignore[no-untyped-def]
    """The boto3 core on the test table, with the real clock; seeded runs are ready at once."""
    return LoadManifest(s3, dynamodb, table, readiness=READY_WHEN_SEEDED)


@pytest.fixture
def cli(aws: LocalAws, table: str) -> Cli:
    """``snowplow-manifest`` with ``--table`` and ``--endpoint-url`` pointing at the test table."""
    return Cli(aws.endpoint_url, table)


@pytest.fixture
def archive_env(
    test_dags: Path, aws_connection: str, archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> Archive:
    """The test DAGs, the local endpoint as ``aws_default``, and ``SNOWPLOW_ARCHIVE_URL`` the seeded archive."""
    monkeypatch.setenv("SNOWPLOW_ARCHIVE_URL", archive.url)
    return archive


@pytest.fixture
def dag_env(archive_env: Archive, table: str, monkeypatch: pytest.MonkeyPatch) -> Archive:
    """Point the example DAG's params at the seeded archive; short waits, seeded runs ready at once."""
    monkeypatch.setenv("SNOWPLOW_OUTPUT_URL", OUTPUT_URL)
    monkeypatch.setenv("SNOWPLOW_MANIFEST_TABLE", table)
    monkeypatch.setenv("SNOWPLOW_POKE_INTERVAL", "0.2")
    monkeypatch.setenv("SNOWPLOW_WAIT_SECONDS", "2")
    monkeypatch.setenv("SNOWPLOW_SETTLE_SECONDS", "0")
    return archive_env


@pytest.fixture
def other_archive(dag_env: Archive, s3, monkeypatch: pytest.MonkeyPatch) -> Archive:  # type: ignore[no-untyped-def]
    """A second archive, another prefix of the first one's bucket (the DAGs' ``SNOWPLOW_OTHER_ARCHIVE_URL``)."""
    archive = Archive(s3, BUCKET, "other/archive/")
    monkeypatch.setenv("SNOWPLOW_OTHER_ARCHIVE_URL", archive.url)
    return archive


@pytest.fixture
def sensor_env(archive_env: Archive, table: str, monkeypatch: pytest.MonkeyPatch) -> Archive:
    """The sensor test DAGs on the seeded archive; the table reaches them through a Variable template.

    ``SNOWPLOW_MANIFEST_TABLE``, the template's default, names another table: a sensor that found
    runs read the Variable.
    """
    monkeypatch.setenv("AIRFLOW_VAR_SNOWPLOW_TABLE", table)
    monkeypatch.setenv("SNOWPLOW_MANIFEST_TABLE", "not-this-one")
    return archive_env
