"""The manifest CLI's subcommands and options, defined once for both front ends.

:data:`SUBCOMMANDS` is the single table; :func:`add_subcommands` renders it to argparse for the
``snowplow-manifest`` console script, and :func:`get_cli_commands` to Airflow's ``ActionCommand``
objects for ``airflow snowplow`` (registered through ``get_provider_info()["cli"]``). Option keyword
arguments are limited to what Airflow's ``Arg`` accepts, so both renderings mean the same thing.

Importing this module imports neither Airflow nor boto3.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from airflow_provider_snowplow import validation
from airflow_provider_snowplow.archive.layouts import (
    DEFAULT_GRACE_SECONDS,
    DEFAULT_LAYOUT,
    LAYOUT_NAMES,
    SEAL,
    PartitionFormat,
    check_filename_prefix,
)
from airflow_provider_snowplow.archive.layouts.readiness import (
    DEFAULT_MARKER,
    DEFAULT_SETTLE_SECONDS,
    check_marker,
    check_settle_seconds,
)
from airflow_provider_snowplow.archive.urls import parse_archive_url
from airflow_provider_snowplow.cli.exit_codes import COMMON_EXIT_CODES, ExitCode, exit_codes_help
from airflow_provider_snowplow.errors import SnowplowProviderError
from airflow_provider_snowplow.manifest.table import validate_table_name
from airflow_provider_snowplow.validation import parse_utc_time, validate_endpoint_url, validate_region

T = TypeVar("T")


def argument_type(check: Callable[[str], T], keep: bool = False) -> Callable[[str], T]:
    """``check`` as an argparse ``type``: its one-line error becomes a usage error (exit code 2).

    The same checks run at every door (see :mod:`airflow_provider_snowplow.validation`); with
    ``keep`` the option keeps the text as typed (an archive URL), else what ``check`` returns.
    """

    def parse(value: str) -> T:
        try:
            checked = check(value)
        except (ValueError, SnowplowProviderError) as invalid:
            raise argparse.ArgumentTypeError(str(invalid)) from None
        return value if keep else checked  # type: ignore[return-value]

    parse.__name__ = check.__name__
    return parse


def _marker(value: str) -> str:
    """A ``--marker``: an object name relative to the run folder, or ``""`` for none."""
    return check_marker(value) or ""


def _partition_format(value: str) -> str:
    """A ``--partition-format``: S3 Loader's ``partitionFormat`` with time tokens in order."""
    return PartitionFormat.parse(value).text


# Run ids have no type here: their shape depends on --layout, and the commands check them by it.
cut_off = argument_type(parse_utc_time)
positive_int = argument_type(validation.positive_int)
archive_url = argument_type(parse_archive_url, keep=True)
table_name = argument_type(validate_table_name)
region = argument_type(validate_region)
endpoint_url = argument_type(validate_endpoint_url)
marker = argument_type(_marker)
seconds = argument_type(check_settle_seconds)
partition_format = argument_type(_partition_format)
filename_prefix = argument_type(check_filename_prefix)


@dataclass(frozen=True)
class Option:
    """One argument: ``flags`` and ``help`` plus argparse keywords.

    Only keywords that Airflow's ``Arg`` accepts too (``action``, ``default``, ``nargs``, ``type``,
    ``choices``, ``metavar``, ``dest``), so both renderings mean the same. ``task_argument`` names
    the operators' and sensor's argument the option stands for (their ``READINESS`` table), so a
    test can hold the two sets of layout options to each other.
    """

    flags: tuple[str, ...]
    help: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    task_argument: str | None = None


def option(*flags: str, help: str, task_argument: str | None = None, **kwargs: Any) -> Option:
    """An :class:`Option` written as argparse's ``add_argument(*flags, help=..., **kwargs)`` is."""
    return Option(flags, help, kwargs, task_argument)


@dataclass(frozen=True)
class Subcommand:
    """One subcommand: its name, one-line help, options, a longer description, and its exit codes.

    ``exit_codes`` are the codes of its own, besides :data:`COMMON_EXIT_CODES`; ``--help`` and
    docs/cli.md list them all.
    """

    name: str
    help: str
    options: tuple[Option, ...]
    description: str = ""
    exit_codes: tuple[ExitCode, ...] = ()

    @property
    def all_exit_codes(self) -> tuple[ExitCode, ...]:
        """Every code the command may exit with, in order."""
        return tuple(sorted({*COMMON_EXIT_CODES, *self.exit_codes}))

    @property
    def handler(self) -> str:
        """The function of :mod:`airflow_provider_snowplow.cli.commands` that runs it."""
        return self.name.replace("-", "_")


TABLE = option(
    "-t",
    "--table",
    metavar="NAME",
    type=table_name,
    help="manifest table name (default: $SNOWPLOW_MANIFEST_TABLE)",
)
CONN_ID = option(
    "--conn-id",
    metavar="CONN_ID",
    help="Airflow AWS connection to use (needs Airflow installed and configured). Without it, "
    "`snowplow-manifest` uses boto3's own credentials (environment, --profile, instance role), and "
    "`airflow snowplow` uses aws_default unless --endpoint-url or --profile is given",
)
REGION = option(
    "--region",
    metavar="REGION",
    type=region,
    help="AWS region (overrides the connection's or profile's; us-east-1 for a local --endpoint-url)",
)
ENDPOINT_URL = option(
    "--endpoint-url",
    metavar="URL",
    type=endpoint_url,
    help="AWS endpoint for S3 and DynamoDB, e.g. http://localhost:4566 (not with --conn-id). Region and "
    "credentials are still needed; for an endpoint on localhost or 127.0.0.1 without them, "
    "us-east-1 and placeholder credentials are used",
)
PROFILE = option("--profile", metavar="NAME", help="AWS shared-config profile (not with --conn-id)")
CONNECTION = (TABLE, CONN_ID, REGION, ENDPOINT_URL, PROFILE)

ARCHIVE_URL = option(
    "archive_url",
    metavar="ARCHIVE_URL",
    type=archive_url,
    help="the enriched archive, e.g. s3://acme-snowplow/enriched/archive/",
)
RUN_IDS = option(
    "run_ids",
    nargs="+",
    metavar="RUN",
    help="run ids, relative to the bucket, e.g. enriched/archive/run=2017-04-07-10-00-00/",
)
JSON = option("--json", action="store_true", help="print JSON (keys documented in docs/cli.md)")
READINESS = (
    option(
        "--marker",
        metavar="NAME",
        type=marker,
        task_argument="ready_marker",
        help="folder layouts: object a run folder must hold to count as complete, relative to it ('' for "
        f"none; default: the layout's own, {DEFAULT_MARKER} for enriched-archive, {SEAL} for "
        "transformer-output)",
    ),
    option(
        "--settle",
        metavar="SECONDS",
        type=seconds,
        dest="settle",
        task_argument="settle_seconds",
        help="folder layouts: seconds a run's newest object must be old for the run to count as complete "
        f"(default: the layout's own, {DEFAULT_SETTLE_SECONDS:.0f} for enriched-archive, 0 for "
        "transformer-output)",
    ),
)
LAYOUT = (
    option(
        "--layout",
        choices=list(LAYOUT_NAMES),
        default=DEFAULT_LAYOUT,
        task_argument="layout",
        help="how the archive's runs are laid out (default enriched-archive; see the README's table of layouts)",
    ),
    option(
        "--partition-format",
        metavar="FORMAT",
        type=partition_format,
        task_argument="partition_format",
        help="s3-loader: the loader's partitionFormat, e.g. 'date={yyyy}-{MM}-{dd}/hour={HH}' (default: flat, hourly)",
    ),
    option(
        "--grace",
        metavar="SECONDS",
        type=seconds,
        task_argument="grace_seconds",
        help=f"s3-loader: seconds after a window ends before its run is ready (default {DEFAULT_GRACE_SECONDS:.0f})",
    ),
    option(
        "--filename-prefix",
        metavar="PREFIX",
        type=filename_prefix,
        task_argument="filename_prefix",
        help="s3-loader, flat output: the loader's filenamePrefix, e.g. 'pre-' (default: none)",
    ),
)
YES = option("-y", "--yes", action="store_true", help="do not ask for confirmation")
BY = option(
    "--by", metavar="WHO", help="who is writing, stored in the record's LoadedBy (default: cli/<user>)"
)
IN_ARCHIVE = option(
    "--archive-url",
    metavar="ARCHIVE_URL",
    type=archive_url,
    help="the archive the runs must be in: each must be a run of it in the layout, with objects stored, "
    "or nothing is written (exit code 2). Required unless --no-archive-check",
)
NO_ARCHIVE_CHECK = option(
    "--no-archive-check",
    action="store_true",
    help="write the runs without checking that any archive holds them (their shape is still checked): "
    "a misspelt run id is then recorded as it is. For runs whose objects are gone",
)

SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "create-table",
        "create the manifest table if missing and wait until it is ACTIVE",
        (
            *CONNECTION,
            option(
                "--billing-mode",
                choices=["PAY_PER_REQUEST", "PROVISIONED"],
                default="PAY_PER_REQUEST",
                help="billing mode of a new table (an existing table is left as it is)",
            ),
        ),
    ),
    Subcommand(
        "status",
        "counts of an archive's runs: loaded, skipped, pending, not ready, claimed (owner, lease expiry), "
        "archived",
        (ARCHIVE_URL, *CONNECTION, *READINESS, *LAYOUT, JSON),
        "A marker that no run holds while runs hold an object of a similar name is a usage error "
        "naming that object.",
    ),
    Subcommand(
        "pending",
        "the runs still to load, oldest first, one a line (runs not complete yet are listed on stderr)",
        (
            ARCHIVE_URL,
            *CONNECTION,
            *READINESS,
            *LAYOUT,
            JSON,
            option("--max", metavar="N", type=positive_int, dest="max_runs", help="list at most N runs"),
            option(
                "--exit-code",
                action="store_true",
                help="exit with 1 when no run is pending (like grep), for `if snowplow-manifest pending ...`",
            ),
        ),
        exit_codes=(ExitCode.NOT_DONE,),
    ),
    Subcommand(
        "verify",
        "compare each loaded run's record with its folder now: runs that gained, lost or changed part "
        "files after loading",
        (
            ARCHIVE_URL,
            *CONNECTION,
            *LAYOUT,
            JSON,
            option(
                "--since",
                metavar="DATE",
                type=cut_off,
                help="only runs whose folder time is at or after DATE (UTC): YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS "
                "or 2017-04-07-10-00-00",
            ),
        ),
        "Records written by Snowplow's SDKs (or without a fingerprint) are reported as unknown. Exit "
        "code 5 when a run changed: reload it deliberately with `unmark`; nothing is re-queued by itself. "
        "An archive URL without any run of the layout is an error (exit code 2), never '0 checked'.",
        exit_codes=(ExitCode.DRIFT,),
    ),
    Subcommand(
        "mark-loaded",
        "record runs as loaded, so that no pipeline loads them (again)",
        (RUN_IDS, *CONNECTION, *LAYOUT, BY, IN_ARCHIVE, NO_ARCHIVE_CHECK),
        "Every run is checked to be a run of --archive-url, with objects stored, before anything is "
        "written. A run already recorded as loaded is left as it is (exit code 6); a run recorded as "
        "skipped too, with exit code 1: unmark it first.",
        exit_codes=(ExitCode.NOT_DONE, ExitCode.UNCHANGED),
    ),
    Subcommand(
        "unmark",
        "delete runs' records so that they are loaded again (reprocessing)",
        (RUN_IDS, *CONNECTION, *LAYOUT, YES),
        "Shows each run's record, then asks for confirmation unless --yes is given. A run without a "
        "record is named, and the exit code is 6.",
        exit_codes=(ExitCode.ABORTED, ExitCode.UNCHANGED),
    ),
    Subcommand(
        "skip",
        "record runs as skipped: never to be loaded, and not pending for Snowplow's SDKs either",
        (
            option("run_ids", nargs="*", metavar="RUN", help="run ids to skip (or use --before)"),
            *CONNECTION,
            *LAYOUT,
            BY,
            YES,
            option(
                "--before",
                metavar="DATE",
                type=cut_off,
                help="skip every unrecorded run of --archive-url whose folder time is before DATE (UTC): "
                "YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS or 2017-04-07-10-00-00; asks for confirmation",
            ),
            option(
                "--archive-url",
                metavar="ARCHIVE_URL",
                type=archive_url,
                help="the archive for --before; with named runs, the archive they must be in (as for "
                "mark-loaded; required unless --no-archive-check)",
            ),
            NO_ARCHIVE_CHECK,
        ),
        "Backfill cut-off, as Snowplow's loaders did with ToSkip. Runs that already have a record, and "
        "runs with a live claim, are left alone (exit code 1 when named explicitly; 6 for runs already "
        "skipped, or when --before finds nothing to skip).",
        exit_codes=(ExitCode.NOT_DONE, ExitCode.ABORTED, ExitCode.UNCHANGED),
    ),
    Subcommand(
        "release",
        "drop the claim on a run, e.g. left by a worker that died (it expires on its own too)",
        (
            option("run_id", metavar="RUN", help="the claimed run"),
            *CONNECTION,
            *LAYOUT,
            YES,
        ),
        "An expired claim is dropped at once; for a live one (someone may be loading the run now) "
        "you are asked to confirm unless --yes is given. A run without a claim: exit code 6.",
        exit_codes=(ExitCode.NOT_DONE, ExitCode.ABORTED, ExitCode.UNCHANGED),
    ),
)


def add_subcommands(parser: argparse.ArgumentParser) -> None:
    """Render :data:`SUBCOMMANDS` into ``parser`` (argparse); the handler name goes to ``handler``."""
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for sub in SUBCOMMANDS:
        sub_parser = subparsers.add_parser(
            sub.name, help=sub.help, description=_description(sub), epilog=exit_codes_help(sub.all_exit_codes)
        )
        for option in sub.options:
            sub_parser.add_argument(*option.flags, help=option.help, **option.kwargs)
        sub_parser.set_defaults(handler=sub.handler)


def get_cli_commands() -> list[Any]:
    """Airflow's provider CLI hook: ``airflow snowplow <subcommand>``."""
    from airflow.cli.cli_config import ActionCommand, Arg, GroupCommand

    return [
        GroupCommand(
            name="snowplow",
            help="Snowplow load manifest: status, pending runs, verify, mark, unmark, skip, release claims",
            description=f"Snowplow load manifest commands. {exit_codes_help()}.",
            subcommands=[
                ActionCommand(
                    name=sub.name,
                    help=sub.help,
                    description=_description(sub),
                    epilog=exit_codes_help(sub.all_exit_codes),
                    args=tuple(
                        Arg(option.flags, help=option.help, **option.kwargs) for option in sub.options
                    ),
                    func=airflow_func(sub.handler),
                )
                for sub in SUBCOMMANDS
            ],
        )
    ]


def airflow_func(handler: str) -> Callable[[argparse.Namespace], None]:
    """The ``func`` Airflow calls with the parsed namespace; exits with the command's code."""

    def command(args: argparse.Namespace) -> None:
        from airflow_provider_snowplow.cli.commands import run

        code = run(handler, args, front_end="airflow")
        if code:
            sys.exit(code)

    command.__name__ = handler
    return command


def _description(sub: Subcommand) -> str:
    return f"{sub.help[:1].upper()}{sub.help[1:]}. {sub.description}".strip()
