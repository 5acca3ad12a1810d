"""Each run layout on the moto server, objects laid out as the real Snowplow components lay them out.

Sources imitated (names and paths):

* S3 Loader 3.2.0 (snowplow/snowplow-s3-loader @ 877c19c9d98291b0c1b6a43fc909e96079988c0f):
  ``modules/core/src/main/scala/com/snowplowanalytics/snowplow/blob/core/DynamicPath.scala`` L54-108
  builds ``<path>/<partition>/<filenamePrefix><yyyy-MM-dd-HHmmss>-<uuid>.gz`` in UTC write time;
  ``DynamicPathSpec.scala`` L96 (``pre-2023-12-25-153045-<uuid>.gz``) and L130-137 (time tokens);
  the reference config's ``date={yyyy}-{MM}-{dd}`` partitions (``config/config.aws.reference.hocon``).
* RDB Loader transformer 6.1.5 (snowplow/snowplow-rdb-loader @ 13ea3803ad53f11043bda57e5a3accf1446d9dd5):
  ``modules/common-transformer-stream/.../sinks/Window.scala`` L28-51 (``run=yyyy-MM-dd-HH-mm-00-<uuid>``),
  ``sinks/SinkPath.scala`` (``output=good/``, ``output=bad/``), ``Processing.scala`` L170-177
  (``sink-<uuid>.txt.gz``), ``Completion.scala`` (``shredding_complete.json`` written last), and the
  seal's body after ``processing-spec/1/output/good/widerow/completion.json``.
"""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import UTC, datetime

import pytest

from airflow_provider_snowplow.archive.layouts import make_layout
from airflow_provider_snowplow.errors import LayoutError, RunIdError
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.processing.run import process_run
from airflow_provider_snowplow.testing.events import valid_lines
from tests.support import BUCKET, OUTPUT_URL

LOADER_URL = f"s3://{BUCKET}/enriched/"
TRANSFORMED_URL = f"s3://{BUCKET}/transformed/"
HOURLY = "date={yyyy}-{MM}-{dd}/hour={HH}"


def at(hour: int, minute: int = 0) -> float:
    return datetime(2026, 11, 30, hour, minute, tzinfo=UTC).timestamp()


def loader_object(s3, partition: str, hour: int, minute: int, lines: int = 3, prefix: str = "enr-") -> str:  # type: ignore[no-untyped-def]
    """One S3 Loader flush: ``<partition><prefix>2026-11-30-HHmmss-<uuid>.gz`` of enriched TSV."""
    key = f"enriched/{partition}{prefix}2026-11-30-{hour:02d}{minute:02d}00-{uuid.uuid4()}.gz"
    body = gzip.compress(
        "".join(line + "\n" for line in valid_lines(lines, seed=hour * 60 + minute)).encode()
    )
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    return key


@pytest.fixture
def loader_hours(s3) -> list[str]:  # type: ignore[no-untyped-def]
    """Hours 06 to 10 of 2026-11-30 in hourly partitions, two flushes an hour."""
    s3.create_bucket(Bucket=BUCKET)
    for hour in range(6, 11):
        for minute in (1, 31):
            loader_object(s3, f"date=2026-11-30/hour={hour:02d}/", hour, minute)
    return [f"enriched/date=2026-11-30/hour={hour:02d}/" for hour in range(6, 11)]


def loader_manifest(s3, dynamodb, table: str, now: float, **options: object) -> LoadManifest:  # type: ignore[no-untyped-def]
    layout = make_layout("s3-loader", **options)  # type: ignore[arg-type]
    return LoadManifest(s3, dynamodb, table, clock=lambda: now, layout=layout)


def test_s3_loader_partitions_oldest_first_open_and_grace_hours_held_back(
    s3, dynamodb, table, loader_hours
) -> None:  # type: ignore[no-untyped-def]
    # At 10:05 hour 10 is open and hour 09 is inside its 10-minute grace.
    found = loader_manifest(s3, dynamodb, table, at(10, 5), partition_format=HOURLY).find_pending_runs(
        LOADER_URL
    )
    assert found.pending == loader_hours[:3]
    assert [run.run_id for run in found.not_ready] == loader_hours[3:]
    assert "grace" in found.not_ready[0].waiting_for
    # At 10:11 hour 09 is ready; hour 10 still open.
    later = loader_manifest(s3, dynamodb, table, at(10, 11), partition_format=HOURLY)
    assert later.find_pending_runs(LOADER_URL).pending == loader_hours[:4]


def test_s3_loader_run_processed_once_by_overlapping_owners(s3, dynamodb, table, loader_hours) -> None:  # type: ignore[no-untyped-def]
    manifest = loader_manifest(s3, dynamodb, table, at(12), partition_format=HOURLY)
    run_id = manifest.find_pending_runs(LOADER_URL, max_runs=1).pending[0]
    first, second = manifest.claim_run(run_id, "dag-run-1"), manifest.claim_run(run_id, "dag-run-2")
    assert [first.status, second.status] == ["claimed", "held"]
    layout = manifest.layout
    output = process_run(s3, LOADER_URL, run_id, OUTPUT_URL, layout=layout)
    assert output.objects == 2 and output.counts.good == 6
    assert output.output_url == f"{OUTPUT_URL}date=2026-11-30/hour=06/"
    assert manifest.mark_loaded(run_id, loaded_by="dag-run-1") is True
    assert manifest.mark_loaded(run_id, loaded_by="dag-run-2") is False
    assert manifest.find_pending_runs(LOADER_URL).pending == loader_hours[1:]


def test_s3_loader_discovery_starts_from_the_newest_recorded_hour(
    s3, dynamodb, table, loader_hours, aws
) -> None:  # type: ignore[no-untyped-def]
    manifest = loader_manifest(s3, dynamodb, table, at(12), partition_format=HOURLY)
    for run_id in loader_hours[:3]:
        manifest.mark_loaded(run_id)
    aws.request_counts(reset=True)
    found = manifest.find_pending_runs(LOADER_URL)
    counts = aws.request_counts()
    assert found.pending == loader_hours[3:]
    listing = [call for call in counts if "ListObjectsV2" in call]
    assert sum(counts[call] for call in listing) == 1
    assert sum(counts.values()) <= 4


def test_s3_loader_flat_layout_one_run_per_hour_of_names(s3, dynamodb, table) -> None:  # type: ignore[no-untyped-def]
    s3.create_bucket(Bucket=BUCKET)
    for hour, minute in ((8, 0), (8, 59), (9, 15), (10, 2)):
        loader_object(s3, "", hour, minute, prefix="pre-")
    manifest = loader_manifest(s3, dynamodb, table, at(10, 30), filename_prefix="pre-")
    found = manifest.find_pending_runs(LOADER_URL)
    assert found.pending == ["enriched/pre-2026-11-30-08/", "enriched/pre-2026-11-30-09/"]
    assert [run.run_id for run in found.not_ready] == ["enriched/pre-2026-11-30-10/"]
    assert len(manifest.read_run(LOADER_URL, "enriched/pre-2026-11-30-08/").parts) == 2
    output = process_run(s3, LOADER_URL, found.pending[0], OUTPUT_URL, layout=manifest.layout)
    assert output.objects == 2


def transformer_run(s3, window: str, sealed: bool, good: int = 182340) -> str:  # type: ignore[no-untyped-def]
    """A stream transformer window folder (wide row JSON, GZIP), sealed last when ``sealed``."""
    run_id = f"transformed/run={window}-{uuid.uuid4()}/"
    s3.put_object(
        Bucket=BUCKET, Key=f"{run_id}output=good/sink-{uuid.uuid4()}.txt.gz", Body=gzip.compress(b"{}\n")
    )
    s3.put_object(
        Bucket=BUCKET, Key=f"{run_id}output=bad/sink-{uuid.uuid4()}.txt.gz", Body=gzip.compress(b"{}\n")
    )
    if sealed:
        seal = {
            "schema": "iglu:com.snowplowanalytics.snowplow.storage.rdbloader/shredding_complete/jsonschema/2-0-1",
            "data": {
                "base": f"s3://{BUCKET}/{run_id}",
                "typesInfo": {"transformation": "WIDEROW", "fileFormat": "JSON", "types": []},
                "timestamps": {
                    "jobStarted": "2026-11-30T10:10:00Z",
                    "jobCompleted": "2026-11-30T10:20:03.412Z",
                    "min": "2026-11-30T10:09:41.118Z",
                    "max": "2026-11-30T10:19:58.907Z",
                },
                "compression": "GZIP",
                "processor": {"artifact": "snowplow-transformer-kinesis", "version": "6.1.5"},
                "count": {"good": good, "bad": 12},
            },
        }
        s3.put_object(Bucket=BUCKET, Key=f"{run_id}shredding_complete.json", Body=json.dumps(seal).encode())
    return run_id


def test_transformer_output_sealed_runs_oldest_first_unsealed_held_back(s3, dynamodb, table) -> None:  # type: ignore[no-untyped-def]
    s3.create_bucket(Bucket=BUCKET)
    newer = transformer_run(s3, "2026-11-30-10-20-00", sealed=True, good=7)
    older = transformer_run(s3, "2026-11-30-10-10-00", sealed=True)
    open_run = transformer_run(s3, "2026-11-30-10-30-00", sealed=False)
    manifest = LoadManifest(s3, dynamodb, table, layout=make_layout("transformer-output"))
    found = manifest.find_pending_runs(TRANSFORMED_URL)
    assert found.pending == [older, newer]
    assert [run.run_id for run in found.not_ready] == [open_run]
    assert manifest.read_seal(TRANSFORMED_URL, newer)["count"] == {"good": 7, "bad": 12}
    assert len(manifest.read_run(TRANSFORMED_URL, older).parts) == 2
    assert manifest.claim_run(older, "a").won and not manifest.claim_run(older, "b").won
    assert manifest.mark_loaded(older, loaded_by="a") and not manifest.mark_loaded(older, loaded_by="b")
    assert manifest.find_pending_runs(TRANSFORMED_URL).pending == [newer]


def test_run_ids_of_another_layout_are_refused_in_one_line(s3, dynamodb, table) -> None:  # type: ignore[no-untyped-def]
    manifest = LoadManifest(s3, dynamodb, table, layout=make_layout("s3-loader", partition_format=HOURLY))
    with pytest.raises(RunIdError, match=r"not a run id of the s3-loader layout.*date=2026-11-30/hour=10/"):
        manifest.get_record("enriched/archive/run=2017-04-07-10-00-00/")


def test_a_prefix_of_another_layout_is_one_line_naming_it(s3, dynamodb, table, loader_hours) -> None:  # type: ignore[no-untyped-def]
    transformer_run(s3, "2026-11-30-10-10-00", sealed=True)
    enriched = LoadManifest(s3, dynamodb, table)
    with pytest.raises(
        LayoutError, match=r"no run of the enriched-archive layout.*set the layout to 'transformer-output'"
    ):
        enriched.find_pending_runs(TRANSFORMED_URL)
    flat = loader_manifest(s3, dynamodb, table, at(12))
    with pytest.raises(
        LayoutError, match=r"no run of the s3-loader layout.*look like s3-loader output with other options"
    ) as raised:
        flat.find_pending_runs(LOADER_URL)
    assert "\n" not in str(raised.value)
