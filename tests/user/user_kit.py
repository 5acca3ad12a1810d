"""A user's seeding and checking script, run by a user environment's python (never by the tests' own).

It uses only what a plain install of the package offers, by its public paths: the testing kit
(``airflow_provider_snowplow.testing``) and the core (``load_manifests``, ``archive``), with the
environment's boto3, against the local endpoint given by ``--endpoint``. Each command prints JSON.

    python user_kit.py create-table --endpoint URL --table NAME
    python user_kit.py add-runs --endpoint URL --archive S3_URL --hours-ago 3 2 1 [--no-marker]
    python user_kit.py seed --endpoint URL --spec '[{"archive": S3_URL, "hours_ago": [1], "marker": false}]'
    python user_kit.py put --endpoint URL --archive S3_URL --run RUN_ID --name NAME
    python user_kit.py loader-hours --endpoint URL --url S3_URL --partition-format FORMAT
    python user_kit.py record --endpoint URL --table NAME --archive S3_URL --run RUN_ID
    python user_kit.py state --endpoint URL --table NAME --archive S3_URL [--output S3_URL] [--layout ...]
"""

from __future__ import annotations

import argparse
import gzip
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow_provider_snowplow.archive.layouts import PartitionFormat, make_layout
from airflow_provider_snowplow.archive.layouts.readiness import ReadinessRule
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing.archive import Archive
from airflow_provider_snowplow.testing.events import realistic_lines
from airflow_provider_snowplow.testing.layouts import hourly_writes, put_loader_objects
from airflow_provider_snowplow.testing.local_aws import local_client

EVENTS_PER_RUN = 6


def split_url(url: str) -> tuple[str, str]:
    """``s3://bucket/prefix/`` -> (bucket, prefix)."""
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    return bucket, prefix


def manifest(args: argparse.Namespace) -> LoadManifest:
    """The manifest, with no quiet period: a run whose marker is there counts as complete."""
    layout = None
    if args.layout != "enriched-archive":
        layout = make_layout(args.layout, partition_format=args.partition_format or None)
    return LoadManifest(
        local_client("s3", args.endpoint),
        local_client("dynamodb", args.endpoint),
        args.table,
        readiness=ReadinessRule(settle_seconds=0),
        layout=layout,
    )


def create_table(args: argparse.Namespace) -> Any:
    manifest(args).create_table()
    return {"table": args.table}


def add_runs(args: argparse.Namespace) -> Any:
    """Run folders archived ``hours_ago`` hours ago (this hour, UTC), events gzipped, the marker last."""
    return seed_archive(args.endpoint, args.archive, args.hours_ago, marker=not args.no_marker)


def seed(args: argparse.Namespace) -> Any:
    """Several archives in one go: ``--spec`` is a JSON list of ``{"archive", "hours_ago", "marker"}``."""
    return [
        seed_archive(args.endpoint, spec["archive"], spec["hours_ago"], marker=spec.get("marker", True))
        for spec in json.loads(args.spec)
    ]


def seed_archive(endpoint: str, archive_url: str, hours_ago: list[int], marker: bool) -> list[str]:
    """Seed one archive (creating its bucket if need be); returns the run ids in the order given."""
    bucket, prefix = split_url(archive_url)
    s3 = local_client("s3", endpoint)
    if bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=bucket)
    archive = Archive(s3, bucket, prefix)
    this_hour = datetime.now(UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0)
    run_ids = []
    for seed_number, hours in enumerate(hours_ago):
        archived_at = this_hour - timedelta(hours=hours)
        lines = "".join(
            f"{line}\n" for line in realistic_lines(EVENTS_PER_RUN, archived_at, seed=seed_number)
        )
        run_ids.append(
            archive.add_run(
                archived_at.strftime("%Y-%m-%d-%H-%M-%S"),
                {"part-00000.gz": gzip.compress(lines.encode())},
                marker="_SUCCESS" if marker else None,
            )
        )
    return run_ids


def put(args: argparse.Namespace) -> Any:
    bucket, _ = split_url(args.archive)
    key = args.run + args.name
    local_client("s3", args.endpoint).put_object(Bucket=bucket, Key=key, Body=args.body.encode())
    return {"key": key}


def loader_hours(args: argparse.Namespace) -> Any:
    """Two closed hours of S3 Loader output (two flushes each), three hours back, and the open hour."""
    bucket, prefix = split_url(args.url)
    s3 = local_client("s3", args.endpoint)
    s3.create_bucket(Bucket=bucket)
    this_hour = datetime.now(UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0)
    put_loader_objects(
        s3, bucket, prefix, hourly_writes(this_hour - timedelta(hours=3), 2), args.partition_format
    )
    put_loader_objects(s3, bucket, prefix, [this_hour], args.partition_format)
    partitions = PartitionFormat.parse(args.partition_format)

    def hour(back: int) -> str:
        return prefix + partitions.render(this_hour - timedelta(hours=back))

    return {"closed": [hour(3), hour(2)], "open": hour(0)}


def record(args: argparse.Namespace) -> Any:
    """Record a run as loaded with what it holds now, as the pipeline's mark task does."""
    loads = manifest(args)
    fingerprint = loads.read_run(args.archive, args.run).fingerprint()
    return {"recorded": loads.mark_loaded(args.run, loaded_by="user_kit", fingerprint=fingerprint)}


def state(args: argparse.Namespace) -> Any:
    """The manifest's view of the archive, and the runs whose output has a ``_SUCCESS.json``."""
    loads = manifest(args)
    found = loads.find_pending_runs(args.archive)
    run_ids = loads.list_run_ids(args.archive)
    records = {}
    for run_id in run_ids:
        got = loads.get_record(run_id)
        if got is not None:
            records[run_id] = {
                "status": got.status,
                "loaded_by": got.loaded_by,
                "objects": got.fingerprint.objects if got.fingerprint else None,
            }
    outputs: list[str] = []
    if args.output:
        bucket, prefix = split_url(args.output)
        s3 = local_client("s3", args.endpoint)
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                if item["Key"].endswith("/_SUCCESS.json"):
                    body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                    outputs.append(json.loads(body)["snowplow_run_id"])
    return {
        "runs": run_ids,
        "records": records,
        "claims": [run_id for run_id in run_ids if loads.get_claim(run_id) is not None],
        "pending": found.pending,
        "not_ready": [run.run_id for run in found.not_ready],
        "outputs": sorted(outputs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, handler in {
        "create-table": create_table,
        "add-runs": add_runs,
        "seed": seed,
        "put": put,
        "loader-hours": loader_hours,
        "record": record,
        "state": state,
    }.items():
        command = commands.add_parser(name)
        command.set_defaults(handler=handler)
        command.add_argument("--endpoint", required=True)
        command.add_argument("--table", default="snowplow-load-manifests")
        command.add_argument("--archive", default="")
        command.add_argument("--url", default="")
        command.add_argument("--output", default="")
        command.add_argument("--run", default="")
        command.add_argument("--name", default="")
        command.add_argument("--body", default="")
        command.add_argument("--hours-ago", type=int, nargs="*", default=[])
        command.add_argument("--no-marker", action="store_true")
        command.add_argument("--layout", default="enriched-archive")
        command.add_argument("--partition-format", default="")
        command.add_argument("--spec", default="[]")
    args = parser.parse_args()
    print(json.dumps(args.handler(args)))


if __name__ == "__main__":
    main()
