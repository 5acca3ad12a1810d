"""The manifest CLI, run as the operator runs it: a subprocess against the moto server over HTTP.

``snowplow-manifest`` is run as ``python -m airflow_provider_snowplow.cli`` (the same ``main``);
``airflow snowplow`` through Airflow's own ``main()``, parser and provider discovery.
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from airflow_provider_snowplow.cli.terminal import PROGRESS_AFTER_STEPS
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.manifest.items import now_iso
from airflow_provider_snowplow.testing.archive import Archive
from airflow_provider_snowplow.testing.layouts import hourly_writes, put_loader_objects, put_transformer_run
from airflow_provider_snowplow.testing.local_aws import LocalAws
from airflow_provider_snowplow.testing.sdk import run_sdk
from tests.integration.cli_runs import CONSOLE, READY_WHEN_SEEDED, Cli, lines, table_items
from tests.support import REPO

CLI_DOC = (REPO / "docs" / "cli.md").read_text()

# Airflow made unimportable: the console script must not need it without --conn-id.
WITHOUT_AIRFLOW = """
import sys
sys.modules["airflow"] = None
from airflow_provider_snowplow.cli.console import main
code = main()
assert not any(name == "airflow" or name.startswith("airflow.") for name in sys.modules if sys.modules[name])
sys.exit(code)
"""


def enriched_rule(settle_seconds: float) -> dict[str, object]:
    """The ``readiness`` of a JSON report on the enriched archive with the default marker."""
    return {
        "layout": "enriched-archive",
        "rule": f"marker '_SUCCESS', {settle_seconds:.0f} s quiet",
        "marker": "_SUCCESS",
        "settle_seconds": settle_seconds,
        "window_seconds": None,
        "grace_seconds": None,
    }


def expired_claim(manifest: LoadManifest, run_id: str, owner: str) -> None:
    """A claim whose one-minute lease ran out an hour ago."""
    s3, dynamodb = manifest.clients["s3"], manifest.clients["dynamodb"]
    past = LoadManifest(s3, dynamodb, manifest.table_name, clock=lambda: time.time() - 3600)
    assert past.claim_run(run_id, owner, lease_seconds=60).won


def test_create_table_makes_the_sdk_layout_and_is_idempotent(aws: LocalAws, s3, dynamodb) -> None:  # type: ignore[no-untyped-def]
    cli = Cli(aws.endpoint_url, "made-by-cli")
    for _ in range(2):
        done = cli("create-table", "--billing-mode", "PROVISIONED")
        assert (done.returncode, done.stdout) == (0, "manifest table 'made-by-cli' is ACTIVE (PROVISIONED)\n")
    existing = cli("create-table", "--billing-mode", "PAY_PER_REQUEST")
    assert existing.stdout == "manifest table 'made-by-cli' is ACTIVE (PROVISIONED)\n", "the table's mode"
    table = LoadManifest(s3, dynamodb, "made-by-cli").describe_table()
    assert table["KeySchema"] == [{"AttributeName": "RunId", "KeyType": "HASH"}]


def test_aws_errors_are_one_line_with_exit_code_3(cli: Cli, archive: Archive) -> None:
    archive.add_run("2017-01-01-00-00-00")
    for args in (
        ("status", archive.url),
        ("pending", archive.url),
        ("unmark", archive.run_id("2017-01-01-00-00-00")),
    ):
        done = cli(*args, table="missing-table")
        assert done.returncode == 3, done.stderr
        assert done.stdout == ""
        assert len(lines(done.stderr)) == 1 and done.stderr.startswith("error: "), done.stderr
        assert (
            "manifest table 'missing-table' does not exist in us-east-1; create it with "
            "SnowplowManifestHook(table_name=...).create_manifest_table() or `snowplow-manifest create-table`"
        ) in done.stderr
    done = cli("status", "s3://no-such-bucket/archive/")
    assert (
        done.returncode == 3 and "bucket 'no-such-bucket'" in done.stderr and "Traceback" not in done.stderr
    )


def test_usage_errors_exit_with_2_and_change_nothing(
    cli: Cli, archive: Archive, manifest: LoadManifest
) -> None:
    run = archive.add_run("2017-01-01-00-00-00")
    cases = [
        (("mark-loaded", run, run.rstrip("/")), "(add the trailing slash)"),
        (("skip", run, f"s3://{archive.bucket}/{run}"), "drop the s3://bucket/ part"),
        (("status", "http://acme/archive/"), "must start with s3://"),
        (("skip",), "name the runs to skip"),
        (("skip", run, "--before", "2017-02-01"), "not both"),
        (("skip", "--before", "2017-02-01"), "--before needs --archive-url"),
        (("skip", "--before", "last tuesday", "--archive-url", archive.url), "is not a date"),
        (("pending", archive.url, "--max", "0"), "must be a positive whole number"),
        (("no-such-command",), "invalid choice"),
    ]
    for args, message in cases:
        done = cli(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert message in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr
    assert manifest.get_record(run) is None
    no_table = cli(
        "status",
        archive.url,
        connection=["--endpoint-url", cli.endpoint_url],
        environment={"SNOWPLOW_MANIFEST_TABLE": None},
    )
    assert no_table.returncode == 2
    assert "pass --table NAME or set $SNOWPLOW_MANIFEST_TABLE" in no_table.stderr
    bad_table = cli("status", archive.url, table="ab")
    assert bad_table.returncode == 2
    assert "'ab' is not a valid DynamoDB table name" in bad_table.stderr


def test_status_counts_every_state(cli: Cli, archive: Archive, manifest: LoadManifest) -> None:
    loaded = archive.add_run("2017-01-01-00-00-00")
    skipped = archive.add_run("2017-01-02-00-00-00")
    glacier = archive.add_run("2017-01-03-00-00-00", storage_class="GLACIER")
    claimed = archive.add_run("2017-01-04-00-00-00")
    stale = archive.add_run("2017-01-05-00-00-00")
    pending = archive.add_run("2017-01-06-00-00-00")
    unfinished = archive.add_run("2017-01-07-00-00-00", marker=None)
    manifest.mark_loaded(loaded)
    manifest.mark_skipped(skipped)
    assert manifest.claim_run(claimed, "snowplow_load/manual__1").won
    claim = manifest.get_claim(claimed)
    assert claim is not None
    expired_claim(manifest, stale, "dead-worker")
    dead = manifest.get_claim(stale)
    assert dead is not None

    report = cli.json("status", archive.url)
    assert isinstance(report, dict)
    (not_ready,) = report.pop("not_ready_runs")
    assert not_ready.pop("age_seconds") >= 0
    assert not_ready == {"run_id": unfinished, "waiting_for": "marker '_SUCCESS'"}
    assert report == {
        "archive_url": archive.url,
        "table": manifest.table_name,
        "runs": 7,
        "loaded": 1,
        "skipped": 1,
        "pending": 2,
        "claimed": 1,
        "archived": 1,
        "not_ready": 1,
        "readiness": enriched_rule(0.0),
        "oldest_pending": stale,
        "claims": [
            {
                "run_id": claimed,
                "owner": "snowplow_load/manual__1",
                "claimed_at": now_iso(claim.claimed_at),
                "lease_expires_at": now_iso(claim.lease_expires_at),
            }
        ],
        "archived_runs": [glacier],
        "expired_claims": [
            {
                "run_id": stale,
                "owner": "dead-worker",
                "claimed_at": now_iso(dead.claimed_at),
                "lease_expires_at": now_iso(dead.lease_expires_at),
            }
        ],
        "ignored": [],
        "hint": None,
    }
    done = cli("status", archive.url)
    assert done.returncode == 0 and done.stderr == ""
    shown = lines(done.stdout)
    assert shown[-1].startswith(f"  {unfinished}  newest object ")
    assert shown[-1].endswith(" s old, waiting for marker '_SUCCESS'")
    assert shown[:-1] == [
        f"archive         {archive.url}",
        f"manifest table  {manifest.table_name}",
        "runs            7",
        "loaded          1",
        "skipped         1",
        f"pending         2  oldest: {stale}",
        f"  {stale}  claimed by 'dead-worker', lease expired {now_iso(dead.lease_expires_at)}: pending again",
        "claimed         1",
        f"  {claimed}  claimed by 'snowplow_load/manual__1', lease expires {now_iso(claim.lease_expires_at)}",
        "archived        1  in GLACIER or DEEP_ARCHIVE: restore before loading",
        f"  {glacier}",
        "not ready       1  still being written? (marker '_SUCCESS', 0 s quiet)",
    ]
    assert pending not in done.stdout


def test_status_and_pending_show_runs_not_ready_by_the_marker_and_quiet_period(
    cli: Cli, archive: Archive
) -> None:
    complete = archive.add_run("2017-01-01-00-00-00")
    copying = archive.add_run("2017-01-02-00-00-00", marker=None)
    waiting = cli("pending", archive.url, "--settle", "900")  # the default: nothing is old enough
    assert (waiting.returncode, waiting.stdout) == (0, "")
    assert [line.split(" newest object ")[0] for line in lines(waiting.stderr)] == [
        f"(not ready: {complete}",
        f"(not ready: {copying}",
    ]
    assert "waiting for a 900 s quiet period)" in waiting.stderr
    assert "waiting for marker '_SUCCESS')" in waiting.stderr
    report = cli.json("pending", archive.url, "--settle", "900")
    assert isinstance(report, dict)
    assert [(r["run_id"], r["waiting_for"]) for r in report["not_ready"]] == [
        (complete, "a 900 s quiet period"),
        (copying, "marker '_SUCCESS'"),
    ]
    assert report["readiness"] == enriched_rule(900.0)
    assert lines(cli("pending", archive.url).stdout) == [complete]  # --settle 0
    assert lines(cli("pending", archive.url, "--marker", "").stdout) == [complete, copying]
    status = cli.json("status", archive.url, "--marker", "_DONE", "--settle", "0")
    assert isinstance(status, dict)
    assert (status["pending"], status["not_ready"]) == (0, 2)


def test_pending_lists_oldest_first_with_max_json_and_exit_code(
    cli: Cli, archive: Archive, manifest: LoadManifest
) -> None:
    runs = archive.add_runs(4)
    manifest.mark_loaded(runs[1])
    done = cli("pending", archive.url)
    assert (done.returncode, lines(done.stdout), done.stderr) == (0, [runs[0], runs[2], runs[3]], "")
    capped = cli("pending", archive.url, "--max", "2", "--exit-code")
    assert (capped.returncode, lines(capped.stdout)) == (0, [runs[0], runs[2]])
    assert capped.stderr == "(more runs are pending beyond --max 2)\n"
    assert cli.json("pending", archive.url, "--max", "2") == {
        "archive_url": archive.url,
        "table": manifest.table_name,
        "pending": [runs[0], runs[2]],
        "more_pending": True,
        "not_ready": [],
        "readiness": enriched_rule(0.0),
        "ignored": [],
        "hint": None,
    }
    for run in (runs[0], runs[2], runs[3]):
        manifest.mark_loaded(run)
    assert cli.json("pending", archive.url)["pending"] == []  # type: ignore[index]
    nothing = cli("pending", archive.url)
    assert (nothing.returncode, nothing.stdout) == (0, "")
    nothing = cli("pending", archive.url, "--exit-code")
    assert (nothing.returncode, nothing.stdout) == (1, "")


def test_mark_loaded_is_idempotent_and_leaves_skipped_runs_alone(
    cli: Cli, archive: Archive, manifest: LoadManifest
) -> None:
    fresh, again, skipped = archive.add_runs(3)
    manifest.mark_loaded(again, loaded_by="dag/run-1")
    manifest.mark_skipped(skipped)
    done = cli("mark-loaded", fresh, again, "--by", "ops/alice", "--archive-url", archive.url)
    assert done.returncode == 6, done.stderr
    assert lines(done.stdout)[0] == f"loaded          {fresh}"
    assert lines(done.stdout)[1].startswith(f"already loaded  {again} (at ") and "by dag/run-1" in done.stdout
    assert lines(done.stdout)[1].endswith(": nothing written")
    record = manifest.get_record(fresh)
    assert record is not None and (record.status, record.loaded_by) == ("LOADED", "ops/alice")
    conflict = cli("mark-loaded", skipped, again, "--archive-url", archive.url)
    assert conflict.returncode == 1
    assert conflict.stdout.startswith(f"left SKIPPED    {skipped} (at ")
    assert "unmark it first" in conflict.stdout
    assert manifest.get_record(skipped).status == "SKIPPED"  # type: ignore[union-attr]


@pytest.fixture
def recorded(archive: Archive, manifest: LoadManifest) -> tuple[str, str, str]:
    """Three runs of the archive: one loaded (by ``dag/run-1``), one skipped, one never recorded."""
    loaded, skipped, unrecorded = archive.add_runs(3)
    manifest.mark_loaded(loaded, loaded_by="dag/run-1")
    manifest.mark_skipped(skipped)
    return loaded, skipped, unrecorded


def test_unmark_asks_for_confirmation(
    cli: Cli, recorded: tuple[str, str, str], manifest: LoadManifest, aws: LocalAws
) -> None:
    loaded, skipped, unrecorded = recorded
    for answer in ("n\n", "", "whatever\n"):
        declined = cli("unmark", loaded, skipped, stdin=answer)
        assert declined.returncode == 4, declined.stderr
        assert (
            f"  {loaded}  LOADED (at " in declined.stderr and f"  {skipped}  SKIPPED (at " in declined.stderr
        )
        assert "Delete the records of 2 runs? [y/N]" in declined.stderr
        assert "aborted: nothing was changed" in declined.stderr
        assert manifest.is_loaded(loaded) and manifest.is_recorded(skipped)
    agreed = cli("unmark", loaded, unrecorded, stdin="y\n")
    assert agreed.returncode == 6, agreed.stderr
    assert lines(agreed.stdout) == [
        f"not recorded    {unrecorded}: nothing to unmark",
        f"unmarked        {loaded}",
    ]
    assert not manifest.is_loaded(loaded)
    aws.request_counts(reset=True)
    unattended = cli("unmark", skipped, unrecorded, "--yes")
    assert (unattended.returncode, unattended.stdout, unattended.stderr) == (
        6,
        f"unmarked        {skipped}\nnot recorded    {unrecorded}: nothing to unmark\n",
        "",
    )
    assert aws.request_counts() == {"dynamodb:DescribeTable": 1, "dynamodb:DeleteItem": 2}, (
        "with --yes no item is read first, only the table's key schema is checked"
    )
    assert not manifest.is_recorded(skipped)
    nothing = cli("unmark", skipped)
    assert (nothing.returncode, nothing.stdout, nothing.stderr) == (
        6,
        f"not recorded    {skipped}: nothing to unmark\n",
        "",
    )


def test_skip_named_runs_leaves_loaded_and_claimed_runs_alone(
    cli: Cli, archive: Archive, manifest: LoadManifest
) -> None:
    fresh, loaded, claimed, stale = archive.add_runs(4)
    manifest.mark_loaded(loaded)
    assert manifest.claim_run(claimed, "dag/run-9").won
    expired_claim(manifest, stale, "dead-worker")
    done = cli("skip", fresh, stale, "--by", "ops/backfill", "--archive-url", archive.url)
    assert (done.returncode, lines(done.stdout)) == (
        0,
        [f"skipped         {fresh}", f"skipped         {stale}"],
    )
    record = manifest.get_record(fresh)
    assert record is not None and (record.status, record.loaded_by) == ("SKIPPED", "ops/backfill")
    again = cli("skip", fresh, "--archive-url", archive.url)
    assert again.returncode == 6 and again.stdout.startswith(f"already skipped {fresh} (at ")
    conflicts = cli("skip", loaded, claimed, "--archive-url", archive.url)
    assert conflicts.returncode == 1
    assert lines(conflicts.stdout)[0].startswith(f"left LOADED     {loaded}")
    assert lines(conflicts.stdout)[1].startswith(
        f"left claimed    {claimed}: claimed by 'dag/run-9', lease expires "
    )
    assert manifest.get_record(loaded).status == "LOADED"  # type: ignore[union-attr]
    assert manifest.get_record(claimed) is None


def test_skip_before_a_date_confirms_then_counts(cli: Cli, archive: Archive, manifest: LoadManifest) -> None:
    runs = archive.add_runs(6)  # 2017-01-01, hourly from 00:00 to 05:00
    manifest.mark_loaded(runs[0])
    assert manifest.claim_run(runs[1], "dag/run-1").won
    archived = archive.add_run("2017-01-01-02-30-00", storage_class="GLACIER")
    args = ("skip", "--before", "2017-01-01T04:00:00", "--archive-url", archive.url)
    declined = cli(*args, stdin="n\n")
    assert declined.returncode == 4
    assert (
        f"3 runs before 2017-01-01 04:00:00 will never be loaded: {runs[2]} ... {runs[3]} "
        "(1 already recorded, 1 claimed: left alone; 2 at or after the cut-off)"
    ) in declined.stderr
    assert "Record 3 runs as skipped? [y/N]" in declined.stderr
    assert [manifest.get_record(r) for r in (runs[2], archived, runs[3])] == [None, None, None]
    agreed = cli(*args, stdin="y\n")
    assert agreed.returncode == 0, agreed.stderr
    assert (
        agreed.stdout
        == "skipped 3 runs before 2017-01-01 04:00:00 (1 already recorded, 1 claimed: left alone)\n"
    )
    statuses = {r: getattr(manifest.get_record(r), "status", None) for r in [*runs, archived]}
    assert statuses == {
        runs[0]: "LOADED",
        runs[1]: None,
        runs[2]: "SKIPPED",
        archived: "SKIPPED",
        runs[3]: "SKIPPED",
        runs[4]: None,
        runs[5]: None,
    }
    again = cli(*args, "--yes")
    assert again.returncode == 6
    assert again.stdout == (
        "no run before 2017-01-01 04:00:00 to skip (4 already recorded, 1 claimed: left alone): nothing written\n"
    )
    by_folder_name = cli("skip", "--before", "run=2017-01-01-05-00-00", "--archive-url", archive.url, "--yes")
    assert by_folder_name.stdout.startswith("skipped 1 run before 2017-01-01 05:00:00")
    assert manifest.get_record(runs[4]).status == "SKIPPED"  # type: ignore[union-attr]


def test_skipped_runs_are_pending_neither_for_us_nor_for_the_snowplow_sdk(
    cli: Cli, aws: LocalAws, archive: Archive, manifest: LoadManifest
) -> None:
    runs = archive.add_runs(5)
    manifest.mark_loaded(runs[3])
    done = cli("skip", "--before", "2017-01-01T02:00", "--archive-url", archive.url, "--yes")
    assert done.returncode == 0, done.stderr
    sdk_pending = run_sdk(
        "result = [r for r in sdk.list_runids(s3, args['url']) if not sdk.is_in_manifest(dynamodb, args['table'], r)]",
        aws.endpoint_url,
        url=archive.url,
        table=manifest.table_name,
    )
    assert sdk_pending == [runs[2], runs[4]]
    assert lines(cli("pending", archive.url).stdout) == sdk_pending
    report = cli.json("status", archive.url)
    assert (report["loaded"], report["skipped"], report["pending"]) == (1, 2, 2)  # type: ignore[index]


def test_release_drops_stale_claims_and_confirms_live_ones(
    cli: Cli, archive: Archive, manifest: LoadManifest
) -> None:
    live, stale, unclaimed = archive.add_runs(3)
    assert manifest.claim_run(live, "dag/run-1").won
    expired_claim(manifest, stale, "dead-worker")
    done = cli("release", stale)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(f"released claim on {stale} (claimed by 'dead-worker', lease expired ")
    assert manifest.get_claim(stale) is None
    declined = cli("release", live, stdin="n\n")
    assert declined.returncode == 4
    assert f"{live} is claimed by 'dag/run-1', lease expires " in declined.stderr
    assert "Release the claim anyway? [y/N]" in declined.stderr
    assert manifest.get_claim(live) is not None
    agreed = cli("release", live, stdin="y\n")
    assert agreed.returncode == 0 and agreed.stdout.startswith(f"released claim on {live}")
    assert manifest.get_claim(live) is None
    assert manifest.claim_run(live, "dag/run-2").won
    assert cli("release", live, "--yes").returncode == 0
    assert manifest.find_pending_runs(archive.url).pending == [live, stale, unclaimed]
    nothing = cli("release", unclaimed)
    assert (nothing.returncode, nothing.stdout) == (6, f"no claim on {unclaimed}: nothing to release\n")


def test_progress_shows_on_a_terminal_only(cli: Cli, archive: Archive) -> None:
    runs = archive.add_runs(30)  # 30 run listings: long work
    piped = cli("pending", archive.url)
    assert (piped.returncode, lines(piped.stdout), piped.stderr) == (0, runs, "")
    command = [*CONSOLE, "pending", archive.url, "--table", cli.table, "--endpoint-url", cli.endpoint_url]
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [*command, *READY_WHEN_SEEDED],
            stdout=terminal,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            timeout=120,
            check=False,
        )
        shown = os.read(controller, 1 << 16).decode()
    finally:
        os.close(controller)
        os.close(terminal)
    assert done.returncode == 0
    assert lines(shown) == runs
    first_drawn = f"\rreading archive and manifest, AWS requests: {PROGRESS_AFTER_STEPS} (".encode()
    assert first_drawn in done.stderr
    assert done.stderr.endswith(b"\r"), "the progress line is erased when done"


def test_console_script_needs_no_airflow(cli: Cli, archive: Archive) -> None:
    run = archive.add_run("2017-01-01-00-00-00")
    without_airflow = [sys.executable, "-c", WITHOUT_AIRFLOW]
    done = cli("mark-loaded", run, "--archive-url", archive.url, program=without_airflow)
    assert done.returncode == 0, done.stderr
    done = cli("status", archive.url, "--json", program=without_airflow)
    assert (done.returncode, json.loads(done.stdout)["loaded"]) == (0, 1)
    needs_airflow = cli(
        "status", archive.url, program=without_airflow, connection=["-t", cli.table, "--conn-id", "x"]
    )
    assert needs_airflow.returncode == 3
    assert needs_airflow.stderr.startswith("error: --conn-id needs Airflow and its Amazon provider")


def test_console_script_with_an_airflow_connection(
    cli: Cli, archive: Archive, manifest: LoadManifest, aws_connection: str
) -> None:
    run = archive.add_run("2017-01-01-00-00-00")
    through_airflow = ["--table", cli.table, "--conn-id", aws_connection]
    done = cli("mark-loaded", run, "--by", "ops", "--archive-url", archive.url, connection=through_airflow)
    assert (done.returncode, done.stdout) == (0, f"loaded          {run}\n"), done.stderr
    report = cli("status", archive.url, "--json", connection=through_airflow)
    assert json.loads(report.stdout)["loaded"] == 1, "Airflow's log lines must stay off stdout"
    both = cli("status", archive.url, connection=[*through_airflow, "--endpoint-url", cli.endpoint_url])
    assert both.returncode == 2 and "pass one or the other" in both.stderr
    bad_table = cli("status", archive.url, connection=["--table", "ab", "--conn-id", aws_connection])
    assert bad_table.returncode == 2
    assert (
        "error: argument -t/--table: 'ab' is not a valid DynamoDB table name" in lines(bad_table.stderr)[-1]
    )
    unknown = cli("status", archive.url, connection=["--table", cli.table, "--conn-id", "no_such_conn"])
    assert unknown.returncode == 3
    assert lines(unknown.stderr)[-1].startswith("error: Airflow connection 'no_such_conn': ")


def test_airflow_snowplow_commands(
    cli: Cli, archive: Archive, manifest: LoadManifest, airflow_db: Path, aws_connection: str
) -> None:
    run = archive.add_run("2017-01-01-00-00-00")
    airflow = [str(Path(sys.executable).parent / "airflow"), "snowplow"]
    done = cli("status", archive.url, "--json", program=airflow, connection=["-t", cli.table])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["oldest_pending"] == run
    manifest.mark_loaded(run)
    declined = cli("unmark", run, stdin="n\n", program=airflow, connection=["-t", cli.table])
    assert declined.returncode == 4, declined.stderr
    assert "Delete the records of 1 run? [y/N]" in declined.stderr
    assert manifest.is_loaded(run)


def test_the_json_keys_are_the_documented_ones(cli: Cli, archive: Archive) -> None:
    archive.add_run("2017-01-01-00-00-00")
    documented = [
        json.loads(block)
        for block in re.findall(
            r"^\$ snowplow-manifest \w+ [^\n]*--json\n(\{.*?^\})", CLI_DOC, re.MULTILINE | re.DOTALL
        )
    ]
    reports = [cli.json(command, archive.url) for command in ("status", "pending", "verify")]
    assert [set(example) for example in documented] == [set(cast(dict[str, Any], r)) for r in reports]
    claim_keys = set(documented[0]["claims"][0])
    assert {"run_id", "owner", "claimed_at", "lease_expires_at"} == claim_keys


def test_layout_options_find_s3_loader_hours_and_refuse_what_cannot_match(
    cli: Cli, archive: Archive, manifest: LoadManifest
) -> None:
    """S3 Loader partitions (``DynamicPath.scala`` of snowplow-s3-loader 3.2.0, via the testing kit)."""
    hourly = "date={yyyy}-{MM}-{dd}/hour={HH}"
    writes = hourly_writes(datetime(2026, 11, 30, 6), 3)
    put_loader_objects(archive.s3, archive.bucket, archive.prefix, writes, hourly)
    runs = [f"{archive.prefix}date=2026-11-30/hour={hour:02d}/" for hour in (6, 7, 8)]
    layout = ("--layout", "s3-loader", "--partition-format", hourly)
    done = cli("pending", archive.url, *layout, "--max", "2")
    assert (done.returncode, lines(done.stdout)) == (0, runs[:2]), done.stderr
    assert cli("mark-loaded", runs[0], *layout, "--archive-url", archive.url).returncode == 0
    assert lines(cli("pending", archive.url, *layout).stdout) == runs[1:]
    cases = [
        (("pending", archive.url, "--layout", "s3-loader", "--partition-format", "{HH}/x"), "in that order"),
        (("pending", archive.url, "--layout", "s3_loader"), "invalid choice"),
        (("pending", archive.url), "it looks like s3-loader output: set the layout to 's3-loader'"),
        (("mark-loaded", runs[1]), "not a Snowplow run id"),
    ]
    for args, message in cases:
        failed = cli(*args)
        assert failed.returncode == 2, (args, failed.stderr)
        assert message in failed.stderr and "Traceback" not in failed.stderr, (args, failed.stderr)


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The command's only stderr line, which must not be a traceback."""
    assert len(lines(done.stderr)) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines(done.stderr)[0]


def test_verify_and_skip_before_of_an_archive_url_without_runs_fail_saying_what_is_there(
    cli: Cli, archive: Archive, manifest: LoadManifest, dynamodb: Any
) -> None:
    run = archive.add_run("2017-01-01-00-00-00")
    manifest.mark_loaded(run)  # the table holds records of the archive: still no pass
    before = table_items(dynamodb, manifest.table_name)
    typo = archive.url.replace("archive/", "archve/")
    expected = (
        f"error: no runs: nothing is stored under {typo}; s3://{archive.bucket}/enriched/ holds the "
        "folder archive/: check the archive URL"
    )
    for args in (
        ("verify", typo),
        ("verify", typo, "--json", "--since", "2017-01-01"),
        ("skip", "--before", "2017-02-01", "--archive-url", typo, "--yes"),
    ):
        done = cli(*args)
        assert (done.returncode, done.stdout, one_line(done)) == (2, "", expected), args
    itself = cli("verify", archive.url + "run=2017-01-01-00-00-00/")
    assert (itself.returncode, one_line(itself)) == (
        2,
        f"error: no runs: {archive.url}run=2017-01-01-00-00-00/ is itself a run folder: the archive is "
        f"{archive.url}",
    )
    assert table_items(dynamodb, manifest.table_name) == before
    clean = cli("verify", archive.url)
    assert clean.returncode == 0 and clean.stdout.startswith(f"1 loaded run(s) of {archive.url} checked")


def test_verify_refuses_the_layout_pending_refuses_with_the_same_line(
    cli: Cli, archive: Archive, dynamodb: Any, table: str
) -> None:
    archive.add_run("2017-01-01-00-00-00")
    expected = (
        f"error: {archive.url} holds objects but no run of the s3-loader layout (run ids look like "
        "'enriched/2026-11-30-10/'); it looks like enriched-archive output: set the layout to 'enriched-archive'"
    )
    for command in ("verify", "pending", "status"):
        done = cli(command, archive.url, "--layout", "s3-loader")
        assert (done.returncode, done.stdout, one_line(done)) == (2, "", expected), command
    assert table_items(dynamodb, table) == []


def test_writes_by_hand_are_checked_against_the_archive_unless_told_not_to(
    cli: Cli, archive: Archive, dynamodb: Any, table: str
) -> None:
    run = archive.add_run("2017-01-01-00-00-00")
    url = archive.url
    other_prefix = run.replace("enriched/archive/", "enriched/archve/")
    no_objects = archive.run_id("2017-01-01-01-00-00")
    dotted = f"{archive.prefix}../archive/run=2017-01-01-00-00-00/"
    need = (
        "checks each run against its archive before writing: pass --archive-url ARCHIVE_URL (or "
        "--no-archive-check to write the run ids unchecked)"
    )
    cases = [
        (("mark-loaded", run), f"error: mark-loaded {need}"),
        (("skip", run), f"error: skip {need}"),
        (
            ("mark-loaded", run, "--archive-url", url, "--no-archive-check"),
            "error: mark-loaded: pass --archive-url or --no-archive-check, not both",
        ),
        (
            ("mark-loaded", run, other_prefix, "--archive-url", url),
            f"error: run {other_prefix!r} is not in archive {url}: its runs are "
            f"'{archive.prefix}run=YYYY-MM-DD-HH-MM-SS/' (check the run id, or the archive URL)",
        ),
        (
            ("skip", run, no_objects, "--archive-url", url),
            f"error: run {no_objects!r} is not in archive {url}: no object of it is stored there in the "
            "enriched-archive layout (check the run id, the archive URL and the layout)",
        ),
        (
            ("mark-loaded", dotted, "--no-archive-check"),
            f"error: {dotted!r} is not a Snowplow run id: expected a run folder prefix like "
            "'enriched/archive/run=2017-04-07-10-00-00/' (it has a '..' path segment: S3 keys have no "
            "relative paths, write the run's own prefix)",
        ),
        (
            (
                "skip",
                "enriched/../date=2026-11-30/hour=10/",
                "--no-archive-check",
                "--layout",
                "s3-loader",
                "--partition-format",
                "date={yyyy}-{MM}-{dd}/hour={HH}",
            ),
            "error: 'enriched/../date=2026-11-30/hour=10/' is not a run id of the s3-loader layout: expected a "
            "key prefix like 'enriched/date=2026-11-30/hour=10/' (it has a '..' path segment: S3 keys have "
            "no relative paths, write the run's own prefix)",
        ),
    ]
    for args, expected in cases:
        done = cli(*args)
        assert (done.returncode, done.stdout, one_line(done)) == (2, "", expected), args
    assert table_items(dynamodb, table) == [], "nothing written, not even the runs that were fine"
    unchecked = cli("mark-loaded", other_prefix, "--no-archive-check")
    assert (unchecked.returncode, unchecked.stdout, unchecked.stderr) == (
        0,
        f"loaded          {other_prefix}\n",
        "note: runs not checked against any archive (--no-archive-check)\n",
    )
    assert [item["RunId"]["S"] for item in table_items(dynamodb, table)] == [other_prefix]


def test_a_write_that_changes_nothing_says_so_with_exit_code_6(
    cli: Cli, archive: Archive, recorded: tuple[str, str, str], manifest: LoadManifest, dynamodb: Any
) -> None:
    loaded, skipped, unrecorded = recorded
    before = table_items(dynamodb, manifest.table_name)
    in_archive = ("--archive-url", archive.url)
    cases = [
        (("mark-loaded", loaded, *in_archive), f"already loaded  {loaded} (at "),
        (("skip", skipped, *in_archive), f"already skipped {skipped} (at "),
        (("unmark", unrecorded), f"not recorded    {unrecorded}: nothing to unmark"),
        (("unmark", unrecorded, "--yes"), f"not recorded    {unrecorded}: nothing to unmark"),
        (("release", unrecorded), f"no claim on {unrecorded}: nothing to release"),
        (
            ("skip", "--before", "2017-01-01T02:00", *in_archive, "--yes"),
            "no run before 2017-01-01 02:00:00 to skip (2 already recorded, 0 claimed: left alone): nothing written",
        ),
    ]
    for args, start in cases:
        done = cli(*args)
        assert (done.returncode, done.stderr) == (6, ""), (args, done.stderr)
        (line,) = lines(done.stdout)
        assert line.startswith(start), (args, line)
    assert table_items(dynamodb, manifest.table_name) == before


def test_each_layout_reports_its_own_readiness_rule(
    cli: Cli, s3: Any, archive: Archive, dynamodb: Any, table: str
) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    put_transformer_run(s3, archive.bucket, "transformed/", now - timedelta(minutes=10), sealed=False)
    put_loader_objects(s3, archive.bucket, "loader/", [now], "date={yyyy}-{MM}-{dd}/hour={HH}")
    layouts: dict[str, tuple[tuple[str, ...], dict[str, object], str, str]] = {
        f"s3://{archive.bucket}/transformed/": (
            ("--layout", "transformer-output"),
            {
                "marker": "shredding_complete.json",
                "settle_seconds": 0.0,
                "window_seconds": None,
                "grace_seconds": None,
            },
            "marker 'shredding_complete.json', 0 s quiet",
            "waiting for marker 'shredding_complete.json'",
        ),
        f"s3://{archive.bucket}/loader/": (
            ("--layout", "s3-loader", "--partition-format", "date={yyyy}-{MM}-{dd}/hour={HH}"),
            {"marker": None, "settle_seconds": None, "window_seconds": 3600.0, "grace_seconds": 600.0},
            "each hour closed, plus 600 s grace",
            "waiting for its window to close plus a 600 s grace period",
        ),
    }
    for url, (options, rule, text, waiting) in layouts.items():
        status = cli("status", url, *options, "--json")
        assert status.returncode == 0, status.stderr
        report = json.loads(status.stdout)
        assert report["readiness"] == {"layout": options[1], "rule": text, **rule}
        assert report["not_ready"] == 1 and report["pending"] == 0
        pending = cast(dict[str, Any], cli.json("pending", url, *options))
        assert pending["readiness"] == report["readiness"]
        shown = cli("status", url, *options)
        assert f"not ready       1  still being written? ({text})" in shown.stdout, shown.stdout
        assert waiting in shown.stdout and "_SUCCESS" not in shown.stdout
    assert table_items(dynamodb, table) == []


def test_flat_s3_loader_output_with_a_filename_prefix_is_read_or_named(
    cli: Cli, s3: Any, archive: Archive, dynamodb: Any, table: str
) -> None:
    """S3 Loader's reference config writes ``pre-``: without the option every hour waited for ever."""
    writes = hourly_writes(datetime(2026, 11, 30, 6), 2)
    put_loader_objects(s3, archive.bucket, "loader/", writes, filename_prefix="pre-")
    url = f"s3://{archive.bucket}/loader/"
    flat = ("--layout", "s3-loader")
    expected = (
        f"error: {url} holds objects but no run of the s3-loader layout (run ids look like "
        "'enriched/2026-11-30-10/'); its objects look like s3-loader output with filename prefix 'pre-': "
        "set the filename prefix to 'pre-'"
    )
    for command in ("status", "pending", "verify"):
        done = cli(command, url, *flat)
        assert (done.returncode, done.stdout, one_line(done)) == (2, "", expected), command
    partitioned = cli("pending", url, *flat, "--partition-format", "{yyyy}/{MM}/{dd}/{HH}")
    assert partitioned.returncode == 2
    assert one_line(partitioned).endswith("lying flat under the prefix: leave the partition format out")
    assert table_items(dynamodb, table) == []
    hours = ["loader/pre-2026-11-30-06/", "loader/pre-2026-11-30-07/"]
    found = cli("pending", url, *flat, "--filename-prefix", "pre-")
    assert (found.returncode, lines(found.stdout), found.stderr) == (0, hours, "")
    marked = cli("mark-loaded", hours[0], *flat, "--filename-prefix", "pre-", "--archive-url", url)
    assert (marked.returncode, marked.stdout) == (0, f"loaded          {hours[0]}\n"), marked.stderr
    assert [item["RunId"]["S"] for item in table_items(dynamodb, table)] == [hours[0]]


def test_a_mistyped_marker_is_named_with_the_object_the_runs_hold(
    cli: Cli, archive: Archive, manifest: LoadManifest, dynamodb: Any
) -> None:
    runs = archive.add_runs(2)
    expected = (
        f"error: no run of {archive.url} holds marker '_SUCESS', but 2 of 2 hold '_SUCCESS': did you mean "
        "--marker _SUCCESS?"
    )
    for command in ("pending", "status"):
        done = cli(command, archive.url, "--marker", "_SUCESS")
        assert (done.returncode, done.stdout, one_line(done)) == (2, "", expected), command
    archive.add_run("2017-01-02-00-00-00", marker="_SUCESS")  # one run holds it: the marker is right
    waiting = cli("pending", archive.url, "--marker", "_SUCESS")
    assert (waiting.returncode, lines(waiting.stdout)) == (0, [archive.run_id("2017-01-02-00-00-00")])
    assert f"(not ready: {runs[0]} newest object " in waiting.stderr
    assert "waiting for marker '_SUCESS' (it holds '_SUCCESS': is the marker mistyped?))" in waiting.stderr
    assert table_items(dynamodb, manifest.table_name) == []
