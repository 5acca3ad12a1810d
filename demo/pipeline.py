"""The README's main command: the example pipeline, end to end, against an embedded local AWS.

``./dev demo`` runs this module (``python -m demo``). It starts a moto server on 127.0.0.1, creates a manifest table,
seeds an enriched archive with a few runs of sample events (gzipped and plain part files, a few bad
lines), prints the pending runs, then runs ``example_dags/snowplow_load_runs.py`` with
``airflow dags test`` on a throwaway SQLite metadata DB, twice: the first run loads every run, the
second finds nothing pending. Airflow's own log goes to a file; while Airflow works, this reports
each step as it shows in S3 and DynamoDB (claimed, transformed, marked loaded). The temporary
Airflow home is removed at the end (its log's tail is printed if a step fails).

Each seeded run ends with its ``_SUCCESS`` marker, written last as a Hadoop job writes it, so the
demo sets a quiet period of :data:`SETTLE_SECONDS` instead of the default 15 minutes: right after
seeding, the runs show as not ready; by the time the DAG's sensor looks, they are.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from airflow_provider_snowplow.archive.layouts import DEFAULT_LAYOUT, LAYOUT_NAMES
from airflow_provider_snowplow.archive.layouts.readiness import ReadinessRule
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.processing.run import SUCCESS_MARKER
from airflow_provider_snowplow.testing.events import realistic_lines, sample_lines
from airflow_provider_snowplow.testing.local_aws import LOCAL_CREDENTIALS, LocalAws
from airflow_provider_snowplow.validation import positive_int
from demo import layouts
from demo.reporting import BUCKET, TABLE, AirflowFailed, PipelineWatcher, airflow, say

ARCHIVE_URL = f"s3://{BUCKET}/enriched/archive/"
OUTPUT_URL = f"s3://{BUCKET}/enriched/json/"
DAG_ID = "snowplow_load_runs"
SETTLE_SECONDS = 1
REPO = Path(__file__).resolve().parents[1]
FIRST_RUN = datetime(2026, 11, 20, 10)
EVENTS_PER_RUN = 20
WAIT_SECONDS = 3


def seed_archive(s3: Any, runs: int) -> tuple[list[str], int]:
    """``runs`` daily run folders, each with a gzipped and a plain part file; the last has bad lines too.

    Each run holds events collected in the hour before its folder's time.

    Returns:
        The run ids and the number of lines written.
    """
    bad = sample_lines("bad-enriched-events.tsv")
    s3.create_bucket(Bucket=BUCKET)
    run_ids, lines = [], 0
    for index in range(runs):
        archived_at = FIRST_RUN + timedelta(days=index)
        run_id = f"enriched/archive/run={archived_at:%Y-%m-%d-%H-%M-%S}/"
        share = [f"{line}\n".encode() for line in realistic_lines(EVENTS_PER_RUN, archived_at, seed=index)]
        half = EVENTS_PER_RUN // 2
        s3.put_object(Bucket=BUCKET, Key=run_id + "part-00000.gz", Body=gzip.compress(b"".join(share[:half])))
        plain = share[half:] + (bad if index == runs - 1 else [])
        s3.put_object(Bucket=BUCKET, Key=run_id + "part-00001", Body=b"".join(plain))
        s3.put_object(Bucket=BUCKET, Key=run_id + "_SUCCESS", Body=b"")
        run_ids.append(run_id)
        lines += half + len(plain)
    return run_ids, lines


def airflow_env(aws: LocalAws, home: Path) -> dict[str, str]:
    """The environment ``airflow dags test`` runs in: a throwaway home and SQLite DB, the local endpoint."""
    connection = {
        "conn_type": "aws",
        "login": LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "password": LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "extra": {"endpoint_url": aws.endpoint_url, "region_name": LOCAL_CREDENTIALS["AWS_DEFAULT_REGION"]},
    }
    return {
        **os.environ,
        **LOCAL_CREDENTIALS,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "example_dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(connection),
        "SNOWPLOW_ARCHIVE_URL": ARCHIVE_URL,
        "SNOWPLOW_OUTPUT_URL": OUTPUT_URL,
        "SNOWPLOW_MANIFEST_TABLE": TABLE,
        "SNOWPLOW_POKE_INTERVAL": "1",
        "SNOWPLOW_WAIT_SECONDS": str(WAIT_SECONDS),
        "SNOWPLOW_SETTLE_SECONDS": str(SETTLE_SECONDS),
        # `airflow dags test` parses the whole DAGs folder: the example DAGs the demo does not run
        # get their required settings too (places in the demo's bucket, a warehouse on a dead
        # port), so that the folder parses without import errors. `--layout` sets its DAG's own.
        "SNOWPLOW_LOADER_URL": f"s3://{BUCKET}/enriched/",
        "SNOWPLOW_TRANSFORMED_URL": f"s3://{BUCKET}/transformed/",
        "SNOWPLOW_WAREHOUSE_DSN": "host=127.0.0.1 port=9 dbname=none",
        "SNOWPLOW_SQS_QUEUE_URL": "http://127.0.0.1:9/000000000000/snowplow-run-markers",
    }


def output_summaries(s3: Any) -> list[dict[str, Any]]:
    """The ``_SUCCESS.json`` summaries the pipeline wrote, one per processed run."""
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix="enriched/json/")
    keys = [o["Key"] for o in listing.get("Contents", []) if o["Key"].endswith(SUCCESS_MARKER)]
    return [json.loads(s3.get_object(Bucket=BUCKET, Key=k)["Body"].read()) for k in sorted(keys)]


def first_event(s3: Any, summary: dict[str, Any]) -> dict[str, Any]:
    """The first good event of a run's output, to show what the JSON looks like."""
    body = s3.get_object(Bucket=BUCKET, Key=summary["good_keys"][0])["Body"].read()
    event: dict[str, Any] = json.loads(gzip.decompress(body).splitlines()[0])
    return event


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=positive_int, default=4, help="run folders to seed (default 4)")
    parser.add_argument(
        "--layout",
        choices=LAYOUT_NAMES,
        default=DEFAULT_LAYOUT,
        help="which run layout to show (default enriched-archive; see docs/layouts.md)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    say(f"== airflow-provider-snowplow demo{'' if args.layout == DEFAULT_LAYOUT else ': ' + args.layout} ==")
    with tempfile.TemporaryDirectory(prefix="snowplow-demo-") as home_dir:
        try:
            if args.layout == DEFAULT_LAYOUT:
                ok = demo(Path(home_dir), args.runs)
            else:
                ok = _other_layout(args.layout, Path(home_dir))
        except AirflowFailed as failed:
            print(f"error: {failed}", file=sys.stderr)
            return 1
    say(f"{'done' if ok else 'FAILED'} in {time.monotonic() - started:.0f} s (temporary files removed)")
    return 0 if ok else 1


def demo(home: Path, run_count: int) -> bool:
    """Every step of the demo, in ``home`` (a temporary Airflow home); True if all went as expected."""
    log = home / "airflow.log"
    say("starting a local AWS endpoint (moto) ...")
    with LocalAws() as aws:
        s3, dynamodb = aws.client("s3"), aws.client("dynamodb")
        manifest = LoadManifest(s3, dynamodb, TABLE, readiness=ReadinessRule(settle_seconds=SETTLE_SECONDS))
        say(f"local AWS endpoint: {aws.endpoint_url}")
        manifest.create_table()
        say(f"created manifest table {TABLE!r} (hash key RunId, on-demand)")
        runs, seeded_lines = seed_archive(s3, run_count)
        say(f"seeded {ARCHIVE_URL} with {len(runs)} runs ({seeded_lines} enriched events)")
        found = manifest.find_pending_runs(ARCHIVE_URL)
        say(f"right after seeding: {len(found.pending)} pending, {len(found.not_ready)} not ready yet:")
        for run in found.not_ready:
            say(f"  {run.describe()}")

        env = airflow_env(aws, home)
        say("migrating a throwaway Airflow metadata DB (SQLite) ...")
        airflow(["db", "migrate"], env, log, lambda: [])
        say(f"running DAG {DAG_ID} with `airflow dags test` ...")
        airflow(["dags", "test", DAG_ID], env, log, PipelineWatcher(manifest, runs))
        summaries = output_summaries(s3)
        loaded = [r for r in runs if manifest.is_loaded(r)]
        say(
            f"  transformed {len(summaries)} runs "
            f"({sum(s['good'] for s in summaries)} events, {sum(s['bad'] for s in summaries)} bad rows), "
            f"marked loaded {len(loaded)}"
        )
        if summaries:
            event = first_event(s3, summaries[0])
            shown = {k: event[k] for k in ("event_id", "event", "collector_tstamp", "app_id") if k in event}
            say(
                f"  first event of {summaries[0]['snowplow_run_id']}: {json.dumps(shown, ensure_ascii=False)}"
            )

        say(
            f"running DAG {DAG_ID} again (nothing is pending: its sensor gives up after {WAIT_SECONDS} s) ..."
        )
        airflow(["dags", "test", DAG_ID], env, log, PipelineWatcher(manifest, []))
        again = manifest.find_pending_runs(ARCHIVE_URL)
        say(f"  pending runs: {len(again.pending)}; loaded: {again.loaded} of {again.run_count}")
        transformed_lines = sum(s["lines"] for s in summaries)
        return (
            len(loaded) == len(runs) == len(summaries)
            and not again.pending
            and transformed_lines == seeded_lines
        )


def _other_layout(layout: str, home: Path) -> bool:
    """``--layout s3-loader`` or ``transformer-output`` in ``home``: see :mod:`demo.layouts`."""
    log = home / "airflow.log"
    say("starting a local AWS endpoint (moto) ...")
    with LocalAws() as aws:
        s3, dynamodb = aws.client("s3"), aws.client("dynamodb")
        LoadManifest(s3, dynamodb, TABLE).create_table()
        say(f"local AWS endpoint: {aws.endpoint_url}; created manifest table {TABLE!r}")
        if layout == "transformer-output":
            return layouts.demo_transformer_output(s3, dynamodb, BUCKET, TABLE)
        env = airflow_env(aws, home)
        say("migrating a throwaway Airflow metadata DB (SQLite) ...")
        airflow(["db", "migrate"], env, log, lambda: [])
        return layouts.demo_s3_loader(
            s3,
            dynamodb,
            BUCKET,
            TABLE,
            lambda dag_id, extra, watch: airflow(["dags", "test", dag_id], {**env, **extra}, log, watch),
        )


if __name__ == "__main__":
    sys.exit(main())
