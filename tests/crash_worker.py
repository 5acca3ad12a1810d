"""A processing worker for the crash tests: claim, transform, record; killed at random moments.

Usage: python tests/crash_worker.py ENDPOINT TABLE ARCHIVE_URL RUN_ID OUTPUT_URL OWNER LEASE_SECONDS
Exit status 0: recorded loaded; 3: the run was held by someone else or already loaded.
"""

from __future__ import annotations

import sys

import boto3

from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.processing.run import process_run
from airflow_provider_snowplow.testing.archive import READY_WHEN_SEEDED


def main() -> int:
    endpoint, table, archive_url, run_id, output_url, owner, lease = sys.argv[1:8]
    kw = {"endpoint_url": endpoint, "region_name": "us-east-1"}
    s3, dynamodb = boto3.client("s3", **kw), boto3.client("dynamodb", **kw)  # type: ignore[call-overload]
    manifest = LoadManifest(s3, dynamodb, table)
    if not manifest.claim_run(run_id, owner, lease_seconds=float(lease)).won:
        return 3
    process_run(s3, archive_url, run_id, output_url, readiness=READY_WHEN_SEEDED)
    manifest.mark_loaded(run_id, loaded_by=owner, claim_owner=owner)
    return 0


if __name__ == "__main__":
    sys.exit(main())
