"""A run that changes after it was offered is never recorded as loaded; one that changes after it was
loaded is found by ``verify`` (core, CLI and the example audit DAG), and never re-queued by itself."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_snowplow.archive.contents import Fingerprint
from airflow_provider_snowplow.archive.urls import parse_output_url
from airflow_provider_snowplow.errors import NoRunsError, RunChangedError
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.processing.run import SUCCESS_MARKER, output_folder, process_run
from airflow_provider_snowplow.testing.archive import READY_WHEN_SEEDED, Archive, seed_sdk_records
from airflow_provider_snowplow.testing.events import valid_lines
from tests.integration.airflow_runs import DagOutcome, run_dag
from tests.integration.cli_runs import Cli
from tests.support import ARCHIVE_URL, OUTPUT_URL

RUN_TIME = "2017-04-01-10-00-00"
LATE_PART = "part-99999"


def parts(count: int = 2) -> dict[str, bytes]:
    lines = [line.encode() + b"\n" for line in valid_lines(4 * count, seed=3)]
    return {f"part-{i:05d}": b"".join(lines[4 * i : 4 * i + 4]) for i in range(count)}


def summary_of(s3, run_id: str) -> dict | None:  # type: ignore[no-untyped-def,type-arg]
    """The run's ``_SUCCESS.json``, or None when processing never finished it."""
    output = parse_output_url(OUTPUT_URL)
    key = output_folder(output, run_id) + SUCCESS_MARKER
    listed = s3.list_objects_v2(Bucket=output.bucket, Prefix=key).get("Contents", [])
    return json.loads(s3.get_object(Bucket=output.bucket, Key=key)["Body"].read()) if listed else None


def state(outcome: DagOutcome, task_id: str) -> str:
    """The state of the DAG run's one instance of ``task_id``, whatever its label."""
    (found,) = [s for (task, _), s in outcome.states.items() if task == task_id]
    return found


def states(outcome: DagOutcome, *task_ids: str) -> list[str]:
    return [state(outcome, task_id) for task_id in task_ids]


def assert_refused(manifest: LoadManifest, run_id: str) -> None:
    """Nothing was recorded for the run, and its claim was released."""
    assert manifest.get_record(run_id) is None, "nothing recorded"
    assert manifest.get_claim(run_id) is None, "the claim was released"


@pytest.fixture
def late_env(
    test_dags: Path, aws_connection: str, table: str, archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The late-data test DAGs pointed at one run of two part files; returns its run id."""
    run_id = archive.add_run(RUN_TIME, parts())
    for name, value in {
        "SNOWPLOW_ARCHIVE_URL": archive.url,
        "SNOWPLOW_OUTPUT_URL": OUTPUT_URL,
        "SNOWPLOW_MANIFEST_TABLE": table,
        "SNOWPLOW_RUN_ID": run_id,
    }.items():
        monkeypatch.setenv(name, value)
    return run_id


def test_processing_refuses_a_run_that_gains_a_part_under_its_claim(
    late_env: str,
    manifest: LoadManifest,
    s3: Any,
    capfd: pytest.CaptureFixture[str],
) -> None:
    outcome = run_dag("snowplow_part_lands_while_transforming")
    assert states(outcome, "transform", "mark_loaded") == ["failed", "upstream_failed"]
    assert_refused(manifest, late_env)
    assert summary_of(s3, late_env) is None, "no _SUCCESS.json"
    logs = "".join(capfd.readouterr())
    assert (
        f"changed while it was being processed: it gained {LATE_PART}; it was not recorded as loaded" in logs
    )

    # The late copy is over (the same bytes land again): the run is loaded whole.
    again = run_dag("snowplow_part_lands_while_transforming")
    assert state(again, "mark_loaded") == "success"
    record = manifest.get_record(late_env)
    assert record is not None and record.fingerprint is not None
    assert record.fingerprint == manifest.read_run(ARCHIVE_URL, late_env).fingerprint()
    assert record.fingerprint.objects == 3
    summary = summary_of(s3, late_env)
    assert summary is not None and summary["digest"] == record.fingerprint.digest
    assert [o["key"] for o in summary["input_objects"]] == [
        late_env + p for p in ("part-00000", "part-00001", LATE_PART)
    ]


def test_marking_refuses_a_run_that_changed_after_it_was_processed(
    late_env: str, manifest: LoadManifest
) -> None:
    outcome = run_dag("snowplow_part_lands_before_marking")
    assert states(outcome, "transform", "mark_loaded") == ["success", "failed"]
    assert_refused(manifest, late_env)
    assert manifest.find_pending_runs(ARCHIVE_URL).pending == [late_env], "offered again"

    again = run_dag("snowplow_part_lands_before_marking")
    assert state(again, "mark_loaded") == "success"
    record = manifest.get_record(late_env)
    assert record is not None and record.fingerprint is not None and record.fingerprint.objects == 3


@pytest.mark.parametrize("late", ["no", "yes"])
def test_your_own_task_confirms_the_run_and_the_record_keeps_what_it_held(
    late: str, late_env: str, manifest: LoadManifest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SNOWPLOW_LATE_PART", late)
    outcome = run_dag("snowplow_own_task_then_mark")
    record = manifest.get_record(late_env)
    if late == "yes":
        assert state(outcome, "own_processing") == "failed"
        assert record is None and manifest.get_claim(late_env) is None
        return
    assert outcome.xcoms[("own_processing", -1)] == [late_env + "part-00000", late_env + "part-00001"]
    assert record is not None
    assert record.fingerprint == manifest.read_run(ARCHIVE_URL, late_env).fingerprint()


def test_process_run_rechecks_the_readiness_rule_before_its_summary(
    s3: Any,
    archive: Archive,
    manifest: LoadManifest,
) -> None:
    run_id = archive.add_run(RUN_TIME, parts(), marker=None)
    with pytest.raises(RunChangedError) as refused:
        process_run(s3, archive.url, run_id, OUTPUT_URL, readiness=READY_WHEN_SEEDED)
    message = str(refused.value)
    assert message.startswith(f"run {run_id!r} in bucket 'acme-snowplow' is not complete (newest object ")
    assert message.endswith(
        " s old, waiting for marker '_SUCCESS'); it was not recorded as loaded, and will be offered again, "
        "whole, once it is complete"
    )
    assert summary_of(s3, run_id) is None


@pytest.fixture
def drifted(s3, dynamodb, table: str, archive: Archive) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Runs loaded with their fingerprints, then changed in every way; one loaded by the SDK.

    S3 keeps ``LastModified`` to the second, so the runs are loaded in the second after their
    newest object (as the quiet period guarantees), and changed no earlier than that.
    """
    runs = {
        name: archive.add_run(f"2017-04-0{day}-10-00-00", parts(2))
        for day, name in enumerate(("unchanged", "gained", "lost", "changed", "sdk"), start=1)
    }
    newest = max(o["LastModified"] for o in s3.list_objects_v2(Bucket=archive.bucket)["Contents"])
    loaded_at = newest.timestamp() // 1 + 1
    loader = LoadManifest(s3, dynamodb, table, clock=lambda: loaded_at, readiness=READY_WHEN_SEEDED)
    for name, run_id in runs.items():
        if name == "sdk":
            seed_sdk_records(dynamodb, table, [run_id])
        else:
            assert loader.mark_loaded(run_id, fingerprint=loader.read_run(archive.url, run_id).fingerprint())
    while time.time() < loaded_at:  # the late writes come after the loads
        time.sleep(0.05)
    s3.put_object(Bucket=archive.bucket, Key=runs["gained"] + "part-00002", Body=b"late\n")
    s3.delete_object(Bucket=archive.bucket, Key=runs["lost"] + "part-00001")
    s3.put_object(Bucket=archive.bucket, Key=runs["changed"] + "part-00000", Body=b"rewritten\n")
    archive.add_run("2017-04-09-10-00-00")  # not loaded: not checked
    return runs


def test_verify_reports_runs_that_gained_lost_or_changed_after_loading(
    drifted: dict[str, str], manifest: LoadManifest, archive: Archive
) -> None:
    found = manifest.verify_loaded_runs(archive.url)
    assert [(check.run_id, check.drift) for check in found.runs] == [
        (drifted[name], name if name != "sdk" else "unknown")
        for name in ("unchanged", "gained", "lost", "changed", "sdk")
    ]
    gained = found.runs[1]
    assert gained.loaded is not None and gained.now is not None
    assert (gained.loaded.objects, gained.now.objects) == (2, 3)
    assert gained.modified_since == ["part-00002"]
    assert found.runs[3].modified_since == ["part-00000"]
    assert [c.run_id for c in found.drifted] == [drifted[n] for n in ("gained", "lost", "changed")]
    summary = found.summary()
    assert summary.startswith(
        f"3 loaded run(s) of {archive.url} changed after loading: {drifted['gained']} gained"
    )
    assert "reload each with `snowplow-manifest unmark RUN`" in summary and "\n" not in summary
    assert manifest.find_pending_runs(archive.url).pending == [archive.run_id("2017-04-09-10-00-00")], (
        "no re-queue"
    )
    since = manifest.verify_loaded_runs(archive.url, since=datetime(2017, 4, 3))
    assert [c.drift for c in since.runs] == ["lost", "changed", "unknown"]


def test_verify_on_the_command_line_exits_5_on_drift(
    drifted: dict[str, str], cli: Cli, archive: Archive
) -> None:
    done = cli("verify", archive.url)
    assert done.returncode == 5, done.stderr
    assert done.stdout.splitlines()[0] == (
        f"5 loaded run(s) of {archive.url} checked: 1 unchanged, 1 gained, 1 lost, 1 changed, 1 unknown"
    )
    assert f"  {drifted['lost']} lost (2 -> 1 part files" in done.stdout
    assert "snowplow-manifest unmark RUN" in done.stderr
    as_json = cli("verify", archive.url, "--since", "2017-04-04", "--json")
    assert as_json.returncode == 5
    report = json.loads(as_json.stdout)
    assert report == {
        "archive_url": archive.url,
        "table": cli.table,
        "since": "2017-04-04T00:00:00",
        "checked": 2,
        "unchanged": 0,
        "gained": 0,
        "lost": 0,
        "changed": 1,
        "unknown": 1,
        "drifted": [
            {
                "run_id": drifted["changed"],
                "drift": "changed",
                "loaded_at": report["drifted"][0]["loaded_at"],
                "loaded": report["drifted"][0]["loaded"],
                "now": report["drifted"][0]["now"],
                "modified_since": ["part-00000"],
            }
        ],
        "unknown_runs": [drifted["sdk"]],
    }
    clean = cli("verify", archive.url, "--since", "2017-04-05")
    assert (clean.returncode, clean.stdout) == (
        0,
        f"1 loaded run(s) of {archive.url} checked: 0 unchanged, 0 gained, 0 lost, 0 changed, 1 unknown\n"
        "  (1 run(s) unknown: their records say nothing of what was loaded, as Snowplow's SDKs write them)\n",
    )


def test_the_audit_dag_fails_loudly_on_drift_and_passes_when_clean(
    test_dags: Path,
    aws_connection: str,
    drifted: dict[str, str],
    archive: Archive,
    manifest: LoadManifest,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SNOWPLOW_ARCHIVE_URL", archive.url)
    monkeypatch.setenv("SNOWPLOW_MANIFEST_TABLE", manifest.table_name)
    monkeypatch.setenv("SNOWPLOW_AUDIT_DAYS", "0")
    failed = run_dag("snowplow_audit_runs")
    assert state(failed, "verify_loaded_runs") == "failed"
    logs = "".join(capfd.readouterr())
    assert "RunDriftError" in logs and f"{drifted['gained']} gained (2 -> 3 part files" in logs

    for name in ("gained", "lost", "changed"):  # reloaded deliberately: what an operator does
        manifest.unmark(drifted[name])
    passed = run_dag("snowplow_audit_runs")
    assert state(passed, "verify_loaded_runs") == "success"
    assert passed.xcoms[("verify_loaded_runs", -1)] == {"checked": 2, "unknown": 1}


def test_the_audit_dag_fails_on_an_archive_url_without_runs_however_many_records(
    test_dags: Path,
    aws_connection: str,
    archive: Archive,
    manifest: LoadManifest,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A typo in the audit's archive URL used to check "0 loaded runs" every day, green for ever."""
    manifest.mark_loaded(archive.add_run(RUN_TIME, parts()))
    typo = archive.url.replace("archive/", "archve/")
    monkeypatch.setenv("SNOWPLOW_ARCHIVE_URL", archive.url)
    monkeypatch.setenv("SNOWPLOW_MANIFEST_TABLE", manifest.table_name)
    monkeypatch.setenv("SNOWPLOW_AUDIT_DAYS", "0")
    failed = run_dag("snowplow_audit_runs", archive_url=typo)  # the typo in the DAG run's conf
    assert state(failed, "verify_loaded_runs") == "failed"
    logs = "".join(capfd.readouterr())
    assert "NoRunsError" in logs
    assert (
        f"no runs: nothing is stored under {typo}; s3://{archive.bucket}/enriched/ holds the folder archive/: "
        "check the archive URL"
    ) in logs
    with pytest.raises(NoRunsError, match="check the archive URL"):
        manifest.verify_loaded_runs(typo)


def test_a_record_keeps_its_fingerprint_and_the_sdk_reads_it_as_loaded(
    manifest: LoadManifest, archive: Archive
) -> None:
    run_id = archive.add_run(RUN_TIME, parts())
    fingerprint = Fingerprint(2, 10, "sha256:abc")
    assert manifest.mark_loaded(run_id, fingerprint=fingerprint)
    record = manifest.get_record(run_id)
    assert record is not None and record.fingerprint == fingerprint
    assert manifest.is_recorded(run_id)
