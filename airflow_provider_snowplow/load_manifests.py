"""Snowplow load manifests with boto3 alone: usable in Spark, Lambda or a plain script.

:class:`LoadManifest` reads and writes the same DynamoDB items as Snowplow's SDKs, so a team can
switch, or run both side by side, without migrating its table, and adds what the SDKs lack:
pending-run discovery in a handful of requests, claims for exactly-once processing, skips, run
records that say what was loaded, and verification. The SDK's own names (``RunManifests``,
``list_runids``, and the 0.2.0 announcement's ``list_run_ids``...) live in one place, the drop-in
:mod:`airflow_provider_snowplow.snowplow_analytics_sdk`.

Example::

    import boto3
    from airflow_provider_snowplow.load_manifests import LoadManifest

    manifest = LoadManifest(boto3.client("s3"), boto3.client("dynamodb"), "snowplow-load-manifests")
    for run_id in manifest.find_pending_runs("s3://acme-snowplow/enriched/archive/").pending:
        process(run_id)
        manifest.mark_loaded(run_id)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from airflow_provider_snowplow.archive.confirm import confirm_ready
from airflow_provider_snowplow.archive.contents import Fingerprint, PartSignature, RunContents
from airflow_provider_snowplow.archive.layouts import EnrichedArchive, Layout, TransformerOutput
from airflow_provider_snowplow.archive.layouts.readiness import ReadinessRule
from airflow_provider_snowplow.archive.layouts.transformer_output import read_seal
from airflow_provider_snowplow.archive.listing import list_run_contents
from airflow_provider_snowplow.archive.urls import parse_archive_url
from airflow_provider_snowplow.aws.plans import Plan, T
from airflow_provider_snowplow.aws.runners import run_sync
from airflow_provider_snowplow.ledger.verification import store_verification
from airflow_provider_snowplow.manifest import claims, records, table
from airflow_provider_snowplow.manifest.claims import DEFAULT_LEASE_SECONDS, ClaimOutcome
from airflow_provider_snowplow.manifest.discovery import ArchiveSurvey, RunDiscovery, find_pending_runs
from airflow_provider_snowplow.manifest.items import LOADED, Claim, RunRecord, claim_key, run_record
from airflow_provider_snowplow.manifest.reads import ManifestRead, get_item
from airflow_provider_snowplow.manifest.records import SkipOutcome
from airflow_provider_snowplow.manifest.table import BillingMode, validate_table_name
from airflow_provider_snowplow.manifest.verify import Verification, verify_loaded_runs
from airflow_provider_snowplow.moved import moved_names

# Tables whose key schema this process has checked: (endpoint URL, region, table name).
_CHECKED_TABLES: set[tuple[str | None, str | None, str]] = set()

__all__ = ["LoadManifest"]


class LoadManifest:
    """One manifest table and the clients to reach it and the archive.

    Args:
        s3_client: a boto3 S3 client; may be None when only the table is used.
        dynamodb_client: a boto3 DynamoDB client.
        table_name: the manifest table (hash key ``RunId``, type S); None when only the archive
            is listed.
        clock: returns epoch seconds; claims, record timestamps and readiness use it.
        readiness: when a run of the archive counts as complete (see
            :mod:`~airflow_provider_snowplow.archive.layouts.readiness`); the safe defaults if None.
        layout: how the archive's runs are laid out and when one is ready (see
            :mod:`~airflow_provider_snowplow.archive.layouts`); the enriched archive with
            ``readiness`` if None.

    Raises:
        ManifestTableError: ``table_name`` breaks DynamoDB's naming rules.
    """

    def __init__(
        self,
        s3_client: Any,
        dynamodb_client: Any,
        table_name: str | None,
        clock: Any = time.time,
        readiness: ReadinessRule | None = None,
        layout: Layout | None = None,
    ) -> None:
        self.clients = {"s3": s3_client, "dynamodb": dynamodb_client}
        self.table_name = validate_table_name(table_name) if table_name is not None else ""
        self.clock = clock
        self.readiness = readiness or ReadinessRule()
        self.layout = layout or EnrichedArchive(self.readiness)

    def _run(self, plan: Plan[T]) -> T:
        return run_sync(plan, self.clients)

    def _on_checked_table(self, plan: Plan[T]) -> T:
        """Run ``plan``, a read or write of items by key, once the table's key schema is checked.

        A table keyed by anything but ``RunId`` would answer a write with DynamoDB's "Missing the
        key id in the item"; the check says what is wrong instead. It costs one ``DescribeTable``
        per table and endpoint in a process, as discovery's reads already pay.
        """
        if self._table_place() not in _CHECKED_TABLES:
            self.describe_table()
        return self._run(plan)

    def _table_place(self) -> tuple[str | None, str | None, str]:
        meta = getattr(self.clients["dynamodb"], "meta", None)
        return getattr(meta, "endpoint_url", None), getattr(meta, "region_name", None), self.table_name

    def create_table(self, billing_mode: BillingMode = "PAY_PER_REQUEST") -> dict[str, Any]:
        """Create the table if missing and wait until it is ACTIVE (idempotent)."""
        described = self._run(table.create_manifest_table(self.table_name, billing_mode))
        _CHECKED_TABLES.add(self._table_place())
        return described

    def describe_table(self) -> dict[str, Any]:
        """``DescribeTable``'s ``Table``, after checking the key schema."""
        described = self._run(table.describe_manifest_table(self.table_name))
        _CHECKED_TABLES.add(self._table_place())
        return described

    def list_run_ids(self, archive_url: str) -> list[str]:
        """Every run folder of the archive, oldest first, whatever its state or storage class."""
        return self._run(self.layout.list_runs(parse_archive_url(archive_url)))

    def survey(self, archive_url: str, how: ManifestRead = "auto") -> ArchiveSurvey:
        """The archive against this manifest, in this manifest's layout: what discovery and verify read."""
        return ArchiveSurvey(parse_archive_url(archive_url), self.table_name, self.layout, how)

    def find_pending_runs(
        self, archive_url: str, max_runs: int | None = None, how: ManifestRead = "auto"
    ) -> RunDiscovery:
        """Runs not recorded, not claimed by a live owner, not archived and ready, oldest first.

        Runs that are not ready yet by :attr:`readiness` are in ``RunDiscovery.not_ready``.
        """
        if max_runs is not None and max_runs < 1:
            raise ValueError(f"max_runs must be a positive number or None, got {max_runs!r}")
        plan = find_pending_runs(self.survey(archive_url, how), self.clock(), max_runs)
        return self._run(plan)

    def read_run(self, archive_url: str, run_id: str) -> RunContents:
        """The run folder's objects now, in one listing: what a task is about to process."""
        archive = parse_archive_url(archive_url)
        run_id = self.layout.validate_run_in_archive(run_id, archive)
        return self._run(list_run_contents(archive.bucket, run_id, self.layout.objects_prefix(run_id)))

    def confirm_ready(
        self, archive_url: str, run_id: str, since: Sequence[PartSignature] | None = None
    ) -> RunContents:
        """List the run and check it is complete by :attr:`readiness`, and unchanged since ``since``.

        Call it under the run's claim just before publishing what was made of it, with the part
        files that were read (``RunContents.signatures`` of :meth:`read_run`).

        Raises:
            RunChangedError: the run is not complete, or its part files differ from ``since``.
        """
        archive = parse_archive_url(archive_url)
        plan = confirm_ready(
            archive.bucket,
            self.layout.validate_run_in_archive(run_id, archive),
            self.layout,
            self.clock(),
            since,
        )
        return self._run(plan)

    def read_seal(self, archive_url: str, run_id: str) -> dict[str, Any]:
        """The ``data`` of a transformer run's ``shredding_complete.json`` (see :func:`read_seal`)."""
        archive = parse_archive_url(archive_url)
        return self._run(
            read_seal(archive.bucket, TransformerOutput().validate_run_in_archive(run_id, archive))
        )

    def verify_loaded_runs(
        self, archive_url: str, since: datetime | None = None, how: ManifestRead = "auto"
    ) -> Verification:
        """Each loaded run's record against its folder now: which runs changed after loading.

        Args:
            archive_url: the enriched archive.
            since: naive UTC; only runs whose folder time is not earlier are checked (None: all).
            how: how to read the manifest, as for :meth:`find_pending_runs`.
        """
        plan = verify_loaded_runs(self.survey(archive_url, how), since)
        return self._run(plan)

    def record_verification(
        self, archive_url: str, verification: Verification, since: datetime | None = None
    ) -> None:
        """Keep ``verification``'s summary in the table for the ledger page (one ``PutItem``).

        See :mod:`airflow_provider_snowplow.ledger.verification`: the page shows which loaded runs
        the last verify found changed, and when it ran.
        """
        shown = since.isoformat() if since is not None else None
        self._run(
            store_verification(
                self.table_name, parse_archive_url(archive_url), verification, self.clock(), shown
            )
        )

    def get_record(self, run_id: str) -> RunRecord | None:
        """The run's record (strongly consistent), or None if the run is not recorded."""
        item = self._on_checked_table(get_item(self.table_name, self.layout.validate_run_id(run_id), run_id))
        return RunRecord.from_item(item) if item else None

    def get_claim(self, run_id: str) -> Claim | None:
        """The run's claim item, live or expired, or None."""
        item = self._on_checked_table(
            get_item(self.table_name, claim_key(self.layout.validate_run_id(run_id)), run_id)
        )
        return Claim.from_item(item) if item else None

    def is_recorded(self, run_id: str) -> bool:
        """True if the run has a record, loaded or skipped: exactly the SDK's ``is_in_manifest``.

        Either way no pipeline (ours or the SDK's) loads the run again.
        """
        return self.get_record(run_id) is not None

    def is_loaded(self, run_id: str) -> bool:
        """True if the run was loaded: a ``LOADED`` record, or a record an SDK wrote (the key alone).

        A run recorded as skipped is not loaded; see :meth:`is_recorded`.
        """
        record = self.get_record(run_id)
        return record is not None and record.status == LOADED

    def mark_loaded(
        self,
        run_id: str,
        loaded_by: str | None = None,
        claim_owner: str | None = None,
        fingerprint: Fingerprint | None = None,
    ) -> bool:
        """Record the run as loaded, once. Returns False if it already was (nothing is written).

        ``fingerprint`` is what was loaded (``RunContents.fingerprint()``); ``verify_loaded_runs``
        compares it with the archive later. Without it the record cannot be verified.
        """
        record = run_record(self.layout.validate_run_id(run_id), LOADED, self.clock(), loaded_by, fingerprint)
        return self._on_checked_table(records.record_run(self.table_name, record, claim_owner))

    def mark_skipped(self, run_id: str, skipped_by: str | None = None) -> SkipOutcome:
        """Record the run as never to be loaded (backfill cut-off); SDKs read it as loaded.

        A run with a record, or with a live claim (a pipeline is loading it), is left alone; the
        result says which: see :func:`~airflow_provider_snowplow.manifest.records.skip_run`.
        """
        return self._on_checked_table(
            records.skip_run(self.table_name, self.layout.validate_run_id(run_id), self.clock(), skipped_by)
        )

    def unmark(self, run_id: str) -> bool:
        """Delete the run's record so the run is loaded again. Returns False if there was none."""
        return self._on_checked_table(
            records.delete_record(self.table_name, self.layout.validate_run_id(run_id))
        )

    def claim_run(
        self, run_id: str, owner: str, lease_seconds: float = DEFAULT_LEASE_SECONDS
    ) -> ClaimOutcome:
        """Try to claim the run for ``owner``; see :mod:`airflow_provider_snowplow.manifest.claims`."""
        plan = claims.claim_run(
            self.table_name, self.layout.validate_run_id(run_id), owner, self.clock(), lease_seconds
        )
        return self._on_checked_table(plan)

    def renew_claim(self, claim: Claim, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Claim:
        """Extend the lease; raises ClaimLostError if the claim was taken over."""
        return self._on_checked_table(claims.renew_claim(self.table_name, claim, self.clock(), lease_seconds))

    def release_claim(self, run_id: str, token: str | None = None, owner: str | None = None) -> bool:
        """Drop the claim (only if it has ``token``/``owner`` when given). False if held by another."""
        return self._on_checked_table(
            claims.release_claim(
                self.table_name, self.layout.validate_run_id(run_id), token=token, owner=owner
            )
        )


# The SDK 0.2.0 announcement's names lived here in 0.1.0, beside LoadManifest, and behaved unlike the
# drop-in's functions of the same names. They have one home now, the drop-in, with the SDK's
# behaviour; LoadManifest's methods keep what ours did (mark_loaded says whether it recorded the
# run, list_run_ids keeps archived runs).
__getattr__ = moved_names(
    __name__,
    dict.fromkeys(
        ("add_to_manifest", "create_manifest_table", "is_in_manifest", "list_run_ids"),
        "airflow_provider_snowplow.snowplow_analytics_sdk.load_manifests",
    ),
)
