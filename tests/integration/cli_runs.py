"""Running ``snowplow-manifest`` as the operator runs it: a subprocess against the moto server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CONSOLE = [sys.executable, "-m", "airflow_provider_snowplow.cli"]
# Runs seeded by the testing kit end with their marker: no quiet period needed to see them ready.
READY_WHEN_SEEDED = ["--settle", "0"]


@dataclass
class Cli:
    """Runs ``snowplow-manifest`` with ``--table`` and ``--endpoint-url`` pointing at the moto server.

    ``status`` and ``pending`` get ``--settle 0`` unless the test gives ``--settle`` itself or a
    layout that has no quiet period (``s3-loader``, which refuses the option).
    """

    endpoint_url: str
    table: str

    def __call__(
        self,
        *args: str,
        stdin: str = "",
        table: str | None = None,
        connection: Sequence[str] | None = None,
        program: Sequence[str] = CONSOLE,
        environment: Mapping[str, str | None] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run it; ``environment`` sets variables (None: unset) on top of this process's."""
        if connection is None:
            connection = ["--table", table or self.table, "--endpoint-url", self.endpoint_url]
        judged = args[:1] in (("status",), ("pending",)) and "s3-loader" not in args
        readiness = READY_WHEN_SEEDED if judged and "--settle" not in args else []
        env = {**os.environ, **(environment or {})}
        return subprocess.run(
            [*program, *args, *connection, *readiness],
            input=stdin,
            capture_output=True,
            text=True,
            env={name: value for name, value in env.items() if value is not None},
            timeout=120,
            check=False,
        )

    def json(self, *args: str) -> object:
        done = self(*args, "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


def lines(text: str) -> list[str]:
    return text.strip().splitlines()


def table_items(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    """Every item of the manifest table (a consistent scan), sorted by key: what a command wrote."""
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = dynamodb.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=lambda item: str(item["RunId"]["S"]))
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
