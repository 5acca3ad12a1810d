"""Each run layout on the moto server, objects laid out as the real Snowplow components lay them out.

The seeding (``airflow_provider_snowplow.testing.layouts``) imitates, with names and paths from:

* S3 Loader 3.2.0 (snowplow/snowplow-s3-loader @ 877c19c9d98291b0c1b6a43fc909e96079988c0f):
  ``modules/core/src/main/scala/com/snowplowanalytics/snowplow/blob/core/DynamicPath.scala`` L54-108
  builds ``<path>/<partition>/<filenamePrefix><yyyy-MM-dd-HHmmss>-<uuid>.gz`` in UTC write time;
  ``DynamicPathSpec.scala`` L96 (``pre-2023-12-25-153045-<uuid>.gz``) and L130-137 (time tokens);
  the ``date={yyyy}-{MM}-{dd}`` partitions of ``config/config.aws.reference.hocon`` L72-76.
* RDB Loader transformer 6.1.5 (snowplow/snowplow-rdb-loader @ 13ea3803ad53f11043bda57e5a3accf1446d9dd5):
  ``modules/common-transformer-stream/.../sinks/Window.scala`` L28-51 (``run=yyyy-MM-dd-HH-mm-00-<uuid>``),
  ``sinks/SinkPath.scala`` (``output=good/``, ``output=bad/``), ``Processing.scala`` L170-177
  (``sink-<uuid>.txt.gz``), ``Completion.scala`` (``shredding_complete.json`` written last), and the
  seal's body after ``processing-spec/1/output/good/widerow/completion.json``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from airflow_provider_snowplow.archive.layouts import make_layout
from airflow_provider_snowplow.errors import LayoutError, RunIdError
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.processing.run import process_run
from airflow_provider_snowplow.testing.layouts import hourly_writes, put_loader_objects, put_transformer_run
from demo.layouts import demo_transformer_output
from tests.support import BUCKET, OUTPUT_URL

LOADER_URL = f"s3://{BUCKET}/enriched/"
TRANSFORMED_URL = f"s3://{BUCKET}/transformed/"
HOURLY = "date={yyyy}-{MM}-{dd}/hour={HH}"


def at(hour: int, minute: int = 0) -> float:
    return datetime(2026, 11, 30, hour, minute, tzinfo=UTC).timestamp()


def window(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 30, hour, minute)


@pytest.fixture
def loader_hours(s3) -> list[str]:  # type: ignore[no-untyped-def]
    """Hours 06 to 10 of 2026-11-30 in hourly partitions, two flushes an hour (prefix ``enr-``)."""
    s3.create_bucket(Bucket=BUCKET)
    put_loader_objects(s3, BUCKET, "enriched/", hourly_writes(window(6), 5), HOURLY, "enr-")
    return [f"enriched/date=2026-11-30/hour={hour:02d}/" for hour in range(6, 11)]


def loader_manifest(s3, dynamodb, table: str, now: float, **options: object) -> LoadManifest:  # type: ignore[no-untyped-def]
    layout = make_layout("s3-loader", **options)  # type: ignore[arg-type]
    return LoadManifest(s3, dynamodb, table, clock=lambda: now, layout=layout)


def test_s3_loader_partitions_oldest_first_open_and_grace_hours_held_back(
    s3: Any, dynamodb: Any, table: Any, loader_hours: Any
) -> None:
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
    output = process_run(s3, LOADER_URL, run_id, OUTPUT_URL, layout=manifest.layout)
    assert output.objects == 2 and output.counts.good == 6
    assert output.output_url == f"{OUTPUT_URL}date=2026-11-30/hour=06/"
    assert manifest.mark_loaded(run_id, loaded_by="dag-run-1") is True
    assert manifest.mark_loaded(run_id, loaded_by="dag-run-2") is False
    assert manifest.find_pending_runs(LOADER_URL).pending == loader_hours[1:]


def test_s3_loader_discovery_starts_from_the_newest_recorded_hour(
    s3: Any, dynamodb: Any, table: Any, loader_hours: Any, aws: Any
) -> None:
    manifest = loader_manifest(s3, dynamodb, table, at(12), partition_format=HOURLY)
    for run_id in loader_hours[:3]:
        manifest.mark_loaded(run_id)
    aws.request_counts(reset=True)
    found = manifest.find_pending_runs(LOADER_URL)
    counts = aws.request_counts()
    assert found.pending == loader_hours[3:]
    assert found.loaded == 1  # only the watermark hour is listed again, not the hours before it
    assert sum(n for call, n in counts.items() if "ListObjectsV2" in call) == 1
    # The probe read the listed hours' records already: probe, listing, claims.
    assert counts == {"dynamodb:BatchGetItem": 2, "s3:ListObjectsV2": 1}


def test_s3_loader_a_failed_hour_between_loaded_ones_is_offered_again(
    s3: Any, dynamodb: Any, table: Any, loader_hours: Any
) -> None:
    manifest = loader_manifest(s3, dynamodb, table, at(12), partition_format=HOURLY)
    for run_id in (loader_hours[0], loader_hours[2], loader_hours[3]):
        manifest.mark_loaded(run_id)
    assert manifest.find_pending_runs(LOADER_URL).pending == [loader_hours[1], loader_hours[4]]


def test_s3_loader_flat_layout_one_run_per_hour_of_names(s3, dynamodb, table) -> None:  # type: ignore[no-untyped-def]
    s3.create_bucket(Bucket=BUCKET)
    writes = [window(8), window(8, 59), window(9, 15), window(10, 2)]
    put_loader_objects(s3, BUCKET, "enriched/", writes, filename_prefix="pre-")
    manifest = loader_manifest(s3, dynamodb, table, at(10, 30), filename_prefix="pre-")
    found = manifest.find_pending_runs(LOADER_URL)
    assert found.pending == ["enriched/pre-2026-11-30-08/", "enriched/pre-2026-11-30-09/"]
    assert [run.run_id for run in found.not_ready] == ["enriched/pre-2026-11-30-10/"]
    assert len(manifest.read_run(LOADER_URL, "enriched/pre-2026-11-30-08/").parts) == 2
    output = process_run(s3, LOADER_URL, found.pending[0], OUTPUT_URL, layout=manifest.layout)
    assert (output.objects, output.output_url) == (2, f"{OUTPUT_URL}pre-2026-11-30-08/")


def test_transformer_output_sealed_runs_oldest_first_unsealed_held_back(s3, dynamodb, table) -> None:  # type: ignore[no-untyped-def]
    s3.create_bucket(Bucket=BUCKET)
    newer = put_transformer_run(s3, BUCKET, "transformed/", window(10, 20), good_lines=[b"{}"] * 7)
    older = put_transformer_run(s3, BUCKET, "transformed/", window(10, 10))
    batch = put_transformer_run(s3, BUCKET, "transformed/", window(9, 0), stream=False)
    open_run = put_transformer_run(s3, BUCKET, "transformed/", window(10, 30), sealed=False)
    manifest = LoadManifest(s3, dynamodb, table, layout=make_layout("transformer-output"))
    found = manifest.find_pending_runs(TRANSFORMED_URL)
    assert found.pending == [batch, older, newer]
    assert [run.run_id for run in found.not_ready] == [open_run]
    seal = manifest.read_seal(TRANSFORMED_URL, newer)
    assert (seal["count"], seal["base"]) == ({"good": 7, "bad": 1}, f"s3://{BUCKET}/{newer}")
    assert len(manifest.read_run(TRANSFORMED_URL, older).parts) == 2
    assert manifest.claim_run(older, "a").won and not manifest.claim_run(older, "b").won
    assert manifest.mark_loaded(older, loaded_by="a") and not manifest.mark_loaded(older, loaded_by="b")
    assert manifest.find_pending_runs(TRANSFORMED_URL).pending == [batch, newer]


def test_run_ids_of_another_layout_are_refused_in_one_line(s3, dynamodb, table) -> None:  # type: ignore[no-untyped-def]
    manifest = LoadManifest(s3, dynamodb, table, layout=make_layout("s3-loader", partition_format=HOURLY))
    with pytest.raises(RunIdError, match=r"not a run id of the s3-loader layout.*date=2026-11-30/hour=10/"):
        manifest.get_record("enriched/archive/run=2017-04-07-10-00-00/")


def test_a_prefix_of_another_layout_is_one_line_naming_it(s3, dynamodb, table, loader_hours) -> None:  # type: ignore[no-untyped-def]
    put_transformer_run(s3, BUCKET, "transformed/", window(10, 10))
    enriched = LoadManifest(s3, dynamodb, table)
    with pytest.raises(
        LayoutError, match=r"no run of the enriched-archive layout.*set the layout to 'transformer-output'"
    ):
        enriched.find_pending_runs(TRANSFORMED_URL)
    flat = loader_manifest(s3, dynamodb, table, at(12))
    with pytest.raises(
        LayoutError, match=r"no run of the s3-loader layout.*look like s3-loader output"
    ) as raised:
        flat.find_pending_runs(LOADER_URL)
    assert "\n" not in str(raised.value)


def test_the_transformer_demo_offers_sealed_runs_only(s3, dynamodb, table) -> None:  # type: ignore[no-untyped-def]
    assert demo_transformer_output(s3, dynamodb, BUCKET, table) is True


def test_the_hook_finds_s3_loader_hours_with_the_async_clients_as_with_the_sync_ones(  # type: ignore[no-untyped-def]
    aws_connection: str, table: str, loader_hours
) -> None:
    """The trigger's path: the same window plan run by aiobotocore."""
    import asyncio

    from airflow_provider_snowplow.hooks.manifest import SnowplowManifestHook

    hook = SnowplowManifestHook(table, layout=make_layout("s3-loader", partition_format=HOURLY))
    hook.mark_loaded(loader_hours[0])
    found = asyncio.run(hook.find_pending_runs_async(LOADER_URL, None, at(12)))
    assert found.pending == loader_hours[1:]


@pytest.mark.parametrize("kind", ["enriched-archive", "transformer-output", "s3-loader"])
def test_the_sensor_and_the_hook_report_each_layout_s_own_rule(  # type: ignore[no-untyped-def]
    kind: str, aws_connection: str, table: str, s3, capsys: pytest.CaptureFixture[str]
) -> None:
    """The rule a poke logs is the layout's, not the enriched archive's ``_SUCCESS`` and 900 s."""
    from airflow_provider_snowplow.hooks.manifest import SnowplowManifestHook
    from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor

    s3.create_bucket(Bucket=BUCKET)
    now = datetime.now(UTC).replace(tzinfo=None)
    choices: dict[str, tuple[str, dict[str, Any], str]] = {
        "enriched-archive": (
            f"s3://{BUCKET}/enriched/archive/",
            {},
            "marker '_SUCCESS', 900 s quiet",
        ),
        "transformer-output": (
            TRANSFORMED_URL,
            {"layout": kind},
            "marker 'shredding_complete.json', 0 s quiet",
        ),
        # S3 Loader's reference config names its objects pre-...: the sensor takes the prefix too.
        "s3-loader": (
            LOADER_URL,
            {"layout": kind, "filename_prefix": "pre-"},
            "each hour closed, plus 600 s grace",
        ),
    }
    url, options, rule = choices[kind]
    if kind == "enriched-archive":
        s3.put_object(Bucket=BUCKET, Key="enriched/archive/run=2026-11-30-10-00-00/part-00000", Body=b"x\n")
    elif kind == "transformer-output":
        put_transformer_run(s3, BUCKET, "transformed/", now - timedelta(minutes=10), sealed=False)
    else:
        put_loader_objects(s3, BUCKET, "enriched/", [now], filename_prefix="pre-")
    sensor = SnowplowPendingRunSensor(task_id="wait", archive_url=url, table_name=table, **options)
    assert sensor.poke({}) is False
    logged = capsys.readouterr().out
    assert f"Run not ready ({kind}" in logged and f"{rule}): " in logged, logged
    assert ("_SUCCESS" in logged) == (kind == "enriched-archive")
    hook = SnowplowManifestHook(table, layout=sensor.run_layout)
    assert hook.layout.readiness.text == rule
    assert len(hook.find_pending_runs(url).not_ready) == 1
