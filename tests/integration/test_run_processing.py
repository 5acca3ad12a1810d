"""process_run against the local endpoint: any worker count and codec writes the same JSON Lines, equal
to the reference SDK's events; a part that fails stops the run before its _SUCCESS.json."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_snowplow.archive.urls import parse_output_url
from airflow_provider_snowplow.errors import RunInputError
from airflow_provider_snowplow.event_transformer import transform_stream
from airflow_provider_snowplow.processing.codecs import decompress
from airflow_provider_snowplow.processing.run import SUCCESS_MARKER, output_folder, process_run
from airflow_provider_snowplow.testing.archive import READY_WHEN_SEEDED, Archive
from airflow_provider_snowplow.testing.events import valid_lines, write_lines
from airflow_provider_snowplow.testing.sdk import sdk_transform
from tests.support import OUTPUT_URL

BAD_LINE = b"not\tan\tenriched\tevent\n"


def events(count: int, seed: int) -> bytes:
    return b"".join(line.encode() + b"\n" for line in valid_lines(count, seed=seed))


@pytest.fixture
def parts() -> dict[str, bytes]:
    """Gzip and plain parts, one in a subfolder, two with a bad row: input as archives hold it."""
    return {
        "part-00000.gz": gzip.compress(events(400, 1)),
        "part-00001": events(300, 2) + BAD_LINE,
        "nested/part-00002.gz": gzip.compress(events(500, 3) + BAD_LINE + events(10, 4)),
        "part-00003.gz": gzip.compress(events(200, 5)),
    }


def reference(archive: Archive, run_id: str, parts: dict[str, bytes]) -> dict[str, bytes]:
    """What each part's output must decompress to: the transformer's own JSON Lines, by output name."""
    expected = {}
    for name, body in parts.items():
        good, bad = io.BytesIO(), io.BytesIO()
        plain = gzip.decompress(body) if name.endswith(".gz") else body
        source = f"s3://{archive.bucket}/{run_id}{name}"
        stats = transform_stream(io.BytesIO(plain), good, bad, source_name=source)
        stem = name.replace("/", "_").removesuffix(".gz")
        expected[f"good/{stem}"] = good.getvalue()
        if stats.bad:
            expected[f"bad/{stem}"] = bad.getvalue()
    return expected


def output_objects(s3: Any, output_url: str, run_id: str) -> dict[str, bytes]:
    output = parse_output_url(output_url)
    folder = output_folder(output, run_id)
    listing = s3.list_objects_v2(Bucket=output.bucket, Prefix=folder).get("Contents", [])
    return {
        obj["Key"][len(folder) :]: s3.get_object(Bucket=output.bucket, Key=obj["Key"])["Body"].read()
        for obj in listing
    }


@pytest.mark.parametrize(("workers", "compression"), [(1, "gzip"), (2, "gzip"), (3, "zstd"), (None, "zstd")])
def test_any_worker_count_and_codec_writes_the_transformers_json_lines(
    s3: Any, archive: Archive, parts: dict[str, bytes], workers: int | None, compression: str
) -> None:
    run_id = archive.add_run("2017-04-07-10-00-00", parts)
    result = process_run(
        s3,
        archive.url,
        run_id,
        OUTPUT_URL,
        workers=workers,
        compression=compression,  # type: ignore[arg-type]
        readiness=READY_WHEN_SEEDED,
    )

    suffix = {"gzip": ".jsonl.gz", "zstd": ".jsonl.zst"}[compression]
    written = output_objects(s3, OUTPUT_URL, run_id)
    summary = json.loads(written.pop(SUCCESS_MARKER))
    assert {name.removesuffix(suffix): decompress(data, compression) for name, data in written.items()} == (  # type: ignore[arg-type]
        reference(archive, run_id, parts)
    )
    assert summary == result.to_dict()
    assert summary["compression"] == compression
    assert (summary["objects"], summary["lines"], summary["good"], summary["bad"]) == (4, 1412, 1410, 2)
    assert summary["bytes_read"] == sum(map(len, parts.values()))
    folder = output_folder(parse_output_url(OUTPUT_URL), run_id)
    assert summary["good_keys"] == [
        f"{folder}good/{stem}{suffix}"
        for stem in ("nested_part-00002", "part-00000", "part-00001", "part-00003")
    ], "in the order S3 lists the part files"
    assert summary["bad_keys"] == [
        f"{folder}bad/{stem}{suffix}" for stem in ("nested_part-00002", "part-00001")
    ]


def test_parallel_output_holds_the_reference_sdks_events(s3, archive: Archive, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lines = list(valid_lines(1200, seed=9))
    chunks = [lines[:300], lines[300:700], lines[700:]]
    run_id = archive.add_run(
        "2017-04-08-10-00-00",
        {
            f"part-{i:05d}.gz": gzip.compress("".join(line + "\n" for line in chunk).encode())
            for i, chunk in enumerate(chunks)
        },
    )
    result = process_run(s3, archive.url, run_id, OUTPUT_URL, workers=3, readiness=READY_WHEN_SEEDED)
    ours = [
        json.loads(line)
        for key in result.good_keys
        for line in gzip.decompress(
            s3.get_object(Bucket="acme-snowplow", Key=key)["Body"].read()
        ).splitlines()
    ]
    assert ours == sdk_transform(write_lines(tmp_path / "run.tsv", lines))


@pytest.mark.parametrize("workers", [1, 3])
def test_a_part_that_cannot_be_read_stops_the_run_without_a_summary(
    s3: Any, archive: Archive, workers: int
) -> None:
    truncated = gzip.compress(events(300, 7))[:-200]
    run_id = archive.add_run(
        "2017-04-09-10-00-00",
        {
            "part-00000.gz": gzip.compress(events(100, 6)),
            "part-00001.gz": truncated,
            "part-00002.gz": gzip.compress(events(100, 8)),
        },
    )
    source = f"s3://{archive.bucket}/{run_id}part-00001.gz"
    with pytest.raises(
        RunInputError, match=f"part file {source} cannot be read .*nothing of this run was marked loaded"
    ):
        process_run(s3, archive.url, run_id, OUTPUT_URL, workers=workers, readiness=READY_WHEN_SEEDED)
    assert SUCCESS_MARKER not in output_objects(s3, OUTPUT_URL, run_id)
