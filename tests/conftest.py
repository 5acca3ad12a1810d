"""Fixtures shared by every test: the local AWS endpoint, seeded archives, and Airflow's home.

Airflow reads its configuration when first imported, so the temporary ``AIRFLOW_HOME`` and the
settings below are put in the environment here, before any test module imports Airflow.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests are deterministic (the same examples on every run and machine) and never fail on
# a slow example: the machine is shared, and the examples talk to a local server.
settings.register_profile("snowplow", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("snowplow")

REPO = Path(__file__).resolve().parents[1]
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="snowplow-airflow-home-"))
# The DAGs folder holds the example DAGs (linked) and DAG files that tests add (dag.test() only
# runs DAGs that live in the DAGs folder).
DAGS_FOLDER = _AIRFLOW_HOME / "dags"
DAGS_FOLDER.mkdir()
for _example in (REPO / "example_dags").glob("*.py"):
    (DAGS_FOLDER / _example.name).symlink_to(_example)
os.environ.update(
    {
        "AIRFLOW_HOME": str(_AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME}/airflow.db",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        # Any client a test forgets to point at the local endpoint fails fast on a dead loopback
        # port instead of reaching for AWS.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }
)
sys.path.insert(0, str(REPO))

from airflow_provider_snowplow.testing.archive import Archive  # noqa: E402
from airflow_provider_snowplow.testing.local_aws import LocalAws  # noqa: E402
from tests.dynamodb_local import DynamoDbLocal, DynamoDbLocalUnavailable  # noqa: E402
from tests.fault_proxy import FaultProxy  # noqa: E402
from tests.support import (  # noqa: E402
    ARCHIVE_URL,
    BUCKET,
    LOADER_URL,
    OUTPUT_URL,
    TABLE,
    TRANSFORMED_URL,
    aws_connection_json,
)

# The example DAGs refuse to parse without their required settings; every test that parses the DAGs
# folder gets the fixtures' places, and the tests that run the DAGs set them again (dag_env,
# layout_env...). The warehouse is a dead loopback port: the test that loads into one sets its own.
os.environ.update(
    {
        "SNOWPLOW_ARCHIVE_URL": ARCHIVE_URL,
        "SNOWPLOW_OUTPUT_URL": OUTPUT_URL,
        "SNOWPLOW_MANIFEST_TABLE": TABLE,
        "SNOWPLOW_LOADER_URL": LOADER_URL,
        "SNOWPLOW_TRANSFORMED_URL": TRANSFORMED_URL,
        "SNOWPLOW_WAREHOUSE_DSN": "host=127.0.0.1 port=9 dbname=none",
        "SNOWPLOW_SQS_QUEUE_URL": "http://127.0.0.1:9/000000000000/snowplow-run-markers",
    }
)

# Every test under these directories carries the marker, so ``-m "not integration"`` selects by layout.
_MARKERS_BY_DIRECTORY = {
    REPO / "tests" / "integration": "integration",
    REPO / "tests" / "deployment": "deployment",
    REPO / "tests" / "user": "user",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests with their directory's marker (declared in pyproject.toml)."""
    for item in items:
        for directory, marker in _MARKERS_BY_DIRECTORY.items():
            if item.path.is_relative_to(directory) and item.get_closest_marker(marker) is None:
                item.add_marker(marker)


@pytest.fixture(scope="session")
def local_aws() -> Iterator[LocalAws]:
    """One moto server process for the whole session, on a free loopback port."""
    with LocalAws() as aws:
        yield aws


@pytest.fixture
def aws(local_aws: LocalAws) -> LocalAws:
    """The local endpoint, emptied (no buckets, no tables, request counts at zero)."""
    local_aws.reset()
    return local_aws


@pytest.fixture
def s3(aws: LocalAws):  # type: ignore[no-untyped-def]
    return aws.client("s3")


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDbLocal]:
    """One DynamoDB Local process for the whole session (installed by ``./dev setup``)."""
    local = DynamoDbLocal(REPO / ".dynamodb-local")
    try:
        local.start()
    except DynamoDbLocalUnavailable as unavailable:
        problem = str(unavailable)
    else:
        problem = ""
    if problem:  # outside the except clause: one line, with no chained traceback
        pytest.fail(problem, pytrace=False)
    with local:
        yield local


@pytest.fixture
def dynamodb_backend(request: pytest.FixtureRequest) -> str:
    """Which DynamoDB a test talks to: ``moto`` unless ``both_dynamodb_backends`` says otherwise."""
    return str(getattr(request, "param", "moto"))


@pytest.fixture
def dynamodb_server(
    request: pytest.FixtureRequest, aws: LocalAws, dynamodb_backend: str
) -> LocalAws | DynamoDbLocal:
    """The DynamoDB endpoint of the test's backend, emptied; S3 is moto's (``aws``) either way."""
    if dynamodb_backend == "moto":
        return aws
    local: DynamoDbLocal = request.getfixturevalue("dynamodb_local")
    local.reset()
    return local


@pytest.fixture
def dynamodb(dynamodb_server: LocalAws | DynamoDbLocal):  # type: ignore[no-untyped-def]
    return dynamodb_server.client("dynamodb")


@pytest.fixture
def archive(s3) -> Archive:  # type: ignore[no-untyped-def]
    """An empty enriched archive at ``ARCHIVE_URL``."""
    return Archive.create(s3, BUCKET, ARCHIVE_URL.removeprefix(f"s3://{BUCKET}/"))


@pytest.fixture
def table(dynamodb) -> str:  # type: ignore[no-untyped-def]
    """An empty manifest table, created as Snowplow's SDK creates it."""
    dynamodb.create_table(
        TableName=TABLE,
        AttributeDefinitions=[{"AttributeName": "RunId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "RunId", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return TABLE


def point_aws_default_at(
    endpoint_url: str, monkeypatch: pytest.MonkeyPatch, dynamodb_endpoint_url: str | None = None
) -> str:
    """Make Airflow's ``aws_default`` connection use ``endpoint_url`` with the local credentials."""
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", aws_connection_json(endpoint_url, dynamodb_endpoint_url))
    return "aws_default"


@pytest.fixture
def aws_connection(
    aws: LocalAws, dynamodb_server: LocalAws | DynamoDbLocal, monkeypatch: pytest.MonkeyPatch
) -> str:
    """Airflow's ``aws_default`` connection, pointing at the local endpoints (DynamoDB: the backend's)."""
    return point_aws_default_at(aws.endpoint_url, monkeypatch, dynamodb_server.endpoint_url)


@pytest.fixture
def proxied_connection(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    """``aws_default`` through a fault-injecting proxy in front of the local endpoint."""
    with FaultProxy(aws.endpoint_url) as proxy:
        point_aws_default_at(proxy.endpoint_url, monkeypatch)
        yield proxy


@pytest.fixture(scope="session")
def test_dags(airflow_db: Path) -> Path:
    """The DAGs folder, with the test DAGs of tests/dags linked in."""
    for dag_file in (REPO / "tests" / "dags").glob("*.py"):
        link = DAGS_FOLDER / dag_file.name
        if not link.exists():
            link.symlink_to(dag_file)
    return DAGS_FOLDER


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """A migrated SQLite metadata DB under the session's temporary AIRFLOW_HOME."""
    subprocess.run(
        [str(Path(sys.executable).parent / "airflow"), "db", "migrate"],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
    )
    return _AIRFLOW_HOME
