"""Archives with a run in every ledger state, in each of the three layouts, for the ledger's tests.

Each seeder writes its runs into S3 and the manifest table and returns which runs should show in
which state, so that a test compares the ledger (JSON, page, browser) against what it wrote.
Folder runs are complete at once (settle 0 s); S3 Loader hours before the current one are closed
(grace 0 s) and the current hour is open, so no state depends on how fast the test runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow_provider_snowplow.archive.layouts import S3LoaderLayout, TransformerOutput
from airflow_provider_snowplow.archive.layouts.readiness import ReadinessRule
from airflow_provider_snowplow.archive.listing import list_run_contents
from airflow_provider_snowplow.archive.urls import parse_archive_url
from airflow_provider_snowplow.aws.runners import run_sync
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing.archive import Archive
from airflow_provider_snowplow.testing.layouts import put_loader_objects, put_transformer_run
from tests.support import ARCHIVE_URL, BUCKET, LOADER_URL, TRANSFORMED_URL

LIVE_OWNER = "snowplow_load_runs/manual__live"
LAPSED_OWNER = "snowplow_load_runs/manual__lapsed"
PARTITION_FORMAT = "date={yyyy}-{MM}-{dd}/hour={HH}"


@dataclass
class SeededLedger:
    """What a seeder wrote: the ledger's place and options, and the runs of each state and flag."""

    archive_url: str
    layout: str
    options: dict[str, Any]
    states: dict[str, list[str]] = field(default_factory=dict)
    not_ready_reason: str = ""

    def count(self, state: str) -> int:
        return len(self.states.get(state, []))


def _fingerprinted(manifest: LoadManifest, bucket: str, run_id: str, prefix: str | None = None) -> None:
    contents = run_sync(list_run_contents(bucket, run_id, prefix), manifest.clients)
    assert manifest.mark_loaded(
        run_id, loaded_by="snowplow_load_runs/scheduled__seed/mark_loaded", fingerprint=contents.fingerprint()
    )


def _claim(manifest: LoadManifest, run_id: str, owner: str, lease: float, at: float) -> None:
    clocked = LoadManifest(
        manifest.clients["s3"],
        manifest.clients["dynamodb"],
        manifest.table_name,
        clock=lambda: at,
        layout=manifest.layout,
    )
    assert clocked.claim_run(run_id, owner, lease_seconds=lease).won


def stamp(day: int, hour: int) -> str:
    """A run folder's timestamp in November 2026."""
    return f"2026-11-{day:02d}-{hour:02d}-00-00"


def seed_enriched_archive(s3: Any, dynamodb: Any, table: str) -> SeededLedger:
    """Ten runs of the enriched archive: 3 loaded (1 changed since), 1 skipped, 1 claimed, 1 lapsed and
    pending, 2 pending in all, 1 not ready (no marker), 1 archived; verify stored."""
    archive = Archive(s3, BUCKET, parse_archive_url(ARCHIVE_URL).prefix)
    if not any(b["Name"] == BUCKET for b in s3.list_buckets().get("Buckets", [])):
        s3.create_bucket(Bucket=BUCKET)
    manifest = LoadManifest(s3, dynamodb, table, layout=None, readiness=ReadinessRule(settle_seconds=0))
    loaded = [archive.add_run(stamp(20, h)) for h in (1, 2, 3)]
    for run_id in loaded:
        _fingerprinted(manifest, BUCKET, run_id)
    skipped = archive.add_run(stamp(21, 1))
    assert manifest.mark_skipped(skipped, skipped_by="cli/ops") == "skipped"
    claimed = archive.add_run(stamp(22, 1))
    _claim(manifest, claimed, LIVE_OWNER, 3 * 3600, time.time())
    lapsed = archive.add_run(stamp(22, 2))
    _claim(manifest, lapsed, LAPSED_OWNER, 60, time.time() - 3600)
    pending = [lapsed, archive.add_run(stamp(23, 1))]
    not_ready = archive.add_run(stamp(23, 2), marker=None)
    archived = archive.add_run(stamp(24, 1), storage_class="GLACIER")
    # A late part file lands in the first loaded run; verify finds it and stores its summary.
    s3.put_object(Bucket=BUCKET, Key=loaded[0] + "part-00001", Body=b"late\n")
    found = manifest.verify_loaded_runs(ARCHIVE_URL)
    manifest.record_verification(ARCHIVE_URL, found)
    return SeededLedger(
        ARCHIVE_URL,
        "enriched-archive",
        {"settle_seconds": 0},
        {
            "loaded": loaded,
            "changed": loaded[:1],
            "skipped": [skipped],
            "claimed": [claimed],
            "lapsed": [lapsed],
            "pending": pending,
            "not_ready": [not_ready],
            "archived": [archived],
        },
        "marker '_SUCCESS'",
    )


def seed_transformer_output(s3: Any, dynamodb: Any, table: str) -> SeededLedger:
    """Four transformer runs: 1 loaded, 1 claimed, 1 pending (sealed), 1 not ready (no seal yet)."""
    prefix = parse_archive_url(TRANSFORMED_URL).prefix
    layout = TransformerOutput()
    manifest = LoadManifest(s3, dynamodb, table, layout=layout)
    start = datetime(2026, 11, 25, 10)
    runs = [
        put_transformer_run(s3, BUCKET, prefix, start + timedelta(minutes=10 * i), sealed=i < 3)
        for i in range(4)
    ]
    _fingerprinted(manifest, BUCKET, runs[0])
    _claim(manifest, runs[1], LIVE_OWNER.replace("load_runs", "load_transformed"), 3 * 3600, time.time())
    return SeededLedger(
        TRANSFORMED_URL,
        "transformer-output",
        {},
        {"loaded": [runs[0]], "claimed": [runs[1]], "pending": [runs[2]], "not_ready": [runs[3]]},
        "marker 'shredding_complete.json'",
    )


def seed_s3_loader(s3: Any, dynamodb: Any, table: str) -> SeededLedger:
    """Four hours of S3 Loader output up to the current one: 2 loaded, 1 pending, the open hour not ready."""
    prefix = parse_archive_url(LOADER_URL).prefix
    layout = S3LoaderLayout(PARTITION_FORMAT, grace_seconds=0)
    manifest = LoadManifest(s3, dynamodb, table, layout=layout)
    # The open hour must stay open while a test reads it: never seed in the last 2 minutes of an hour.
    into_hour = time.time() % 3600
    if into_hour > 3600 - 120:
        time.sleep(3600 - into_hour + 1)
    hour = datetime.now(UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0)
    starts = [hour - timedelta(hours=h) for h in (3, 2, 1, 0)]
    for start in starts:
        put_loader_objects(s3, BUCKET, prefix, [start], PARTITION_FORMAT)
    archive = parse_archive_url(LOADER_URL)
    runs = [layout.run_id_at(archive, start) for start in starts]
    for run_id in runs[:2]:
        _fingerprinted(manifest, BUCKET, run_id)
    return SeededLedger(
        LOADER_URL,
        "s3-loader",
        {"partition_format": PARTITION_FORMAT, "grace_seconds": 0},
        {"loaded": runs[:2], "pending": [runs[2]], "not_ready": [runs[3]]},
        "its window to close plus a 0 s grace period",
    )
