"""SnowplowManifestHook: an Airflow AWS connection in front of the load-manifest core.

All AWS work happens in the core (:mod:`airflow_provider_snowplow.load_manifests` and the plans it
runs); this hook only turns a connection (credentials, role assumption, ``endpoint_url`` and per-service
``service_config`` from its extras) into boto3 and aiobotocore clients, sets a bounded retry
policy, and lends its clients to the Airflow layer: operators and sensors never call boto3.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Callable
from functools import cached_property
from typing import Any, Concatenate, ParamSpec, TypeVar

from airflow.exceptions import AirflowProviderDeprecationWarning
from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
from asgiref.sync import sync_to_async
from botocore.config import Config

from airflow_provider_snowplow.archive.layouts import EnrichedArchive, Layout
from airflow_provider_snowplow.archive.layouts.readiness import ReadinessRule
from airflow_provider_snowplow.archive.urls import parse_archive_url, parse_output_url
from airflow_provider_snowplow.aws.plans import AwsCall, call_once
from airflow_provider_snowplow.aws.runners import run_async, run_sync
from airflow_provider_snowplow.errors import InvalidValueError
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.manifest.discovery import ArchiveSurvey, RunDiscovery, find_pending_runs
from airflow_provider_snowplow.processing.clients import S3ClientSpec
from airflow_provider_snowplow.processing.run import output_folder, read_summary
from airflow_provider_snowplow.validation import validate_endpoint_url, validate_region

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _on_manifest(
    operation: Callable[Concatenate[LoadManifest, _P], _R],
) -> Callable[Concatenate[SnowplowManifestHook, _P], _R]:
    """The hook method for a :class:`LoadManifest` operation: the same call on :attr:`~SnowplowManifestHook.manifest`.

    The hook adds only its connection's clients to these operations; a method written out for
    each would copy the core's signature and docstring, and drift from them.
    """

    @functools.wraps(operation)
    def on_manifest(hook: SnowplowManifestHook, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        return operation(hook.manifest, *args, **kwargs)

    return on_manifest


# botocore's standard mode retries throttling, 5xx and connection errors with jittered backoff.
DEFAULT_RETRIES = {"mode": "standard", "max_attempts": 8}


class SnowplowManifestHook(AwsBaseHook):
    """Read and write a Snowplow load manifest (DynamoDB) and list runs of an archive (S3).

    Compatible with tables written by Snowplow's Python and Scala SDKs (hash key ``RunId``).

    Args:
        table_name: the manifest table.
        aws_conn_id: the Airflow AWS connection; ``endpoint_url`` and ``service_config`` extras
            are honoured per service (``s3``, ``dynamodb``).
        region_name: overrides the connection's region.
        verify: TLS verification, as for ``AwsBaseHook``.
        config: a botocore ``Config``; when neither it nor the connection sets ``retries``,
            ``{"mode": "standard", "max_attempts": 8}`` is used.
        readiness: when a run of the archive counts as complete (marker, quiet period); the safe
            defaults of :class:`~airflow_provider_snowplow.archive.layouts.readiness.ReadinessRule` if None.
        layout: how the archive's runs are laid out and when one is ready
            (:func:`~airflow_provider_snowplow.archive.layouts.make_layout`); the enriched archive
            with ``readiness`` if None.
    """

    hook_name = "Snowplow load manifest"

    def __init__(
        self,
        table_name: str,
        aws_conn_id: str | None = AwsBaseHook.default_conn_name,
        region_name: str | None = None,
        verify: bool | str | None = None,
        config: Config | dict[str, Any] | None = None,
        readiness: ReadinessRule | None = None,
        layout: Layout | None = None,
    ) -> None:
        super().__init__(
            aws_conn_id=aws_conn_id,
            region_name=region_name,
            verify=verify,
            config=config,
            client_type="dynamodb",
        )
        self.table_name = table_name
        self.readiness = readiness or ReadinessRule()
        self.layout = layout or EnrichedArchive(self.readiness)

    @property
    def config(self) -> Config:
        """The connection's botocore config, with bounded standard-mode retries unless it sets its own."""
        config = super().config
        if getattr(config, "retries", None) is None:
            config = config.merge(Config(retries=DEFAULT_RETRIES))  # type: ignore[arg-type]
        return config

    @cached_property
    def s3_hook(self) -> AwsBaseHook:
        """A sibling hook on the same connection for the archive bucket."""
        return AwsBaseHook(
            aws_conn_id=self.aws_conn_id,
            region_name=self._region_name,
            verify=self._verify,
            config=self.config,
            client_type="s3",
        )

    @cached_property
    def _s3_session(self) -> Any:
        """The boto3 session behind the archive's client (role assumption renews its credentials)."""
        return self.s3_hook.get_session(region_name=self.s3_hook.region_name)

    def s3_client_spec(self) -> S3ClientSpec:
        """The archive's S3 client as a worker process rebuilds it (per-run processing's workers).

        This connection's region, S3 endpoint, botocore config and TLS verification, with its
        credentials frozen now (temporary ones are renewed first when close to expiry). It goes
        only to worker processes, never to a log or XCom: its ``repr`` leaves the credentials out.
        """
        client: Any = self.s3_hook.conn
        return S3ClientSpec.from_session(
            self._s3_session,
            endpoint_url=self.s3_hook.conn_config.get_service_endpoint_url("s3"),
            config=client.meta.config,
            verify=self.s3_hook.verify,
        )

    @cached_property
    def manifest(self) -> LoadManifest:
        """The core object, with this connection's boto3 clients.

        Raises:
            InvalidValueError: the connection's endpoint URL or region cannot work.
        """
        self.check_connection()
        return LoadManifest(
            self.s3_hook.conn, self.conn, self.table_name, readiness=self.readiness, layout=self.layout
        )

    def check_connection(self) -> None:
        """Check the connection's endpoint URLs and region with the same checks as every door.

        Without it, an endpoint without ``http://`` fails in botocore with ``Invalid endpoint``
        deep in a traceback, and a region with a space in it only when the first call is signed.

        Raises:
            InvalidValueError: naming the connection, the value and what to write instead.
        """
        config = self.conn_config
        try:
            for service in ("s3", "dynamodb"):
                if (url := config.get_service_endpoint_url(service_name=service)) is not None:
                    validate_endpoint_url(url)
            if config.region_name is not None:
                validate_region(config.region_name)
        except InvalidValueError as invalid:
            raise InvalidValueError(f"Airflow connection {self.aws_conn_id!r}: {invalid}") from None

    # The manifest operations, as the core defines them (signature and docstring): the hook only
    # lends them its connection's clients (see _on_manifest).
    create_manifest_table = _on_manifest(LoadManifest.create_table)
    list_run_ids = _on_manifest(LoadManifest.list_run_ids)
    find_pending_runs = _on_manifest(LoadManifest.find_pending_runs)
    is_recorded = _on_manifest(LoadManifest.is_recorded)
    is_loaded = _on_manifest(LoadManifest.is_loaded)
    get_record = _on_manifest(LoadManifest.get_record)
    mark_loaded = _on_manifest(LoadManifest.mark_loaded)
    read_run = _on_manifest(LoadManifest.read_run)
    confirm_ready = _on_manifest(LoadManifest.confirm_ready)
    read_seal = _on_manifest(LoadManifest.read_seal)
    verify_loaded_runs = _on_manifest(LoadManifest.verify_loaded_runs)
    claim_run = _on_manifest(LoadManifest.claim_run)
    renew_claim = _on_manifest(LoadManifest.renew_claim)
    release_claim = _on_manifest(LoadManifest.release_claim)

    async def find_pending_runs_async(
        self, archive_url: str, max_runs: int | None, now: float
    ) -> RunDiscovery:
        """:meth:`find_pending_runs` with aiobotocore clients, for triggers."""
        survey = ArchiveSurvey(parse_archive_url(archive_url), self.table_name, self.layout)
        plan = find_pending_runs(survey, now, max_runs)
        await sync_to_async(self.check_connection)()  # reads the connection: not in the event loop
        async with contextlib.AsyncExitStack() as stack:
            clients = {
                "dynamodb": await stack.enter_async_context(await self.get_async_conn()),  # type: ignore[no-untyped-call]
                "s3": await stack.enter_async_context(await self.s3_hook.get_async_conn()),
            }
            return await run_async(plan, clients)

    def get_pending_run_ids(self, archive_url: str, max_runs: int | None = None) -> list[str]:
        """Deprecated: ``find_pending_runs(archive_url, max_runs).pending``."""
        _renamed("get_pending_run_ids", "find_pending_runs(...).pending")
        return self.find_pending_runs(archive_url, max_runs).pending

    def read_object(self, archive_url: str, key: str) -> bytes:
        """One object of the archive's bucket, whole: a part file a load task reads (``RunObject.key``)."""
        bucket = parse_archive_url(archive_url).bucket
        call = AwsCall(
            "s3", "get_object", {"Bucket": bucket, "Key": key}, f"object {key!r} in bucket {bucket!r}"
        )
        return bytes(run_sync(call_once(call), {"s3": self.s3_hook.conn})["Body"].read())

    def read_run_summary(self, output_url: str, run_id: str) -> dict[str, Any] | None:
        """The run's ``_SUCCESS.json`` under ``output_url``, or None while its output is not complete."""
        output = parse_output_url(output_url)
        return read_summary({"s3": self.s3_hook.conn}, output.bucket, output_folder(output, run_id))

    @property
    def s3_endpoint_url(self) -> str | None:
        """The S3 endpoint the connection sets (``endpoint_url`` or ``service_config.s3``), else None."""
        return self.s3_hook.conn_config.get_service_endpoint_url("s3")

    def release_run(self, run_id: str, token: str | None = None, owner: str | None = None) -> bool:
        """Deprecated: :meth:`release_claim`."""
        _renamed("release_run", "release_claim")
        return self.release_claim(run_id, token, owner)


def _renamed(old: str, new: str) -> None:
    warnings.warn(
        f"SnowplowManifestHook.{old} is deprecated; use {new}",
        AirflowProviderDeprecationWarning,
        stacklevel=3,
    )
