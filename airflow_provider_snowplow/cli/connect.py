"""From the CLI's connection options to a :class:`~airflow_provider_snowplow.load_manifests.LoadManifest`.

Two ways, chosen by ``--conn-id``: an Airflow connection through ``SnowplowManifestHook`` (the
only path that imports Airflow), or boto3 directly with ``--region``, ``--endpoint-url`` and
``--profile``, for hosts without an Airflow deployment.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from typing import Any, Literal
from urllib.parse import urlsplit

from airflow_provider_snowplow.archive.layouts import (
    DEFAULT_GRACE_SECONDS,
    DEFAULT_LAYOUT,
    Layout,
    make_layout,
)
from airflow_provider_snowplow.archive.layouts.readiness import ReadinessRule
from airflow_provider_snowplow.aws.local_endpoint import LOCAL_CREDENTIALS
from airflow_provider_snowplow.errors import InvalidValueError, ManifestTableError, SnowplowProviderError
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.manifest.table import validate_table_name

FrontEnd = Literal["console", "airflow"]
TABLE_ENVIRONMENT_VARIABLE = "SNOWPLOW_MANIFEST_TABLE"
AIRFLOW_DEFAULT_CONN_ID = "aws_default"
# An operator waits at a terminal: fail within seconds on a wrong endpoint, still ride out throttling.
BOTO3_CONFIG: dict[str, Any] = {
    "retries": {"mode": "standard", "max_attempts": 4},
    "connect_timeout": 10,
    "read_timeout": 60,
}


class UsageError(Exception):
    """Arguments that do not fit together; the message says which."""


class ConnectionSetupError(Exception):
    """The AWS clients or the Airflow connection could not be set up."""


def table_name(args: argparse.Namespace) -> str:
    """The manifest table: ``--table``, else ``$SNOWPLOW_MANIFEST_TABLE``; a usage error if neither."""
    name: str | None = args.table or os.environ.get(TABLE_ENVIRONMENT_VARIABLE)
    if not name:
        raise UsageError(f"no manifest table: pass --table NAME or set ${TABLE_ENVIRONMENT_VARIABLE}")
    try:
        return validate_table_name(name)
    except ManifestTableError as invalid:
        raise UsageError(str(invalid)) from None


def conn_id(args: argparse.Namespace, front_end: FrontEnd) -> str | None:
    """The Airflow connection to use, or None for plain boto3."""
    direct = args.endpoint_url or args.profile
    if args.conn_id and direct:
        raise UsageError(
            "--endpoint-url and --profile configure boto3 directly; with --conn-id the connection sets "
            "them (its endpoint_url extra): pass one or the other"
        )
    if args.conn_id:
        return str(args.conn_id)
    return AIRFLOW_DEFAULT_CONN_ID if front_end == "airflow" and not direct else None


# Options that only one family of layouts reads: (flag, argparse dest). Given for a layout that
# ignores them, they would be silently dropped, and a run might then wait for ever.
_FOLDER_OPTIONS = (("--marker", "marker"), ("--settle", "settle"))
_WINDOW_OPTIONS = (
    ("--partition-format", "partition_format"),
    ("--grace", "grace"),
    ("--filename-prefix", "filename_prefix"),
)


def layout(args: argparse.Namespace) -> Layout:
    """The run layout of the layout options (``--layout``, ``--marker``, ``--filename-prefix``...).

    An option left out takes the layout's own default (the transformer's seal and no quiet period,
    the enriched archive's ``_SUCCESS`` and 900 s), so ``--settle 0`` alone never swaps a layout's
    marker for another's.

    Raises:
        UsageError: an option the layout does not read (``--marker`` with ``s3-loader``...).
        LayoutError: options that cannot work.
    """
    name = getattr(args, "layout", DEFAULT_LAYOUT)
    own = make_layout(name)
    folder = own.readiness.settle_seconds is not None  # judged by a marker and a quiet period
    given = [flag for flag, dest in (_WINDOW_OPTIONS if folder else _FOLDER_OPTIONS) if _given(args, dest)]
    if given:
        reads = (
            "the s3-loader layout only" if folder else "folder layouts only (a run is ready by its window)"
        )
        verb = "apply" if len(given) > 1 else "applies"
        raise UsageError(f"{' and '.join(given)} {verb} to {reads}, not to {name}: leave it out")
    rule = None
    if own.readiness.settle_seconds is not None:
        marker = args.marker or None if _given(args, "marker") else own.readiness.marker
        settle = float(args.settle) if _given(args, "settle") else own.readiness.settle_seconds
        rule = ReadinessRule(marker, settle)
    return make_layout(
        name,
        rule,
        getattr(args, "partition_format", None),
        _or(getattr(args, "grace", None), DEFAULT_GRACE_SECONDS),
        _or(getattr(args, "filename_prefix", None), ""),
    )


def _given(args: argparse.Namespace, dest: str) -> bool:
    return getattr(args, dest, None) is not None


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def open_manifest(args: argparse.Namespace, front_end: FrontEnd) -> LoadManifest:
    """The manifest the options point at.

    Raises:
        UsageError: conflicting options or no table name.
        ConnectionSetupError: no region, unknown profile, missing Airflow connection...
    """
    table = table_name(args)
    connection = conn_id(args, front_end)
    run_layout = layout(args)
    if connection is not None:
        return _through_airflow(table, connection, args.region, run_layout, must_exist=bool(args.conn_id))
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError

    try:
        session = boto3.Session(profile_name=args.profile, region_name=args.region)
        config = Config(**BOTO3_CONFIG)
        options = _local_endpoint_defaults(session, args.endpoint_url)
        s3, dynamodb = (
            session.client(service, endpoint_url=args.endpoint_url, config=config, **options)
            for service in ("s3", "dynamodb")
        )
    except BotoCoreError as exc:
        hint = " (pass --region or set AWS_DEFAULT_REGION)" if type(exc).__name__ == "NoRegionError" else ""
        raise ConnectionSetupError(f"cannot set up AWS clients: {exc}{hint}") from None
    return LoadManifest(s3, dynamodb, table, layout=run_layout)


def is_local_endpoint(endpoint_url: str | None) -> bool:
    """Whether ``endpoint_url`` is on this machine (moto, LocalStack, DynamoDB Local), not AWS."""
    if endpoint_url is None:
        return False
    host = urlsplit(endpoint_url).hostname or ""
    return host in {"localhost", "::1"} or host.startswith("127.")


def _local_endpoint_defaults(session: Any, endpoint_url: str | None) -> dict[str, Any]:
    """For a local endpoint only: a region and credentials when none are configured.

    A local endpoint accepts any, and asking a person who only wants to look at a moto server for
    AWS settings makes the first minutes harder than they need to be. Against AWS, nothing is
    made up: a missing region or credential is an error that says how to provide it.
    """
    if not is_local_endpoint(endpoint_url):
        return {}
    options: dict[str, Any] = {}
    if session.region_name is None:
        options["region_name"] = LOCAL_CREDENTIALS["AWS_DEFAULT_REGION"]
    if session.get_credentials() is None:
        options["aws_access_key_id"] = LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"]
        options["aws_secret_access_key"] = LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]
    return options


def _through_airflow(
    table: str, connection: str, region: str | None, run_layout: Layout, must_exist: bool
) -> LoadManifest:
    """The hook's clients, for a connection that must exist when named with ``--conn-id``.

    Otherwise the Amazon provider would fall back to boto3's default credentials, silently
    reaching another account.
    """
    try:
        from airflow_provider_snowplow.hooks.manifest import SnowplowManifestHook
    except ImportError as exc:
        raise ConnectionSetupError(
            f"--conn-id needs Airflow and its Amazon provider ({exc}); without Airflow, use --region, "
            "--endpoint-url and --profile"
        ) from None
    _airflow_logs_to_stderr()
    # Airflow's structlog loggers bind to sys.stdout when first used, as the connection's are here.
    with contextlib.redirect_stdout(sys.stderr):
        hook = SnowplowManifestHook(
            table_name=table, aws_conn_id=connection, region_name=region, layout=run_layout
        )
        try:
            if must_exist:
                hook.get_connection(connection)
            return hook.manifest
        except InvalidValueError as unusable:  # the connection's endpoint or region: exit code 3
            raise ConnectionSetupError(str(unusable)) from None
        except SnowplowProviderError:
            raise  # ours already says what is wrong; it is not about the connection
        except Exception as exc:
            if not type(exc).__module__.startswith(("airflow.", "botocore", "boto3")):
                raise
            raise ConnectionSetupError(f"Airflow connection {connection!r}: {exc}") from None


def _airflow_logs_to_stderr() -> None:
    """Airflow's console log handler writes to stdout, where this CLI prints data (run ids, JSON).

    What Airflow's own CLI does for ``-o json`` (``airflow.cli.utils``, not in every Airflow 3).
    """
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stdout:
            handler.setStream(sys.stderr)
