"""The README's Python blocks, run as a user runs them: each complete program, in the ``[local]`` environment.

A block that only illustrates (a fragment with ``...``, names defined elsewhere, a call to real AWS)
is marked in the README by an HTML comment on the last non-blank line before its fence, which
Markdown does not show:

    <!-- illustrative -->
    ```python
    with claimed_run(snowplow_run_id, hook=hook):
        ...
    ```

(``<!-- illustrative: why -->`` may say why.) Every other block is run with ``python`` in a working
directory of its own, with the local endpoint running, boto3 and ``aws_default`` pointing at it
(``AWS_ENDPOINT_URL``, ``AIRFLOW_CONN_AWS_DEFAULT``: nothing can reach AWS) and a private
``AIRFLOW_HOME`` with a migrated DB; it must exit 0. An unmarked block that does not run fails the test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tests.user.envs import REPO, Lane, UserEnv, airflow_settings
from tests.user.runs import UserEndpoint, aws_environment

README = REPO / "README.md"
ILLUSTRATIVE = re.compile(r"^\s*<!--\s*illustrative\b.*-->\s*$")
FENCE = re.compile(r"^(\s*)```python\s*$")
BLOCK_TIMEOUT = 300


@dataclass(frozen=True)
class Block:
    """A fenced Python block: the fence's line number (1-based), its code, whether it is marked."""

    line: int
    code: str
    illustrative: bool


def python_blocks(markdown: str) -> list[Block]:
    """The ```` ```python ```` blocks of a Markdown text, in order."""
    lines = markdown.splitlines()
    blocks = []
    index = 0
    while index < len(lines):
        fence = FENCE.match(lines[index])
        if not fence:
            index += 1
            continue
        indent = len(fence.group(1))
        end = index + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        before = [line for line in lines[:index] if line.strip()]
        blocks.append(
            Block(
                line=index + 1,
                code="\n".join(line[indent:] for line in lines[index + 1 : end]) + "\n",
                illustrative=bool(before) and bool(ILLUSTRATIVE.match(before[-1])),
            )
        )
        index = end + 1
    return blocks


def test_blocks_are_found_with_their_marks() -> None:
    text = "intro\n```python\nprint(1)\n```\n<!-- illustrative: a fragment -->\n\n```python\n...\n```\n"
    assert python_blocks(text) == [Block(2, "print(1)\n", False), Block(7, "...\n", True)]


def test_every_unmarked_python_block_of_the_readme_runs(
    lane: Lane, local_env: UserEnv, endpoint: UserEndpoint, tmp_path: Path
) -> None:
    blocks = python_blocks(README.read_text())
    assert blocks, "the README has Python blocks"
    home = lane.home(local_env, tmp_path / "airflow-home")
    env = {
        **airflow_settings(home),
        **aws_environment(endpoint.endpoint_url),
        "AWS_ENDPOINT_URL": endpoint.endpoint_url,
    }
    failures = []
    for block in blocks:
        if block.illustrative:
            continue
        workdir = tmp_path / f"line-{block.line}"
        workdir.mkdir()
        (workdir / "block.py").write_text(block.code)
        done = local_env.run(["python", "block.py"], cwd=workdir, env=env, timeout=BLOCK_TIMEOUT)
        if done.returncode != 0:
            said = "\n".join((done.stdout + done.stderr).splitlines()[-8:])
            failures.append(f"README.md line {block.line} (exit {done.returncode}):\n{said}")
    assert not failures, (
        "README Python blocks that do not run; make them complete programs, or mark them with "
        "`<!-- illustrative -->` on the line before the fence:\n\n" + "\n\n".join(failures)
    )
