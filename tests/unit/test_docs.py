"""The README and docs/ agree with each other and with the code on what a new user reads first."""

from __future__ import annotations

import re
import tomllib

import pytest

from airflow_provider_snowplow import errors
from airflow_provider_snowplow.cli.definition import ENDPOINT_URL, SUBCOMMANDS, ExitCode
from tests.support import REPO

README = (REPO / "README.md").read_text()
CLI_DOC = (REPO / "docs" / "cli.md").read_text()
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


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


def test_every_error_the_readme_names_exists() -> None:
    section = README.split("## Errors", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`(\w+Error)`", section))
    assert {"AwsCredentialsError", "AwsEndpointError", "InvalidValueError"} <= named
    assert all(issubclass(getattr(errors, name), errors.SnowplowProviderError) for name in named)


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
