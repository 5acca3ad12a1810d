"""``snowplow-manifest``: the manifest CLI without an Airflow deployment (plain argparse)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from airflow_provider_snowplow import __version__
from airflow_provider_snowplow.cli.definition import EXIT_CODES_HELP, add_subcommands


def parser() -> argparse.ArgumentParser:
    """The ``snowplow-manifest`` argument parser, rendered from the shared command table."""
    root = argparse.ArgumentParser(
        prog="snowplow-manifest",
        description="Inspect and edit a Snowplow load manifest (DynamoDB) against an enriched archive (S3).",
        epilog=f"{EXIT_CODES_HELP}. `snowplow-manifest COMMAND --help` shows a command's options.",
    )
    root.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_subcommands(root)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), run the command, return its exit code."""
    args = parser().parse_args(argv)
    from airflow_provider_snowplow.cli.commands import run

    return run(args.handler, args, front_end="console")
