"""An archive URL under which no run of its layout is stored: why, in one line, never an empty report.

An empty listing is what a typo in the archive URL (``enriched/archve/``) looks like, and a wrong
layout or layout option too (a partition format or filename prefix that no object has). A report of
"0 runs" would look like success for ever, so the commands that check or write runs (``verify``,
``skip --before``) fail with the error :func:`missing_runs_error` builds, and ``status`` and
``pending`` show its message as a note. The explanation costs one or two listing requests, asked
only once a listing found no run.
"""

from __future__ import annotations

from airflow_provider_snowplow.archive.layouts import Layout, WindowLayout, no_runs_error
from airflow_provider_snowplow.archive.listing import first_folders, first_keys
from airflow_provider_snowplow.archive.urls import S3Url
from airflow_provider_snowplow.aws.plans import Plan
from airflow_provider_snowplow.errors import LayoutError, NoRunsError, RunIdError

_SHOWN_FOLDERS = 8


def missing_runs_error(archive: S3Url, layout: Layout) -> Plan[NoRunsError | LayoutError]:
    """The error for ``archive`` holding no run of ``layout``, saying what it holds and what to change.

    * the URL is itself a run: the archive is the URL above it;
    * objects but no run: :func:`~airflow_provider_snowplow.archive.layouts.no_runs_error` (the option
      to set, or the layout the objects look like);
    * nothing: what the URL's parent holds, to spot the typo.
    """
    if layout.run_time(archive.prefix) is not None:
        what = "a run folder" if layout.runs_directly_under else f"a run of the {layout.name} layout"
        return NoRunsError(
            f"no runs: {archive} is itself {what}: the archive is {_up(archive, layout.run_depth)}"
        )
    keys = yield from first_keys(archive)
    if keys:
        return no_runs_error(layout, archive, keys)
    if not archive.prefix:
        return NoRunsError(f"no runs: bucket {archive.bucket!r} is empty: check the archive URL")
    parent = _up(archive, 1)
    folders = yield from first_folders(archive.bucket, parent.prefix)
    if folders:
        return NoRunsError(
            f"no runs: nothing is stored under {archive}; {parent} holds {_some(folders)}: check the archive URL"
        )
    return NoRunsError(
        f"no runs: nothing is stored under {archive} nor under {parent}: check the archive URL and the bucket"
    )


def list_runs_or_fail(archive: S3Url, layout: Layout) -> Plan[list[str]]:
    """Every run of ``archive`` in ``layout``, oldest first (``Layout.list_runs``); never none.

    Raises:
        NoRunsError: nothing is stored under the archive URL, or it is itself a run.
        LayoutError: objects are stored there, but none is a run of ``layout`` with its options.
    """
    runs = yield from layout.list_runs(archive)
    if not runs:
        raise (yield from missing_runs_error(archive, layout))
    return runs


def check_run_stored(archive: S3Url, layout: Layout, run_id: str) -> Plan[str]:
    """``run_id`` if it is a run of ``archive`` in ``layout`` with objects stored, else an error.

    What a write to the manifest by hand (``mark-loaded``, ``skip``) checks before writing: a run id
    of the right shape under the right prefix may still name no run (a misspelt timestamp, another
    filename prefix), and its record would then stand for a run nobody has. One listing request (up
    to 1,000 keys); for a time-window layout, one of the keys must belong to the run itself.

    Raises:
        RunIdError: naming the run, the archive and what to check.
    """
    layout.validate_run_in_archive(run_id, archive)
    keys = yield from first_keys(S3Url(archive.bucket, layout.objects_prefix(run_id)))
    if isinstance(layout, WindowLayout):
        keys = [key for key in keys if layout.run_of_key(archive, key) == run_id]
    if not keys:
        raise RunIdError(
            f"run {run_id!r} is not in archive {archive}: no object of it is stored there in the "
            f"{layout.name} layout (check the run id, the archive URL and the layout)"
        )
    return run_id


def _up(archive: S3Url, segments: int) -> S3Url:
    """The archive URL ``segments`` folders up."""
    parts = archive.prefix.rstrip("/").split("/")
    kept = "/".join(parts[: max(0, len(parts) - segments)])
    return S3Url(archive.bucket, kept + "/" if kept else "")


def _some(folders: list[str]) -> str:
    shown = ", ".join(folders[:_SHOWN_FOLDERS])
    more = f" and {len(folders) - _SHOWN_FOLDERS} more" if len(folders) > _SHOWN_FOLDERS else ""
    return f"the folder{'s' if len(folders) > 1 else ''} {shown}{more}"
