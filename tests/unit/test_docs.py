"""The README and docs/ agree with each other and with the code on what a new user reads first.

And the site's rules hold: every code block is run by a test or marked illustrative (the markers
are in tests/doc_blocks.py), the blocks that need no server run here as they stand, the README
stays a five-minute read, and every path the architecture page names exists.
"""

from __future__ import annotations

import ast
import re
import tomllib
from functools import cache
from pathlib import Path

import pytest

import airflow_provider_snowplow
from airflow_provider_snowplow import errors
from airflow_provider_snowplow.cli.definition import ENDPOINT_URL, SUBCOMMANDS
from airflow_provider_snowplow.cli.exit_codes import ExitCode
from tests.doc_blocks import Block, blocks_tested_by, clean_env, page_blocks, run_blocks, site_pages
from tests.support import REPO

README = (REPO / "README.md").read_text()
CLI_DOC = (REPO / "docs" / "cli.md").read_text()
OPERATIONS_DOC = (REPO / "docs" / "operations.md").read_text()
ARCHITECTURE_DOC = REPO / "docs" / "architecture.md"
FIRST_HOUR_DOC = REPO / "docs" / "first-hour.md"
CHANGELOG = (REPO / "CHANGELOG.md").read_text()
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
README_MAX_LINES = 200


def one(pattern: str, text: str) -> str:
    found: set[str] = set(re.findall(pattern, text))
    assert len(found) == 1, (pattern, found)
    return found.pop()


def test_the_install_line_installs_from_a_checkout_until_the_package_is_published() -> None:
    installs = re.findall(r"^pip install (\S+)", README, re.MULTILINE)
    assert installs, "the README shows how to install"
    assert all(target.strip("\"'").startswith(("./", "/", ".")) for target in installs), installs
    assert "not published on PyPI yet" in README


def test_the_airflow_versions_agree_with_pyproject_and_with_each_other() -> None:
    (airflow,) = [d for d in PYPROJECT["project"]["dependencies"] if d.startswith("apache-airflow>=")]
    assert one(r"It needs Airflow (\d+\.\d+)\+", README) == airflow.removeprefix("apache-airflow>=")
    floor = airflow.removeprefix("apache-airflow>=")
    # `airflow snowplow` needs Airflow to load providers' CLI commands (3.2 on) and this package's floor.
    provider_cli = one(r"`airflow snowplow`\s+on Airflow (\d+\.\d+)\+", README)
    assert one(r"\| Airflow (\d+\.\d+)\+ with this provider \|", CLI_DOC) == provider_cli == floor
    loads_cli_from = one(r"providers' CLI commands from (\d+\.\d+)\.0 on", CLI_DOC)
    assert tuple(map(int, loads_cli_from.split("."))) <= tuple(map(int, floor.split(".")))


def test_what_the_cli_needs_is_said_in_the_readme_the_docs_and_its_help() -> None:
    for text in (README, CLI_DOC):
        flat = " ".join(text.split())
        assert re.search(r"needs? a region and credentials", flat), "region and credentials"
        assert "also with `--endpoint-url`" in flat or "That holds with `--endpoint-url` too" in flat
        assert "placeholder credentials" in flat
    assert "Region and credentials are still needed" in ENDPOINT_URL.help


@pytest.mark.parametrize("sub", SUBCOMMANDS, ids=lambda sub: sub.name)
def test_the_cli_doc_names_every_command_and_option(sub: object) -> None:
    assert f"**{sub.name}" in CLI_DOC  # type: ignore[attr-defined]
    for option in sub.options:  # type: ignore[attr-defined]
        flag = option.flags[-1]
        if flag.startswith("--") and flag not in ("--json", "--yes", "--by", "--billing-mode"):
            assert flag in CLI_DOC, f"{sub.name} {flag} is not in docs/cli.md"  # type: ignore[attr-defined]


def test_every_error_the_errors_page_names_exists() -> None:
    section = OPERATIONS_DOC.split("## Errors", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`(\w+Error)`", section))
    assert {"AwsCredentialsError", "AwsEndpointError", "InvalidValueError"} <= named
    assert all(issubclass(getattr(errors, name), errors.SnowplowProviderError) for name in named)


# ---- The README: a five-minute read that points at the site ------------------------------------


def test_the_readme_is_a_five_minute_read() -> None:
    assert len(README.splitlines()) <= README_MAX_LINES, "move the detail to a page of docs/"


def relative_links(text: str) -> list[tuple[str, str]]:
    """The ``(target, anchor)`` of every Markdown link that is not a URL."""
    links = re.findall(r"\]\(([^)\s#]*)(?:#([^)\s]*))?\)", text)
    return [(target, anchor) for target, anchor in links if ":" not in target]


def heading_ids(path: Path) -> set[str]:
    """The anchors of a Markdown file's headings, as MkDocs and GitHub make them (for our headings)."""
    ids = set()
    for heading in re.findall(r"^#{1,6} (.+)$", path.read_text(), re.MULTILINE):
        text = re.sub(r"[^\w\s-]", "", heading.replace("`", "")).strip().lower()
        ids.add(re.sub(r"[-\s]+", "-", text))
    return ids


def test_every_link_of_the_readme_resolves() -> None:
    links = relative_links(README)
    assert len(links) >= 10, "the README no longer links to the site's pages"
    for target, anchor in links:
        path = REPO / target if target else REPO / "README.md"
        assert path.exists(), f"README links to {target}, which does not exist"
        if anchor:
            assert anchor in heading_ids(path), f"README links to {target}#{anchor}: no such heading"


def test_the_version_and_what_the_docs_say_of_the_names_before_it_agree() -> None:
    version = airflow_provider_snowplow.__version__
    (old,) = set(re.findall(r"The names of (\d+\.\d+\.\d+)", README))
    assert tuple(map(int, old.split("."))) < tuple(map(int, version.split("."))), (old, version)
    first_release = re.search(r"^## (.+)$", CHANGELOG, re.MULTILINE)
    assert first_release is not None and first_release[1].split()[0] == version, "the changelog's top section"


# ---- Code blocks: run by a test, or marked illustrative -----------------------------------------

PAGES = site_pages()


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_every_code_block_is_run_by_a_test_or_marked_illustrative(page: Path) -> None:
    unmarked = [b.where for b in page_blocks(page) if not (b.illustrative or b.tested_by)]
    assert not unmarked, (
        f"each block needs '<!-- illustrative -->' or '<!-- tested-by: tests/PATH.py::TEST -->' on "
        f"the line before its fence (docs/development.md, Code blocks): {unmarked}"
    )


@cache
def functions_of(path: str) -> set[str]:
    """The test functions of a test file: module level and in classes."""
    tree = ast.parse((REPO / path).read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


def test_every_tested_by_names_a_test_that_exists() -> None:
    markers = [(b.where, b.tested_by) for page in PAGES for b in page_blocks(page) if b.tested_by]
    assert len(markers) >= 10, "the pattern no longer finds the tested-by markers"
    for where, (path, test) in markers:
        assert (REPO / path).is_file(), f"{where}: tested by {path}, which does not exist"
        assert test in functions_of(path), f"{where}: {path} has no test {test}"


def test_the_marker_check_catches_what_it_must(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- illustrative -->\n```python\nx\n```\n\ntext\n```sh\necho\n```\n"
        "<!-- tested-by: tests/unit/test_docs.py::test_nothing_of_that_name -->\n```sh\necho\n```\n"
    )
    first, second, third = page_blocks(page)
    assert first.illustrative and not second.illustrative and second.tested_by is None
    assert third.tested_by == ("tests/unit/test_docs.py", "test_nothing_of_that_name")
    assert "test_nothing_of_that_name" not in functions_of("tests/unit/test_docs.py")
    page.write_text("---\ncode-blocks: illustrative\n---\n# Title\n```sh\necho\n```\n")
    assert page_blocks(page)[0].illustrative


THIS_FILE = "tests/unit/test_docs.py"
NO_SERVER = f"{THIS_FILE}::test_the_blocks_that_need_no_server_run"
# What the blocks of a page print, in part: they do what the page says.
PRINTS = {
    "event-transformer.md": [
        "unstruct 2026-11-20T09:00:33.930Z",
        "Invalid value 'garbage' for field collector_tstamp",
        "Invalid value '12a' for field txn_id: not an integer",
        "event_transformer: 63 lines, 60 good, 3 bad",
    ],
}


@pytest.mark.parametrize(
    "page",
    [page for page in PAGES if blocks_tested_by(page, NO_SERVER)],
    ids=lambda page: str(page.relative_to(REPO)),
)
def test_the_blocks_that_need_no_server_run(page: Path, tmp_path: Path) -> None:
    done = run_blocks(blocks_tested_by(page, NO_SERVER), tmp_path, clean_env(), timeout=120)
    assert done.returncode == 0, done.stdout[-3000:]
    for expected in PRINTS.get(page.name, []):
        assert expected in done.stdout, done.stdout[-3000:]


def test_the_pages_that_need_no_server_include_the_transformer() -> None:
    assert blocks_tested_by(REPO / "docs" / "event-transformer.md", NO_SERVER)
    assert blocks_tested_by(REPO / "docs" / "sdk.md", NO_SERVER)


def readme_dag() -> Block:
    (block,) = [b for b in page_blocks(REPO / "README.md") if b.saved_as]
    return block


def test_the_readme_pipeline_is_a_dag_file(tmp_path: Path) -> None:
    from airflow.dag_processing.dagbag import DagBag

    from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor

    block = readme_dag()
    assert block.saved_as == "dags/snowplow_load_runs.py"
    (tmp_path / "snowplow_load_runs.py").write_text(block.text)
    bag = DagBag(dag_folder=str(tmp_path))
    assert not bag.import_errors
    dag = bag.dags["snowplow_load_runs"]
    assert sorted(dag.task_ids) == ["load_run.mark_loaded", "load_run.transform", "wait_for_runs"]
    sensor = dag.get_task("wait_for_runs")
    assert isinstance(sensor, SnowplowPendingRunSensor)
    assert sensor.settle_seconds == 900


def test_the_readme_pipeline_is_the_dag_the_first_hour_runs() -> None:
    (page_dag,) = [b for b in page_blocks(FIRST_HOUR_DOC) if b.saved_as == "dags/snowplow_load_runs.py"]
    assert page_dag.text == readme_dag().text
    assert page_dag.tested_by == (
        "tests/integration/test_first_hour.py",
        "test_the_first_hour_runs_as_written",
    )


# ---- The architecture page names paths that exist -------------------------------------------------


def test_every_path_of_the_architecture_page_exists() -> None:
    text = ARCHITECTURE_DOC.read_text()
    table = text.split("| question | where |", 1)[1].split("\n\n", 1)[0]
    rows = [row for row in table.splitlines() if row.startswith("| ") and not row.startswith("| ---")]
    assert len(rows) == 5, "the five questions"
    for row in rows:
        paths = re.findall(r"`(airflow_provider_snowplow/[\w/.]+)`", row)
        assert paths, f"a row names no path: {row[:80]}"
    named = re.findall(r"`((?:airflow_provider_snowplow|tests|bench|example_dags|docs)/[\w/.]+)`", text)
    missing = [path for path in named if not (REPO / path).exists()]
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"


def doc_table(heading: str) -> list[list[str]]:
    """The rows (cells stripped) of the first table under ``heading`` in docs/cli.md, header left out."""
    after = CLI_DOC.split(f"\n{heading}\n", 1)[1].splitlines()
    start = next(i for i, line in enumerate(after) if line.startswith("|"))
    end = next((i for i in range(start, len(after)) if not after[i].startswith("|")), len(after))
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in after[start + 2 : end]]


def test_the_exit_codes_documented_are_the_code_s() -> None:
    meanings = doc_table("## Exit codes")
    assert [int(code) for code, _ in meanings] == sorted(int(code) for code in ExitCode)
    assert all(meaning for _, meaning in meanings)
    per_command = {
        command.strip("`"): [int(code) for code in codes.split(", ")]
        for command, codes in doc_table("### Exit codes of each command")
    }
    assert per_command == {sub.name: [int(code) for code in sub.all_exit_codes] for sub in SUBCOMMANDS}
