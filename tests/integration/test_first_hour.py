"""docs/first-hour.md, "Test your DAG locally", runs as written: every step, in one shell.

Its blocks are run in page order as one bash script (tests/doc_blocks.py), in an empty directory,
with this environment's ``python``, ``airflow`` and ``snowplow-manifest`` first on PATH, and none
of the test session's Airflow or AWS settings: only what the page sets. The page's port is
replaced by a free one.
"""

from __future__ import annotations

import re
import socket
from dataclasses import replace
from pathlib import Path

from tests.doc_blocks import blocks_tested_by, clean_env, run_blocks
from tests.support import REPO

PAGE = REPO / "docs" / "first-hour.md"
THIS_TEST = "tests/integration/test_first_hour.py::test_the_first_hour_runs_as_written"
PAGE_PORT = "4566"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_the_first_hour_runs_as_written(tmp_path: Path) -> None:
    blocks = blocks_tested_by(PAGE, THIS_TEST)
    assert len(blocks) >= 7, "the page's steps are no longer marked as run by this test"
    port = str(free_port())
    blocks = [replace(block, text=block.text.replace(PAGE_PORT, port)) for block in blocks]

    done = run_blocks(blocks, tmp_path, clean_env(), timeout=420)

    logs = "".join(f"\n--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(tmp_path.glob("*.log")))
    assert done.returncode == 0, done.stdout[-4000:] + logs
    assert f"local AWS endpoint listening on http://127.0.0.1:{port}" in done.stdout
    assert "DagRun Finished: dag_id=snowplow_load_runs" in done.stdout and "state=success" in done.stdout
    assert re.search(r"^loaded\s+2$", done.stdout, re.MULTILINE), done.stdout[-4000:] + logs
    assert re.search(r"^pending\s+0$", done.stdout, re.MULTILINE), done.stdout[-4000:]
    assert (tmp_path / "dags" / "snowplow_load_runs.py").is_file()
