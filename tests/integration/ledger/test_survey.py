"""A ledger refresh against a real (moto) S3 and DynamoDB: every state, in every layout, and its cost."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from airflow_provider_snowplow.aws.runners import run_sync
from airflow_provider_snowplow.errors import AwsRequestError, ManifestTableError
from airflow_provider_snowplow.ledger.detail import inspect_run
from airflow_provider_snowplow.ledger.runs import FILTERS, LedgerSnapshot
from airflow_provider_snowplow.ledger.spec import LedgerSpec
from airflow_provider_snowplow.ledger.survey import RequestTally, counted, survey_ledger
from tests.ledger_seeding import (
    LAPSED_OWNER,
    LIVE_OWNER,
    SeededLedger,
    seed_enriched_archive,
    seed_s3_loader,
    seed_transformer_output,
)

SEEDERS: dict[str, Callable[[Any, Any, str], SeededLedger]] = {
    "enriched-archive": seed_enriched_archive,
    "transformer-output": seed_transformer_output,
    "s3-loader": seed_s3_loader,
}


def refresh(
    seeded: SeededLedger, s3: Any, dynamodb: Any, table: str
) -> tuple[LedgerSpec, LedgerSnapshot, dict[str, int]]:
    spec = LedgerSpec.build(
        {"archive_url": seeded.archive_url, "table_name": table, "layout": seeded.layout, **seeded.options}
    )
    tally = RequestTally()
    plan = survey_ledger(spec.archive, table, spec.run_layout(), time.time())
    snapshot = run_sync(counted(plan, tally), {"s3": s3, "dynamodb": dynamodb})
    return spec, snapshot, tally.as_dict()


@pytest.mark.parametrize("layout", SEEDERS)
def test_every_run_is_in_the_state_it_was_seeded_in(layout: str, s3: Any, dynamodb: Any, table: str) -> None:
    s3.create_bucket(Bucket="acme-snowplow")
    seeded = SEEDERS[layout](s3, dynamodb, table)
    _, snapshot, _ = refresh(seeded, s3, dynamodb, table)
    for name in FILTERS:
        assert sorted(run.run_id for run in snapshot.select([name])) == sorted(seeded.states.get(name, [])), (
            name
        )
        assert snapshot.counts[name] == seeded.count(name)
    stuck = snapshot.select(["not_ready"])[0]
    assert stuck.waiting_for == seeded.not_ready_reason


def test_claims_and_records_say_who_and_when(s3: Any, dynamodb: Any, table: str) -> None:
    s3.create_bucket(Bucket="acme-snowplow")
    seeded = seed_enriched_archive(s3, dynamodb, table)
    _, snapshot, requests = refresh(seeded, s3, dynamodb, table)
    claimed = snapshot.find(seeded.states["claimed"][0])
    lapsed = snapshot.find(seeded.states["lapsed"][0])
    changed = snapshot.find(seeded.states["changed"][0])
    assert claimed is not None and claimed.claim is not None and claimed.claim.owner == LIVE_OWNER
    assert lapsed is not None and lapsed.state == "pending" and lapsed.claim is not None
    assert lapsed.claim.owner == LAPSED_OWNER and not lapsed.claim.is_live(time.time())
    assert changed is not None and changed.record is not None and changed.record.fingerprint is not None
    assert changed.record.loaded_by == "snowplow_load_runs/scheduled__seed/mark_loaded"
    assert changed.drift is not None and changed.drift.drift == "gained"
    assert snapshot.verification is not None and snapshot.verification.counts["gained"] == 1
    # What one refresh of 10 runs costs: the folder listing, the table read, the unrecorded runs'
    # claims and listings (5 runs unrecorded, 1 of them claimed), the stored verify.
    assert requests == {"BatchGetItem": 2, "DescribeTable": 1, "GetItem": 1, "ListObjectsV2": 1 + 4}


def test_a_reload_after_verify_drops_the_stale_finding(s3: Any, dynamodb: Any, table: str) -> None:
    from airflow_provider_snowplow.load_manifests import LoadManifest

    s3.create_bucket(Bucket="acme-snowplow")
    seeded = seed_enriched_archive(s3, dynamodb, table)
    run_id = seeded.states["changed"][0]
    manifest = LoadManifest(s3, dynamodb, table)
    assert manifest.unmark(run_id)
    time.sleep(0.002)  # a new LoadedAt, to the millisecond
    assert manifest.mark_loaded(run_id, loaded_by="snowplow_load_runs/manual__reload/mark_loaded")
    _, snapshot, _ = refresh(seeded, s3, dynamodb, table)
    assert snapshot.counts["changed"] == 0


def test_opening_a_transformer_run_reads_its_seal(s3: Any, dynamodb: Any, table: str) -> None:
    s3.create_bucket(Bucket="acme-snowplow")
    seeded = seed_transformer_output(s3, dynamodb, table)
    spec, snapshot, _ = refresh(seeded, s3, dynamodb, table)
    sealed, unsealed = (snapshot.find(seeded.states[state][0]) for state in ("pending", "not_ready"))
    assert sealed is not None and unsealed is not None
    clients = {"s3": s3, "dynamodb": dynamodb}
    detail = run_sync(inspect_run(spec.archive, spec.run_layout(), sealed, time.time()), clients)
    assert detail.readiness.ready and detail.seal is not None
    assert detail.seal["typesInfo"]["transformation"] == "WIDEROW" and detail.parts == 2
    open_run = run_sync(inspect_run(spec.archive, spec.run_layout(), unsealed, time.time()), clients)
    assert not open_run.readiness.ready and open_run.seal is None


def test_a_missing_table_or_bucket_fails_in_one_line(s3: Any, dynamodb: Any) -> None:
    spec = LedgerSpec.build(
        {"archive_url": "s3://acme-snowplow/enriched/archive/", "table_name": "no-such-table"}
    )
    clients = {"s3": s3, "dynamodb": dynamodb}
    with pytest.raises(AwsRequestError, match="bucket 'acme-snowplow'") as no_bucket:
        run_sync(survey_ledger(spec.archive, spec.table_name, spec.run_layout(), time.time()), clients)
    s3.create_bucket(Bucket="acme-snowplow")
    with pytest.raises(ManifestTableError, match="no-such-table") as no_table:
        run_sync(survey_ledger(spec.archive, spec.table_name, spec.run_layout(), time.time()), clients)
    for failure in (no_bucket.value, no_table.value):
        assert "\n" not in str(failure)
