"""Discovery of S3 Loader hours: its cost does not grow with the archive's age.

Two years of hourly S3 Loader partitions (``date={yyyy}-{MM}-{dd}/hour={HH}``, 17,520 hours, two
flushes an hour named as S3 Loader 3.x names them), against a manifest where every hour is loaded
but the 3 newest closed ones; the current hour is still open. Seeded through the bulk endpoint
(:func:`common.BenchAws.put_objects`, uncounted). Measured, requests counted on the server:

* ``s3-loader`` discovery (``LoadManifest.find_pending_runs``) with the clock at 30 minutes into
  the open hour: it must find exactly the 3 new hours, within the stated bound of
  1 probe + ceil(objects since the watermark / 1000) listing pages + 2 x ceil(hours listed / 100)
  manifest reads (README, "Run layouts");
* for contrast, one full listing of the archive (``layout.list_runs``: what discovery would cost if
  it listed every object, as a folder layout's discovery lists every folder);
* a first run over the same archive with an empty manifest and ``max_runs=24`` (a backfill): the
  probe walks back 100 hours a request to the oldest object, then lists from the start.

Snowplow's SDK 0.2.3 cannot read this layout (it lists ``run=`` folders only), so there is no SDK
column. Usage: ``.venv/bin/python bench/layouts.py [--years 2] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import math
import time
import uuid
from datetime import UTC, datetime, timedelta

from common import (
    BUCKET,
    TABLE,
    BenchAws,
    check,
    create_table,
    format_requests,
    measure,
    print_footer,
    print_header,
    print_table,
    put_items,
    timed,
)

from airflow_provider_snowplow.archive.layouts import S3LoaderLayout
from airflow_provider_snowplow.archive.urls import parse_archive_url
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing.archive import sdk_record

PREFIX = "enriched/"
HOURLY = "date={yyyy}-{MM}-{dd}/hour={HH}"
NEW_HOURS = 3
FLUSHES_AN_HOUR = 2
OPEN_HOUR = datetime(2026, 11, 30, 12)
NOW = (OPEN_HOUR + timedelta(minutes=30)).replace(tzinfo=UTC).timestamp()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    print_header("S3 Loader discovery: two years of hourly partitions, three new hours")
    layout = S3LoaderLayout(HOURLY)
    archive = parse_archive_url(f"s3://{BUCKET}/{PREFIX}")
    hours = [OPEN_HOUR - timedelta(hours=h) for h in range(round(args.years * 8760), -1, -1)]
    run_ids = [layout.run_id_at(archive, hour) for hour in hours]
    keys = [
        f"{run_id}{hour + timedelta(minutes=1 + 30 * n):%Y-%m-%d-%H%M%S}-{uuid.uuid4()}.gz"
        for run_id, hour in zip(run_ids, hours, strict=True)
        for n in range(FLUSHES_AN_HOUR)
    ]
    with BenchAws() as aws:
        aws.reset()
        aws.client("s3").create_bucket(Bucket=BUCKET)
        create_table(aws, TABLE)
        _, seed_s3 = timed(lambda: aws.put_objects(BUCKET, keys))
        loaded = run_ids[: -(NEW_HOURS + 1)]
        _, seed_dynamodb = timed(
            lambda: put_items(aws.client("dynamodb"), TABLE, [sdk_record(r) for r in loaded])
        )
        print(
            f"Seeded {len(run_ids):,} hours ({len(keys):,} objects) in {seed_s3:.1f} s and {len(loaded):,} "
            f"SDK records in {seed_dynamodb:.1f} s\n"
        )
        s3, dynamodb = aws.client("s3"), aws.client("dynamodb")
        manifest = LoadManifest(s3, dynamodb, TABLE, clock=lambda: NOW, layout=layout)
        url = str(archive)
        found, steady = measure(
            aws, "s3-loader discovery", args.repeat, lambda: timed(lambda: manifest.find_pending_runs(url))
        )
        _, full = measure(
            aws, "full listing (list_runs)", 1, lambda: timed(lambda: manifest.list_run_ids(url))
        )
        aws.reset()
        aws.client("s3").create_bucket(Bucket=BUCKET)
        create_table(aws, TABLE)
        aws.put_objects(BUCKET, keys)
        fresh = LoadManifest(
            aws.client("s3"), aws.client("dynamodb"), TABLE, clock=lambda: NOW, layout=layout
        )
        backfill_found, backfill = measure(
            aws,
            "first run, empty manifest, max_runs=24",
            1,
            lambda: timed(lambda: fresh.find_pending_runs(url, 24)),
        )
    rows = [
        (m.label, f"{m.total_requests:,}", format_requests(m.requests), f"{m.median:.2f} s")
        for m in (steady, full, backfill)
    ]
    print_table(("what", "requests", "by operation", "median wall"), rows)
    listed = NEW_HOURS + 2  # the watermark hour and the open hour are listed too
    bound = 1 + math.ceil((listed * FLUSHES_AN_HOUR) / 1000) + 2 * math.ceil(listed / 100)
    ok = check(
        "finds exactly the new hours", found.pending == run_ids[-(NEW_HOURS + 1) : -1], f"{found.pending}"
    )
    ok &= check(
        "open hour held back", [r.run_id for r in found.not_ready] == run_ids[-1:], f"{found.not_ready}"
    )
    ok &= check(
        "steady-state requests within the bound",
        steady.total_requests <= bound,
        f"{steady.total_requests} <= {bound}",
    )
    ok &= check(
        "backfill starts at the oldest hour",
        backfill_found.pending == run_ids[:24],
        f"{len(backfill_found.pending)} runs",
    )
    print(
        f"Ratio full listing / discovery: {full.total_requests / steady.total_requests:.0f}x fewer requests"
    )
    print_footer(started)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
