"""verify's summary kept in the manifest table: by the CLI, read back by the ledger, ignored by discovery."""

from __future__ import annotations

from typing import Any

from airflow_provider_snowplow.archive.urls import parse_archive_url
from airflow_provider_snowplow.aws.runners import run_sync
from airflow_provider_snowplow.ledger.verification import read_verification, verification_key
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing.archive import Archive
from tests.integration.cli_runs import Cli


def test_the_cli_keeps_the_last_verify_and_discovery_never_sees_it(
    cli: Cli, archive: Archive, manifest: LoadManifest, dynamodb: Any, s3: Any
) -> None:
    runs = [archive.add_run(f"2017-04-0{day}-00-00-00") for day in (1, 2)]
    for run_id in runs:
        contents = manifest.read_run(archive.url, run_id)
        assert manifest.mark_loaded(run_id, fingerprint=contents.fingerprint())
    s3.put_object(Bucket=archive.bucket, Key=runs[1] + "part-00009", Body=b"late\n")
    done = cli("verify", archive.url, "--since", "2017-04-02")
    assert done.returncode == 5, done.stderr
    stored = run_sync(
        read_verification(manifest.table_name, parse_archive_url(archive.url)), manifest.clients
    )
    assert stored is not None and stored.since == "2017-04-02T00:00:00"
    assert stored.counts == {"checked": 1, "unchanged": 0, "gained": 1, "lost": 0, "changed": 0, "unknown": 0}
    assert list(stored.drifted) == [runs[1]] and stored.drifted[runs[1]].drift == "gained"
    assert stored.summary.startswith(f"1 loaded run(s) of {archive.url} changed after loading")
    # The reserved item is no run: discovery and the SDK's view of the table are unchanged by it.
    item = dynamodb.get_item(
        TableName=manifest.table_name, Key={"RunId": {"S": verification_key(parse_archive_url(archive.url))}}
    )
    assert "Item" in item
    found = manifest.find_pending_runs(archive.url)
    assert (found.run_count, found.loaded, found.pending) == (2, 2, [])
