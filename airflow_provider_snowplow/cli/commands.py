"""What each manifest CLI subcommand does; both front ends call :func:`run`.

Output: data on stdout (one run id a line for ``pending``, so it pipes into ``xargs``; JSON with
``--json``), prompts, notes and errors on stderr. An error is one line, ``error: <message>``, never
a traceback. Exit codes are :class:`~airflow_provider_snowplow.cli.definition.ExitCode`, each
command's listed in the command table (``Subcommand.exit_codes``) and in docs/cli.md:

* 0 done;
* 1 ``pending --exit-code`` found no pending run, or a named run was left as it was because it has
  a conflicting record (``mark-loaded`` on a skipped run, ``skip`` on a loaded one) or a live claim
  (``skip``), or a claim changed under ``release``;
* 2 usage error: bad option, archive URL or run id, a run that is not in ``--archive-url`` (checked
  before anything is written), an archive URL without any run of the layout (``verify``, ``skip
  --before``), a marker that no run holds while they hold one named like it (``status``, ``pending``);
* 3 AWS, manifest table or Airflow connection error;
* 4 the confirmation was declined (nothing was changed);
* 5 ``verify`` found loaded runs that changed after loading;
* 6 nothing to change: a named run already loaded (``mark-loaded``) or skipped (``skip``), without a
  record (``unmark``) or without a claim (``release``), or no run to skip before ``--before``;
* 130 interrupted.

Writes by hand are checked against the archive: ``mark-loaded`` and ``skip`` need ``--archive-url``
(each run must be a run of it, with objects stored) or an explicit ``--no-archive-check``.

JSON (``--json``), keys stable (new keys may be added):

* ``status``: ``archive_url``, ``table``, ``runs``, ``loaded``, ``skipped``, ``pending``, ``claimed``,
  ``archived``, ``not_ready`` (counts; the last six add up to ``runs``), ``oldest_pending`` (run id
  or null), ``claims`` (list of ``run_id``, ``owner``, ``claimed_at``, ``lease_expires_at``, ISO 8601
  UTC), ``archived_runs`` (run ids), ``expired_claims`` (as ``claims``: pending runs whose claim ran
  out), ``not_ready_runs`` (list of ``run_id``, ``age_seconds``, ``waiting_for``), ``readiness``
  (the layout's rule: ``layout``, ``rule``, ``marker``, ``settle_seconds``, ``window_seconds``,
  ``grace_seconds``), ``ignored`` (list of ``folder``, ``reason``: folders named like
  runs that are not), ``hint`` (what the archive URL holds instead, when it has no run; else null).
* ``pending``: ``archive_url``, ``table``, ``pending`` (run ids, oldest first), ``more_pending``
  (true when ``--max`` cut the list), ``not_ready`` (as ``not_ready_runs`` above), ``readiness``,
  ``ignored`` and ``hint`` as for ``status``.
* ``verify``: ``archive_url``, ``table``, ``since``, ``checked``, ``unchanged``, ``gained``,
  ``lost``, ``changed``, ``unknown`` (counts), ``drifted`` (list of ``run_id``, ``drift``,
  ``loaded_at``, ``loaded`` and ``now`` (each ``objects``, ``bytes``, ``digest``),
  ``modified_since``), ``unknown_runs`` (run ids).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from airflow_provider_snowplow.archive.absence import check_run_stored, missing_runs_error
from airflow_provider_snowplow.archive.urls import ArchiveUrl, parse_archive_url
from airflow_provider_snowplow.aws.plans import AwsCall
from airflow_provider_snowplow.aws.runners import run_sync
from airflow_provider_snowplow.cli.connect import (
    ConnectionSetupError,
    FrontEnd,
    UsageError,
    open_manifest,
)
from airflow_provider_snowplow.cli.exit_codes import ExitCode
from airflow_provider_snowplow.cli.terminal import Progress, confirm, observe
from airflow_provider_snowplow.cli.verification import print_verification, verification_json
from airflow_provider_snowplow.errors import (
    ArchiveUrlError,
    AwsRequestError,
    InvalidValueError,
    LayoutError,
    NoRunsError,
    RunIdError,
    SnowplowProviderError,
)
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.manifest.backfill import select_runs_to_skip
from airflow_provider_snowplow.manifest.discovery import (
    ArchiveSurvey,
    NotReadyRun,
    RunDiscovery,
    find_pending_runs,
)
from airflow_provider_snowplow.manifest.items import LOADED, SKIPPED, Claim, RunRecord, now_iso
from airflow_provider_snowplow.manifest.verify import Verification, verify_loaded_runs

_SHOWN_RUNS = 10


@dataclass
class Invocation:
    """One command run: its name, the parsed options and, opened on first use, the manifest."""

    command: str
    args: argparse.Namespace
    front_end: FrontEnd

    @cached_property
    def manifest(self) -> LoadManifest:
        """The manifest the command works on, opened from its connection options on first use."""
        return open_manifest(self.args, self.front_end)

    @cached_property
    def by(self) -> str:
        """Who writes records: ``--by``, else ``cli/<login name>``."""
        if self.args.by:
            return str(self.args.by)
        try:
            return f"cli/{getpass.getuser()}"
        except (KeyError, OSError):
            return "cli"


def run(handler: str, args: argparse.Namespace, front_end: FrontEnd) -> int:
    """Run the subcommand ``handler`` (its name with ``_`` for ``-``); returns the exit code."""
    try:
        return int(HANDLERS[handler](Invocation(handler.replace("_", "-"), args, front_end)))
    except (UsageError, ArchiveUrlError, RunIdError, InvalidValueError, LayoutError, NoRunsError) as exc:
        return _fail(exc, ExitCode.USAGE)
    except (SnowplowProviderError, ConnectionSetupError) as exc:
        return _fail(exc, ExitCode.AWS)
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted\n")
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        # The reader (`| head`) has gone; stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.OK


def _fail(exc: Exception, code: ExitCode) -> int:
    print(f"error: {exc}", file=sys.stderr)
    return code


def create_table(inv: Invocation) -> int:
    """``create-table``: create the manifest table if missing and wait until it is ACTIVE."""
    table = inv.manifest.create_table(inv.args.billing_mode)
    # DescribeTable leaves the summary out for a table that has always been provisioned
    mode = table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
    print(f"manifest table {inv.manifest.table_name!r} is {table.get('TableStatus', 'ACTIVE')} ({mode})")
    return ExitCode.OK


def status(inv: Invocation) -> int:
    """``status``: counts of an archive's runs by state, with claims and archived runs named."""
    archive = parse_archive_url(inv.args.archive_url)
    found = _discover(inv, archive, max_runs=None)
    _refuse_a_mistyped_marker(inv, archive, found)
    report: dict[str, Any] = {
        "archive_url": str(archive),
        "table": inv.manifest.table_name,
        "runs": found.run_count,
        "loaded": found.loaded,
        "skipped": found.skipped,
        "pending": len(found.pending),
        "claimed": len(found.claimed),
        "archived": len(found.archived),
        "not_ready": len(found.not_ready),
        "oldest_pending": found.pending[0] if found.pending else None,
        "claims": [_claim_json(claim) for claim in found.claimed],
        "archived_runs": found.archived,
        "expired_claims": [_claim_json(claim) for claim in found.expired_claims],
        "not_ready_runs": [_not_ready_json(run) for run in found.not_ready],
        "readiness": inv.manifest.layout.readiness.as_json(),
        **_emptiness(inv, archive, found),
    }
    if inv.args.json:
        print(json.dumps(report, indent=2))
        return ExitCode.OK
    rows = [("archive", report["archive_url"]), ("manifest table", report["table"])]
    rows += [(name, str(report[name])) for name in ("runs", "loaded", "skipped")]
    oldest = f"  oldest: {report['oldest_pending']}" if found.pending else ""
    rows.append(("pending", f"{report['pending']}{oldest}"))
    now = inv.manifest.clock()
    rows += [(f"  {c.run_id}", f"{_describe_claim(c, now)}: pending again") for c in found.expired_claims]
    rows.append(("claimed", str(report["claimed"])))
    rows += [(f"  {c.run_id}", _describe_claim(c, now)) for c in found.claimed]
    restore = "  in GLACIER or DEEP_ARCHIVE: restore before loading" if found.archived else ""
    rows.append(("archived", f"{report['archived']}{restore}"))
    rows += _shown([(f"  {run_id}", "") for run_id in found.archived])
    rule = f"  still being written? ({inv.manifest.layout.readiness.text})" if found.not_ready else ""
    rows.append(("not ready", f"{report['not_ready']}{rule}"))
    rows += _shown([(f"  {run.run_id}", _not_ready_text(run)) for run in found.not_ready])
    if found.ignored:
        rows.append(("ignored", f"{len(found.ignored)}  folders named like runs that are not runs"))
        rows += [(f"  {folder}", reason) for folder, reason in found.ignored.items()]
    if report["hint"]:
        rows.append(("note", report["hint"]))
    width = max(len(name) for name, _ in rows if not name.startswith("  "))
    for name, value in rows:
        print(f"{name:<{width}}  {value}".rstrip())
    return ExitCode.OK


def pending(inv: Invocation) -> int:
    """``pending``: the runs still to load, oldest first, one a line (or JSON)."""
    archive = parse_archive_url(inv.args.archive_url)
    found = _discover(inv, archive, max_runs=inv.args.max_runs)
    _refuse_a_mistyped_marker(inv, archive, found)
    if inv.args.json:
        report = {
            "archive_url": str(archive),
            "table": inv.manifest.table_name,
            "pending": found.pending,
            "more_pending": found.more_pending,
            "not_ready": [_not_ready_json(run) for run in found.not_ready],
            "readiness": inv.manifest.layout.readiness.as_json(),
            **_emptiness(inv, archive, found),
        }
        print(json.dumps(report, indent=2))
    else:
        for run_id in found.pending:
            print(run_id)
        if found.more_pending:
            print(f"(more runs are pending beyond --max {inv.args.max_runs})", file=sys.stderr)
        for run in found.not_ready:
            print(f"(not ready: {run.run_id} {_not_ready_text(run)})", file=sys.stderr)
        for folder, reason in found.ignored.items():
            print(f"note: ignored {folder}: {reason}", file=sys.stderr)
        if not found.run_count:
            print(f"note: {_explain(inv, archive)}", file=sys.stderr)
    return ExitCode.NOT_DONE if inv.args.exit_code and not found.pending else ExitCode.OK


def verify(inv: Invocation) -> int:
    """``verify``: loaded runs whose part files changed after loading; exit code 5 if any."""
    archive = parse_archive_url(inv.args.archive_url)
    manifest = inv.manifest
    plan = verify_loaded_runs(ArchiveSurvey(archive, manifest.table_name, manifest.layout), inv.args.since)
    with Progress("reading archive and manifest, listing loaded runs, AWS requests") as progress:
        found = run_sync(observe(plan, _counter(progress)), manifest.clients)
    _keep_verification(inv, str(archive), found)
    if inv.args.json:
        print(json.dumps(verification_json(found, manifest.table_name, inv.args.since), indent=2))
    else:
        print_verification(found)
    return ExitCode.DRIFT if found.drifted else ExitCode.OK


def _keep_verification(inv: Invocation, archive_url: str, found: Verification) -> None:
    """Store verify's summary for the Airflow UI's ledger page; a table we may not write to only loses that."""
    try:
        inv.manifest.record_verification(archive_url, found, inv.args.since)
    except AwsRequestError as refused:
        print(f"note: the ledger page will not show this verify: {refused}", file=sys.stderr)


def mark_loaded(inv: Invocation) -> int:
    """``mark-loaded``: record the named runs as loaded; a run with another record is left alone."""
    run_ids = _runs_of_archive(inv)
    left = unchanged = 0
    for run_id in run_ids:
        if inv.manifest.mark_loaded(run_id, loaded_by=inv.by):
            print(f"loaded          {run_id}")
            continue
        record = inv.manifest.get_record(run_id)
        if record is None or record.status == LOADED:
            unchanged += 1
            print(f"already loaded  {run_id}{_provenance(record)}: nothing written")
        else:
            left += 1
            print(
                f"left {record.status:<10} {run_id}{_provenance(record)}: unmark it first to mark it loaded"
            )
    return _note_unchecked(inv, _outcome(left, unchanged))


def unmark(inv: Invocation) -> int:
    """``unmark``: delete the named runs' records (after confirmation) so they are loaded again."""
    run_ids = _run_ids(inv)
    unchanged = 0
    if not inv.args.yes:  # the records are read only to show what the question is about
        records = {}
        for run_id in run_ids:
            if (record := inv.manifest.get_record(run_id)) is None:
                unchanged += 1
                print(f"not recorded    {run_id}: nothing to unmark")
            else:
                records[run_id] = record
        if not records:
            return ExitCode.UNCHANGED
        print(f"These runs will be loaded again by the next pipeline run ({len(records)}):", file=sys.stderr)
        for run_id, record in records.items():
            print(f"  {run_id}  {record.status}{_provenance(record)}", file=sys.stderr)
        run_ids = list(records)
        if not confirm(f"Delete the records of {_runs(len(run_ids))}?"):
            return _aborted()
    for run_id in run_ids:
        if inv.manifest.unmark(run_id):
            print(f"unmarked        {run_id}")
        else:
            unchanged += 1
            print(f"not recorded    {run_id}: nothing to unmark")
    return _outcome(0, unchanged)


def skip(inv: Invocation) -> int:
    """``skip``: record named runs, or every unrecorded run before ``--before``, as never to load."""
    args = inv.args
    if args.before is not None:
        if args.run_ids:
            raise UsageError("name runs to skip or give --before DATE, not both")
        if not args.archive_url:
            raise UsageError("--before needs --archive-url: the archive whose runs to skip")
        if args.no_archive_check:
            raise UsageError(
                "--before reads the runs of --archive-url: --no-archive-check applies to named runs"
            )
        return _skip_before(inv, parse_archive_url(args.archive_url), args.before)
    if not args.run_ids:
        raise UsageError("name the runs to skip, or give --before DATE --archive-url ARCHIVE_URL")
    left = unchanged = 0
    for run_id in _runs_of_archive(inv):
        outcome = inv.manifest.mark_skipped(run_id, skipped_by=inv.by)
        if outcome == "skipped":
            print(f"skipped         {run_id}")
        elif outcome == "claimed":
            left += 1
            claim, now = inv.manifest.get_claim(run_id), inv.manifest.clock()
            holder = _describe_claim(claim, now) if claim else "claimed"
            print(f"left claimed    {run_id}: {holder}; release it first")
        else:
            record = inv.manifest.get_record(run_id)
            if record is None or record.status == SKIPPED:
                unchanged += 1
                print(f"already skipped {run_id}{_provenance(record)}: nothing written")
            else:
                left += 1
                print(f"left {record.status:<10} {run_id}{_provenance(record)}: unmark it first to skip it")
    return _note_unchecked(inv, _outcome(left, unchanged))


def _skip_before(inv: Invocation, archive: ArchiveUrl, before: datetime) -> int:
    manifest = inv.manifest
    plan = select_runs_to_skip(archive, manifest.table_name, before, manifest.clock(), layout=manifest.layout)
    with Progress("reading archive and manifest, AWS requests") as progress:
        found = run_sync(observe(plan, _counter(progress)), manifest.clients)
    cut = before.isoformat(sep=" ")
    left_alone = f"{len(found.recorded)} already recorded, {len(found.claimed)} claimed: left alone"
    if not found.to_skip:
        print(f"no run before {cut} to skip ({left_alone}): nothing written")
        return ExitCode.UNCHANGED
    if not inv.args.yes:
        first, last = found.to_skip[0], found.to_skip[-1]
        span = first if first == last else f"{first} ... {last}"
        print(
            f"{_runs(len(found.to_skip))} before {cut} will never be loaded: {span} "
            f"({left_alone}; {found.later} at or after the cut-off)",
            file=sys.stderr,
        )
        if not confirm(f"Record {_runs(len(found.to_skip))} as skipped?"):
            return _aborted()
    skipped = 0
    with Progress("skipping runs", total=len(found.to_skip)) as progress:
        for run_id in found.to_skip:
            skipped += manifest.mark_skipped(run_id, skipped_by=inv.by) == "skipped"
            progress.step()
    meanwhile = len(found.to_skip) - skipped
    recorded_meanwhile = f", {meanwhile} recorded or claimed meanwhile" if meanwhile else ""
    print(f"skipped {_runs(skipped)} before {cut} ({left_alone}{recorded_meanwhile})")
    return ExitCode.OK


def release(inv: Invocation) -> int:
    """``release``: drop a run's claim; a live one only after confirmation."""
    run_id = inv.manifest.layout.validate_run_id(inv.args.run_id)
    claim = inv.manifest.get_claim(run_id)
    if claim is None:
        print(f"no claim on {run_id}: nothing to release")
        return ExitCode.UNCHANGED
    now = inv.manifest.clock()
    if claim.is_live(now) and not inv.args.yes:
        print(f"{run_id} is {_describe_claim(claim, now)}: it may be being loaded now", file=sys.stderr)
        if not confirm("Release the claim anyway?"):
            return _aborted()
    if inv.manifest.release_claim(run_id, token=claim.token):
        print(f"released claim on {run_id} ({_describe_claim(claim, now)})")
        return ExitCode.OK
    holder = inv.manifest.get_claim(run_id)
    who = f"now {_describe_claim(holder, now)}" if holder else "now gone"
    print(f"the claim on {run_id} changed meanwhile ({who}); left alone", file=sys.stderr)
    return ExitCode.NOT_DONE


HANDLERS: dict[str, Callable[[Invocation], int]] = {
    "create_table": create_table,
    "status": status,
    "pending": pending,
    "verify": verify,
    "mark_loaded": mark_loaded,
    "unmark": unmark,
    "skip": skip,
    "release": release,
}


def _discover(inv: Invocation, archive: ArchiveUrl, max_runs: int | None) -> RunDiscovery:
    """``LoadManifest.find_pending_runs``, with a progress counter of the AWS requests it makes."""
    manifest = inv.manifest
    plan = find_pending_runs(
        ArchiveSurvey(archive, manifest.table_name, manifest.layout), manifest.clock(), max_runs
    )
    with Progress("reading archive and manifest, AWS requests") as progress:
        return run_sync(observe(plan, _counter(progress)), manifest.clients)


def _counter(progress: Progress) -> Callable[[AwsCall], None]:
    return lambda _call: progress.step()


def _run_ids(inv: Invocation) -> list[str]:
    """The named runs, all validated before anything is written; duplicates dropped."""
    return [inv.manifest.layout.validate_run_id(run_id) for run_id in dict.fromkeys(inv.args.run_ids)]


def _runs_of_archive(inv: Invocation) -> list[str]:
    """The named runs, each checked to be a stored run of ``--archive-url`` before any write.

    A run id of the right shape can still name no run (a misspelt prefix or timestamp), and its
    record would be written for nothing: the archive is required, and ``--no-archive-check`` (named
    for what it skips) is the only way round it. Either way each run id's shape is checked.

    Raises:
        UsageError: neither or both of ``--archive-url`` and ``--no-archive-check``.
        RunIdError: a run that is not in the archive, or of which no object is stored.
    """
    run_ids = _run_ids(inv)
    command = inv.command
    if inv.args.archive_url and inv.args.no_archive_check:
        raise UsageError(f"{command}: pass --archive-url or --no-archive-check, not both")
    if not inv.args.archive_url and not inv.args.no_archive_check:
        raise UsageError(
            f"{command} checks each run against its archive before writing: pass --archive-url "
            "ARCHIVE_URL (or --no-archive-check to write the run ids unchecked)"
        )
    if inv.args.no_archive_check:
        return run_ids
    archive = parse_archive_url(inv.args.archive_url)
    for run_id in run_ids:
        run_sync(check_run_stored(archive, inv.manifest.layout, run_id), inv.manifest.clients)
    return run_ids


def _note_unchecked(inv: Invocation, code: int) -> int:
    """Note on stderr that the runs written were not checked against an archive; returns ``code``."""
    if inv.args.no_archive_check:
        print("note: runs not checked against any archive (--no-archive-check)", file=sys.stderr)
    return code


def _outcome(left: int, unchanged: int) -> ExitCode:
    """The exit code of a write by hand: 1 if a run was left for a conflict, else 6 if one needed nothing."""
    if left:
        return ExitCode.NOT_DONE
    return ExitCode.UNCHANGED if unchanged else ExitCode.OK


def _refuse_a_mistyped_marker(inv: Invocation, archive: ArchiveUrl, found: RunDiscovery) -> None:
    """A marker that no run holds, while runs hold an object named like it, is a typo: say so.

    Such runs would be "not ready" for ever. Only when nothing is pending and every run that has
    objects waits for the marker: one run holding the marker shows it is the right one.

    Raises:
        UsageError: naming the marker, the similar object and the option to pass.
    """
    if found.pending:
        return
    waiting = [run for run in found.not_ready if run.age_seconds is not None]
    similar = [run.similar for run in waiting if run.similar]
    if not similar or not all(run.waiting_for.startswith("marker ") for run in waiting):
        return
    marker = inv.manifest.layout.readiness.marker
    raise UsageError(
        f"no run of {archive} holds marker {marker!r}, but {len(similar)} of {len(waiting)} hold "
        f"{similar[0]!r}: did you mean --marker {shlex.quote(similar[0])}?"
    )


def _emptiness(inv: Invocation, archive: ArchiveUrl, found: RunDiscovery) -> dict[str, Any]:
    """The JSON keys that keep a report from looking empty when it is not what it seems."""
    return {
        "ignored": [{"folder": folder, "reason": reason} for folder, reason in found.ignored.items()],
        "hint": None if found.run_count else _explain(inv, archive),
    }


def _explain(inv: Invocation, archive: ArchiveUrl) -> str:
    """Why an archive URL holds no run of the layout, and what it holds instead (a listing or two)."""
    return str(run_sync(missing_runs_error(archive, inv.manifest.layout), inv.manifest.clients))


def _aborted() -> int:
    print("aborted: nothing was changed", file=sys.stderr)
    return ExitCode.ABORTED


def _runs(count: int) -> str:
    return f"{count} run{'' if count == 1 else 's'}"


def _provenance(record: RunRecord | None) -> str:
    if record is None:
        return ""
    details = [
        f"at {record.loaded_at}" if record.loaded_at else "",
        f"by {record.loaded_by}" if record.loaded_by else "",
    ]
    text = " ".join(d for d in details if d)
    return f" ({text})" if text else ""


def _describe_claim(claim: Claim, now: float) -> str:
    lease = "lease expires" if claim.is_live(now) else "lease expired"
    return f"claimed by {claim.owner!r}, {lease} {now_iso(claim.lease_expires_at)}"


def _shown(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The first rows of a long list of runs, and a note of how many more ``--json`` lists."""
    if len(rows) <= _SHOWN_RUNS:
        return rows
    return [*rows[:_SHOWN_RUNS], (f"  ... and {len(rows) - _SHOWN_RUNS} more (--json lists all)", "")]


def _not_ready_text(run: NotReadyRun) -> str:
    return run.describe().removeprefix(f"{run.run_id}: ")


def _not_ready_json(run: NotReadyRun) -> dict[str, Any]:
    age = None if run.age_seconds is None else round(run.age_seconds, 3)
    return {"run_id": run.run_id, "age_seconds": age, "waiting_for": run.waiting_for}


def _claim_json(claim: Claim) -> dict[str, str]:
    return {
        "run_id": claim.run_id,
        "owner": claim.owner,
        "claimed_at": now_iso(claim.claimed_at),
        "lease_expires_at": now_iso(claim.lease_expires_at),
    }
