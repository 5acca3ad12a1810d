"""SnowplowManifestHook: an Airflow AWS connection in front of the load-manifest core.

All AWS work happens in the core (:mod:`airflow_provider_snowplow.load_manifests` and the plans it
runs); this hook only turns a connection (credentials, role assumption, ``endpoint_url`` and per-service
``service_config`` from its extras) into boto3 and aiobotocore clients, sets a bounded retry
policy, and lends its clients to the Airflow layer: operators and sensors never call boto3.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Sequence
from datetime import datetime
from functools import cached_property
from typing import Any

from airflow.exceptions import AirflowProviderDeprecationWarning
from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
from asgiref.sync import sync_to_async
from botocore.config import Config

from airflow_provider_snowplow.archive.contents import Fingerprint, PartSignature, RunContents
from airflow_provider_snowplow.archive.layouts import EnrichedArchive, Layout
from airflow_provider_snowplow.archive.readiness import ReadinessRule
from airflow_provider_snowplow.archive.urls import parse_archive_url, parse_output_url
from airflow_provider_snowplow.aws.plans import AwsCall, call_once
from airflow_provider_snowplow.aws.runners import run_async, run_sync
from airflow_provider_snowplow.errors import InvalidValueError
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.manifest.claims import DEFAULT_LEASE_SECONDS, ClaimOutcome
from airflow_provider_snowplow.manifest.discovery import RunDiscovery, find_pending_runs
from airflow_provider_snowplow.manifest.items import Claim, RunRecord
from airflow_provider_snowplow.manifest.reads import ManifestRead
from airflow_provider_snowplow.manifest.table import BillingMode
from airflow_provider_snowplow.manifest.verify import Verification
from airflow_provider_snowplow.processing.clients import S3ClientSpec
from airflow_provider_snowplow.processing.run import output_folder, read_summary
from airflow_provider_snowplow.validation import validate_endpoint_url, validate_region

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
            defaults of :class:`~airflow_provider_snowplow.archive.readiness.ReadinessRule` if None.
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

    def create_manifest_table(self, billing_mode: BillingMode = "PAY_PER_REQUEST") -> dict[str, Any]:
        """Create the table if it is missing and wait until it is ACTIVE (idempotent)."""
        return self.manifest.create_table(billing_mode)

    def list_run_ids(self, archive_url: str) -> list[str]:
        """Every run folder of the archive, oldest first."""
        return self.manifest.list_run_ids(archive_url)

    def find_pending_runs(
        self, archive_url: str, max_runs: int | None = None, how: ManifestRead = "auto"
    ) -> RunDiscovery:
        """Pending, not-ready, claimed, archived and loaded runs of the archive (pending ones oldest first)."""
        return self.manifest.find_pending_runs(archive_url, max_runs, how)

    async def find_pending_runs_async(
        self, archive_url: str, max_runs: int | None, now: float
    ) -> RunDiscovery:
        """:meth:`find_pending_runs` with aiobotocore clients, for triggers."""
        archive = parse_archive_url(archive_url)
        plan = find_pending_runs(
            archive, self.table_name, now, max_runs, readiness=self.readiness, layout=self.layout
        )
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

    def is_recorded(self, run_id: str) -> bool:
        """True if the run has a record, loaded or skipped, exactly as the SDKs' ``is_in_manifest``."""
        return self.manifest.is_recorded(run_id)

    def is_loaded(self, run_id: str) -> bool:
        """True if the run was loaded (a skipped run is recorded, not loaded)."""
        return self.manifest.is_loaded(run_id)

    def get_record(self, run_id: str) -> RunRecord | None:
        """The run's record, or None when it has none."""
        return self.manifest.get_record(run_id)

    def mark_loaded(
        self,
        run_id: str,
        loaded_by: str | None = None,
        claim_owner: str | None = None,
        fingerprint: Fingerprint | None = None,
    ) -> bool:
        """Record the run as loaded once (with what was loaded); False (and no write) if it already was."""
        return self.manifest.mark_loaded(run_id, loaded_by, claim_owner, fingerprint)

    def read_run(self, archive_url: str, run_id: str) -> RunContents:
        """The run folder's objects now, in one listing: what a task is about to process."""
        return self.manifest.read_run(archive_url, run_id)

    def confirm_ready(
        self, archive_url: str, run_id: str, since: Sequence[PartSignature] | None = None
    ) -> RunContents:
        """List the run: complete by :attr:`readiness`, and its part files still ``since``? Else raise.

        For your own task inside ``claimed_run``: read the run with :meth:`read_run`, process its
        ``parts``, then call this with its ``signatures`` before publishing anything.

        Raises:
            RunChangedError: the run is not complete, or changed; the message says how.
        """
        return self.manifest.confirm_ready(archive_url, run_id, since)

    def read_seal(self, archive_url: str, run_id: str) -> dict[str, Any]:
        """The ``data`` of a transformer run's ``shredding_complete.json``: types, count, timestamps.

        Raises:
            RunInputError: the run has no seal, or it is not a ``shredding_complete`` message.
        """
        return self.manifest.read_seal(archive_url, run_id)

    def read_object(self, archive_url: str, key: str) -> bytes:
        """One object of the archive's bucket, whole: a part file a load task reads (``RunObject.key``)."""
        bucket = parse_archive_url(archive_url).bucket
        call = AwsCall(
            "s3", "get_object", {"Bucket": bucket, "Key": key}, f"object {key!r} in bucket {bucket!r}"
        )
        return bytes(run_sync(call_once(call), {"s3": self.s3_hook.conn})["Body"].read())

    def verify_loaded_runs(self, archive_url: str, since: datetime | None = None) -> Verification:
        """Which loaded runs of the archive changed after loading (their records against S3 now)."""
        return self.manifest.verify_loaded_runs(archive_url, since)

    def claim_run(
        self, run_id: str, owner: str, lease_seconds: float = DEFAULT_LEASE_SECONDS
    ) -> ClaimOutcome:
        """Claim the run for processing; see :mod:`airflow_provider_snowplow.manifest.claims`."""
        return self.manifest.claim_run(run_id, owner, lease_seconds)

    def renew_claim(self, claim: Claim, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Claim:
        """Extend our lease; raises ``ClaimLostError`` if the claim was taken over."""
        return self.manifest.renew_claim(claim, lease_seconds)

    def release_claim(self, run_id: str, token: str | None = None, owner: str | None = None) -> bool:
        """Drop the run's claim (only ours, when ``token`` or ``owner`` is given)."""
        return self.manifest.release_claim(run_id, token, owner)

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
