"""``snowplow-manifest``: the manifest CLI without an Airflow deployment (plain argparse)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import NoReturn

from airflow_provider_snowplow import __version__
from airflow_provider_snowplow.cli.definition import add_subcommands
from airflow_provider_snowplow.cli.exit_codes import ExitCode, exit_codes_help


class OneLineParser(argparse.ArgumentParser):
    """argparse, whose usage errors are one line on stderr (exit code 2), like every other error.

    Plain argparse prints the whole usage block first; the line here names the command and
    points at ``--help`` instead. Subcommands' parsers are of this class too.
    """

    def error(self, message: str) -> NoReturn:
        """Print one usage line (not argparse's usage block) and exit with the usage code."""
        self.exit(ExitCode.USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    """The ``snowplow-manifest`` argument parser, rendered from the shared command table."""
    root = OneLineParser(
        prog="snowplow-manifest",
        description="Inspect and edit a Snowplow load manifest (DynamoDB) against an enriched archive (S3).",
        epilog=f"{exit_codes_help()}. `snowplow-manifest COMMAND --help` shows a command's options.",
    )
    root.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_subcommands(root)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), run the command, return its exit code.

    Usage errors, ``--help`` and ``--version`` return their code too (2, 0, 0) instead of exiting.
    """
    try:
        args = parser().parse_args(argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else ExitCode.USAGE
    from airflow_provider_snowplow.cli.commands import run

    return run(args.handler, args, front_end="console")
