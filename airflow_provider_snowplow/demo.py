"""The README's main command: the example pipeline, end to end, against an embedded local AWS.

``./dev demo`` runs this module. It starts a moto server on 127.0.0.1, creates a manifest table,
seeds an enriched archive with a few runs of sample events (gzipped and plain part files, a few bad
lines), prints the pending runs, then runs ``example_dags/snowplow_load_runs.py`` with
``airflow dags test`` on a throwaway SQLite metadata DB, twice: the first run loads every run, the
second finds nothing pending. Airflow's own log goes to a file; this prints a summary.

Each seeded run ends with its ``_SUCCESS`` marker, written last as a Hadoop job writes it, so the
demo sets a quiet period of :data:`SETTLE_SECONDS` instead of the default 15 minutes: right after
seeding, the runs show as not ready; by the time the DAG's sensor looks, they are.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from airflow_provider_snowplow.archive.layouts import DEFAULT_LAYOUT, LAYOUT_NAMES
from airflow_provider_snowplow.archive.readiness import ReadinessRule
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.processing.run import SUCCESS_MARKER
from airflow_provider_snowplow.testing.events import sample_lines
from airflow_provider_snowplow.testing.local_aws import LOCAL_CREDENTIALS, LocalAws

BUCKET = "acme-snowplow"
ARCHIVE_URL = f"s3://{BUCKET}/enriched/archive/"
OUTPUT_URL = f"s3://{BUCKET}/enriched/json/"
TABLE = "snowplow-load-manifests"
DAG_ID = "snowplow_load_runs"
SETTLE_SECONDS = 1
REPO = Path(__file__).resolve().parents[1]


def seed_archive(s3: Any, runs: int) -> tuple[list[str], int]:
    """``runs`` run folders, each with a gzipped and a plain part file; the last has bad lines too.

    Returns:
        The run ids and the number of lines written.
    """
    good = sample_lines("enriched-events.tsv")
    bad = sample_lines("bad-enriched-events.tsv")
    s3.create_bucket(Bucket=BUCKET)
    run_ids, lines = [], 0
    for index in range(runs):
        run_id = f"enriched/archive/run=2026-11-{20 + index:02d}-10-00-00/"
        share = good[index * 10 : index * 10 + 20]
        s3.put_object(Bucket=BUCKET, Key=run_id + "part-00000.gz", Body=gzip.compress(b"".join(share[:10])))
        plain = share[10:] + (bad if index == runs - 1 else [])
        s3.put_object(Bucket=BUCKET, Key=run_id + "part-00001", Body=b"".join(plain))
        s3.put_object(Bucket=BUCKET, Key=run_id + "_SUCCESS", Body=b"")
        run_ids.append(run_id)
        lines += 10 + len(plain)
    return run_ids, lines


def airflow_env(aws: LocalAws, home: Path) -> dict[str, str]:
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
        "SNOWPLOW_WAIT_SECONDS": "3",
        "SNOWPLOW_SETTLE_SECONDS": str(SETTLE_SECONDS),
    }


def airflow(args: list[str], env: dict[str, str], log: Path) -> None:
    """Run an ``airflow`` command, its output appended to ``log``; exit with its tail if it fails."""
    with log.open("a") as out:
        done = subprocess.run(
            [str(Path(sys.executable).parent / "airflow"), *args],
            check=False,
            env=env,
            stdout=out,
            stderr=out,
        )
    if done.returncode != 0:
        tail = log.read_text().splitlines()[-40:]
        sys.exit(
            f"`airflow {' '.join(args)}` failed (exit {done.returncode}); last lines of {log}:\n"
            + "\n".join(tail)
        )


def output_summaries(s3: Any) -> list[dict[str, Any]]:
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix="enriched/json/")
    keys = [o["Key"] for o in listing.get("Contents", []) if o["Key"].endswith(SUCCESS_MARKER)]
    return [json.loads(s3.get_object(Bucket=BUCKET, Key=k)["Body"].read()) for k in sorted(keys)]


def first_event(s3: Any, summary: dict[str, Any]) -> dict[str, Any]:
    body = s3.get_object(Bucket=BUCKET, Key=summary["good_keys"][0])["Body"].read()
    event: dict[str, Any] = json.loads(gzip.decompress(body).splitlines()[0])
    return event


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=4, help="run folders to seed (default 4)")
    parser.add_argument(
        "--layout",
        choices=LAYOUT_NAMES,
        default=DEFAULT_LAYOUT,
        help="which run layout to show (default enriched-archive; see the README's table of layouts)",
    )
    args = parser.parse_args(argv)
    if not (REPO / "example_dags" / f"{DAG_ID}.py").is_file():
        print(
            f"error: the demo runs example_dags/{DAG_ID}.py from a source checkout, and there is none "
            f"beside this package ({REPO}): clone the repository and run ./dev demo",
            file=sys.stderr,
        )
        return 2
    if args.layout != DEFAULT_LAYOUT:
        return _other_layout(args.layout)
    started = time.monotonic()
    home = Path(tempfile.mkdtemp(prefix="snowplow-demo-"))
    log = home / "airflow.log"
    print("== airflow-provider-snowplow demo ==")
    with LocalAws() as aws:
        s3, dynamodb = aws.client("s3"), aws.client("dynamodb")
        manifest = LoadManifest(s3, dynamodb, TABLE, readiness=ReadinessRule(settle_seconds=SETTLE_SECONDS))
        print(f"local AWS endpoint (moto): {aws.endpoint_url}")
        manifest.create_table()
        print(f"created manifest table {TABLE!r} (hash key RunId, on-demand)")
        runs, seeded_lines = seed_archive(s3, args.runs)
        print(f"seeded {ARCHIVE_URL} with {len(runs)} runs ({seeded_lines} enriched events)")
        found = manifest.find_pending_runs(ARCHIVE_URL)
        print(f"right after seeding: {len(found.pending)} pending, {len(found.not_ready)} not ready yet:")
        for run in found.not_ready:
            print(f"  {run.describe()}")

        env = airflow_env(aws, home)
        print(f"migrating the Airflow metadata DB (SQLite under {home}) ...")
        airflow(["db", "migrate"], env, log)
        print(f"running DAG {DAG_ID} with `airflow dags test` (log: {log}) ...")
        airflow(["dags", "test", DAG_ID], env, log)
        summaries = output_summaries(s3)
        loaded = [r for r in runs if manifest.is_loaded(r)]
        print(
            f"  transformed {len(summaries)} runs "
            f"({sum(s['good'] for s in summaries)} events, {sum(s['bad'] for s in summaries)} bad rows), "
            f"marked loaded {len(loaded)}"
        )
        for summary in summaries:
            print(
                f"  {summary['output_url']}: {summary['lines']} lines -> {summary['good']} good, {summary['bad']} bad"
            )
        if summaries:
            event = first_event(s3, summaries[0])
            shown = {k: event[k] for k in ("event_id", "event", "collector_tstamp", "app_id") if k in event}
            print(f"  first event of {summaries[0]['snowplow_run_id']}: {json.dumps(shown)}")

        print(f"running DAG {DAG_ID} again ...")
        airflow(["dags", "test", DAG_ID], env, log)
        again = manifest.find_pending_runs(ARCHIVE_URL)
        print(f"  pending runs: {len(again.pending)}; loaded: {again.loaded} of {again.run_count}")
        transformed_lines = sum(s["lines"] for s in summaries)
        ok = (
            len(loaded) == len(runs) == len(summaries)
            and not again.pending
            and transformed_lines == seeded_lines
        )
    print(f"{'done' if ok else 'FAILED'} in {time.monotonic() - started:.0f} s")
    return 0 if ok else 1


def _other_layout(layout: str) -> int:
    """``--layout s3-loader`` or ``transformer-output``: see :mod:`airflow_provider_snowplow.demo_layouts`."""
    from airflow_provider_snowplow import demo_layouts

    started = time.monotonic()
    home = Path(tempfile.mkdtemp(prefix="snowplow-demo-"))
    log = home / "airflow.log"
    print(f"== airflow-provider-snowplow demo: {layout} ==")
    with LocalAws() as aws:
        s3, dynamodb = aws.client("s3"), aws.client("dynamodb")
        LoadManifest(s3, dynamodb, TABLE).create_table()
        print(f"local AWS endpoint (moto): {aws.endpoint_url}; manifest table {TABLE!r}")
        if layout == "transformer-output":
            ok = demo_layouts.demo_transformer_output(s3, dynamodb, BUCKET, TABLE)
        else:
            env = airflow_env(aws, home)
            print(f"migrating the Airflow metadata DB (SQLite under {home}) ...")
            airflow(["db", "migrate"], env, log)
            ok = demo_layouts.demo_s3_loader(
                s3,
                dynamodb,
                BUCKET,
                TABLE,
                lambda dag_id, extra: airflow(["dags", "test", dag_id], {**env, **extra}, log),
            )
    print(f"{'done' if ok else 'FAILED'} in {time.monotonic() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
