"""``snowplow-manifest`` as docs/cli.md shows it, from the ``[local]`` environment's own script.

Against the local endpoint with ``--endpoint-url`` alone: for an endpoint on this machine the CLI
needs no region or credentials (the environment has none). Exit codes and the key lines of the
output are those docs/cli.md documents.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.user.envs import UserEnv
from tests.user.runs import Kit, UserEndpoint

TABLE = "snowplow-load-manifests"
ARCHIVE = "s3://acme-snowplow/enriched/archive/"
COMMANDS = ("create-table", "status", "pending", "mark-loaded", "unmark", "skip", "release", "verify")


@dataclass(frozen=True)
class Cli:
    """``snowplow-manifest ARGS --endpoint-url URL`` with ``SNOWPLOW_MANIFEST_TABLE`` exported, as the docs do."""

    env: UserEnv
    endpoint_url: str
    cwd: Path

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.env.run(
            ["snowplow-manifest", *args, "--endpoint-url", self.endpoint_url],
            cwd=self.cwd,
            env={"SNOWPLOW_MANIFEST_TABLE": TABLE},
            timeout=120,
        )


@pytest.fixture(scope="module")
def cli(local_env: UserEnv, endpoint: UserEndpoint, workdir: Path) -> Cli:
    return Cli(local_env, endpoint.endpoint_url, workdir)


def line(output: str, pattern: str) -> re.Match[str]:
    """The first line of ``output`` matching ``pattern`` (from its start)."""
    for text in output.splitlines():
        found = re.match(pattern, text)
        if found:
            return found
    raise AssertionError(f"no line like {pattern!r} in:\n{output}")


def test_help_lists_the_commands(local_env: UserEnv, workdir: Path) -> None:
    done = local_env.run(["snowplow-manifest", "--help"], cwd=workdir)
    assert done.returncode == 0, done.stderr
    for command in COMMANDS:
        assert command in done.stdout


def test_the_documented_session(cli: Cli, kit: Kit) -> None:
    for _ in range(2):  # idempotent
        created = cli("create-table")
        assert (created.returncode, created.stdout) == (
            0,
            f"manifest table '{TABLE}' is ACTIVE (PAY_PER_REQUEST)\n",
        )
    runs = kit("add-runs", "--archive", ARCHIVE, "--hours-ago", "4", "3", "2")
    (late,) = kit("add-runs", "--archive", ARCHIVE, "--hours-ago", "1", "--no-marker")

    # Just written: none of them has had the default 900 s quiet period.
    fresh = cli("status", ARCHIVE)
    assert fresh.returncode == 0, fresh.stderr
    assert line(fresh.stdout, r"runs\s+(\d+)$")[1] == "4"
    assert line(fresh.stdout, r"pending\s+(\d+)")[1] == "0"
    assert line(fresh.stdout, r"not ready\s+(\d+)\s+still being written\?")[1] == "4"

    status = cli("status", ARCHIVE, "--settle", "0")
    assert line(status.stdout, r"pending\s+(\d+)\s+oldest: (\S+)$").groups() == ("3", runs[0])
    assert line(status.stdout, rf"\s+{re.escape(late)}\s+.*waiting for marker '_SUCCESS'")
    report = json.loads(cli("status", ARCHIVE, "--settle", "0", "--json").stdout)
    assert {key: report[key] for key in ("runs", "loaded", "pending", "not_ready", "oldest_pending")} == {
        "runs": 4, "loaded": 0, "pending": 3, "not_ready": 1, "oldest_pending": runs[0]
    }  # fmt: skip

    pending = cli("pending", ARCHIVE, "--max", "10", "--settle", "0")
    assert (pending.returncode, pending.stdout) == (0, "".join(f"{run}\n" for run in runs))
    assert line(pending.stderr, rf"\(not ready: {re.escape(late)} .*waiting for marker '_SUCCESS'\)$")
    capped = cli("pending", ARCHIVE, "--max", "2", "--settle", "0")
    assert (capped.returncode, capped.stdout) == (0, f"{runs[0]}\n{runs[1]}\n")

    # Idempotent: the second mark writes nothing and says so, with the documented exit code 6.
    for said, code in (("loaded", 0), ("already loaded", 6)):
        marked = cli("mark-loaded", runs[0], "--by", "ops/alice", "--archive-url", ARCHIVE)
        assert marked.returncode == code, marked.stdout + marked.stderr
        assert line(marked.stdout, rf"{said}\s+{re.escape(runs[0])}( |$)")
    outside = cli("mark-loaded", "enriched/other/run=2017-01-05-00-00-00/", "--archive-url", ARCHIVE)
    assert outside.returncode == 2, "a run not in --archive-url is a usage error"

    # runs[1] recorded as the pipeline records it (with what it held), runs[0] by the CLI (unknown).
    kit("record", "--table", TABLE, "--archive", ARCHIVE, "--run", runs[1])
    verified = cli("verify", ARCHIVE)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith(
        f"2 loaded run(s) of {ARCHIVE} checked: 1 unchanged, 0 gained, 0 lost, 0 changed, 1 unknown"
    ), verified.stdout
    kit("put", "--archive", ARCHIVE, "--run", runs[1], "--name", "part-00001.gz", "--body", "late")
    drifted = cli("verify", ARCHIVE)
    assert drifted.returncode == 5, drifted.stdout + drifted.stderr
    assert line(drifted.stdout, rf"\s+{re.escape(runs[1])} gained \(1 -> 2 part files.*part-00001\.gz")

    left = cli("pending", ARCHIVE, "--settle", "0", "--exit-code")
    assert (left.returncode, left.stdout) == (0, f"{runs[2]}\n")
    assert cli("mark-loaded", runs[2], "--archive-url", ARCHIVE).returncode == 0
    nothing = cli("pending", ARCHIVE, "--settle", "0", "--exit-code")
    assert (nothing.returncode, nothing.stdout) == (1, "")
