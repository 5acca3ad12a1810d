"""The code blocks of the README and the site's pages, and running the ones a test executes.

The rule (docs/development.md, "Code blocks"): the line directly before every fenced block is one
of two markers,

* ``<!-- illustrative -->``: not executed by any test (a fragment, output, or a command against
  real AWS or that installs something);
* ``<!-- tested-by: tests/PATH.py::TEST -->``: that test executes the block as it stands;

or the page's front matter says ``code-blocks: illustrative`` (every block of the page is).

:func:`run_blocks` executes blocks in page order as one bash script, so a shell variable, an
``export`` or a background job of one block is there for the next: a ``bash``/``sh`` block is run
as it is; a ``python`` block whose first line is a comment naming a file (``# dags/x.py``) is saved
there; consecutive other ``python`` blocks are run with ``python`` as one program, so a name one
defines is there for the next, as on the page.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.support import REPO

ILLUSTRATIVE = "<!-- illustrative -->"
TESTED_BY = re.compile(r"^<!-- tested-by: (?P<path>tests/[\w/.-]+\.py)::(?P<test>\w+) -->$")
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)\s*(?P<lang>[\w+-]*)")
FRONT_MATTER = re.compile(r"\A---\n(?P<body>.*?)\n---\n", re.DOTALL)
SAVED_AS = re.compile(r"^# (?P<path>[\w./-]+\.py)$")


@dataclass(frozen=True)
class Block:
    """One fenced code block of a Markdown file."""

    path: Path
    line: int  # of the opening fence, from 1
    lang: str
    text: str
    marker: str  # the line before the fence, stripped ("" at the top of the file)
    page_illustrative: bool  # the page's front matter says code-blocks: illustrative

    @property
    def where(self) -> str:
        """``docs/page.md:12``, for messages."""
        return f"{self.path.relative_to(REPO)}:{self.line}"

    @property
    def tested_by(self) -> tuple[str, str] | None:
        """The test file and test name of a ``tested-by`` marker."""
        match = TESTED_BY.match(self.marker)
        return (match["path"], match["test"]) if match else None

    @property
    def illustrative(self) -> bool:
        """Whether the block is marked illustrative, by itself or by its page."""
        return self.marker == ILLUSTRATIVE or self.page_illustrative

    @property
    def saved_as(self) -> str | None:
        """The file a ``python`` block says it is (its first line, ``# dags/x.py``)."""
        match = SAVED_AS.match(self.text.partition("\n")[0])
        return match["path"] if self.lang == "python" and match else None


def page_blocks(path: Path) -> list[Block]:
    """The fenced blocks of a Markdown file, in order."""
    text = path.read_text()
    front = FRONT_MATTER.match(text)
    page_illustrative = bool(front and re.search(r"^code-blocks: illustrative$", front["body"], re.M))
    lines = text.splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        body = "\n".join(line[indent:] for line in lines[index + 1 : end])
        marker = lines[index - 1].strip() if index else ""
        blocks.append(Block(path, index + 1, opening["lang"], body + "\n", marker, page_illustrative))
        index = end + 1
    return blocks


def site_pages() -> list[Path]:
    """The Markdown the site and the repository show: README, docs/, the changelog, bench results."""
    return [
        REPO / "README.md",
        REPO / "CHANGELOG.md",
        *sorted((REPO / "docs").rglob("*.md")),
        *sorted((REPO / "bench").glob("RESULTS*.md")),
    ]


def clean_env() -> dict[str, str]:
    """An environment for a page's blocks: this one's ``python`` and scripts first on PATH, and none of
    the test session's Airflow, AWS or pipeline settings (only what the page sets)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "AWS_", "SNOWPLOW_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    # Nothing may reach for AWS: a client a page forgot to point at its endpoint fails fast.
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"
    return env


def blocks_tested_by(path: Path, test: str) -> list[Block]:
    """The blocks of a page whose marker names ``test`` (``tests/x.py::test_y``)."""
    return [b for b in page_blocks(path) if b.tested_by and "::".join(b.tested_by) == test]


def script(blocks: list[Block]) -> str:
    """One bash script that runs ``blocks`` in order (see the module's docstring)."""
    parts = ["set -euo pipefail"]
    program: list[Block] = []  # consecutive python blocks, run as one program
    for number, block in enumerate([*blocks, None]):
        end = f"END_OF_BLOCK_{number}"
        if block is not None and block.lang == "python" and not block.saved_as:
            program.append(block)
            continue
        if program:
            source = "".join(f"# {b.where}\n{b.text}" for b in program)
            parts.append(f"python - <<'{end}_PROGRAM'\n{source}{end}_PROGRAM")
            program = []
        if block is None:
            break
        if block.lang in ("bash", "sh"):
            parts.append(f"# {block.where}\n{block.text}")
        elif block.saved_as:
            parts.append(f"# {block.where}\nmkdir -p \"$(dirname '{block.saved_as}')\"")
            parts.append(f"cat > '{block.saved_as}' <<'{end}'\n{block.text}{end}")
        else:
            raise ValueError(f"{block.where}: a {block.lang or 'plain'} block cannot be run")
    return "\n".join(parts) + "\n"


def run_blocks(
    blocks: list[Block], cwd: Path, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run ``blocks`` as one bash script in ``cwd``; stdout and stderr together in ``stdout``.

    The script runs in a session of its own: whatever it leaves running (a background server whose
    block failed before it was stopped) is killed with it on the way out.
    """
    process = subprocess.Popen(
        ["bash", "-c", script(blocks)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = process.communicate(timeout=timeout)
    finally:
        _kill_session(process)
    return subprocess.CompletedProcess(process.args, process.returncode, out)


def _kill_session(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
