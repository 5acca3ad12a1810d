"""Snowplow run ids: parsing, validation and order, with no I/O.

A *run id* is exactly what Snowplow's SDKs store in a load manifest: the key prefix of a run folder
relative to its bucket, with a trailing slash, e.g. ``enriched/archive/run=2017-04-07-10-00-00/``.
This module is the one place that knows those shapes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from airflow_provider_snowplow.archive.urls import S3_URL_SCHEMES, S3Url
from airflow_provider_snowplow.errors import RunIdError

_RUN_FOLDER = re.compile(r"run=(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})")
RUN_TIMESTAMP_FORMAT = "%Y-%m-%d-%H-%M-%S"


def run_stamp(run_id: str) -> str | None:
    """The ``YYYY-MM-DD-HH-MM-SS`` of a run folder prefix, or None if it is not one.

    Only the last path segment counts, and it must be ``run=YYYY-MM-DD-HH-MM-SS`` with a real date
    and time. Snowplow's Python SDK also accepted ``2017-05-01-12-00-00/`` and ``nur=...`` by
    mistake; we do not. The stamps are fixed-width, so they sort chronologically as strings.
    """
    if not isinstance(run_id, str) or not run_id.endswith("/"):
        return None
    match = _RUN_FOLDER.fullmatch(run_id[:-1].rpartition("/")[2])
    if match is None:
        return None
    stamp = match.group(1)
    try:  # datetime() checks the calendar; ~5x cheaper than strptime on large archives
        datetime(
            int(stamp[:4]),
            int(stamp[5:7]),
            int(stamp[8:10]),
            int(stamp[11:13]),
            int(stamp[14:16]),
            int(stamp[17:]),
        )
    except ValueError:
        return None
    return stamp


def run_timestamp(run_id: str) -> datetime | None:
    """The time of a run folder (naive, as Snowplow names them in UTC), or None if not a run."""
    stamp = run_stamp(run_id)
    return datetime.strptime(stamp, RUN_TIMESTAMP_FORMAT) if stamp else None


def validate_run_id(run_id: str) -> str:
    """Return ``run_id`` unchanged if it is a run folder prefix, else raise.

    A run id that could never match a listed run is refused too, with what to change: a leading
    slash, an empty segment (``//``), a ``.`` or ``..`` segment or whitespace (a pasted space) would
    otherwise be written to the manifest as a record no archive listing ever produces.

    Raises:
        RunIdError: with the value and the expected shape.
    """
    problem = unmatchable(run_id) if isinstance(run_id, str) else None
    is_text = isinstance(run_id, str)
    if is_text and problem is None and not run_id.startswith(S3_URL_SCHEMES) and run_timestamp(run_id):
        return run_id
    hint = ""
    if not isinstance(run_id, str):
        hint = f" (got {type(run_id).__name__})"
    elif run_id.startswith(S3_URL_SCHEMES):
        hint = " (drop the s3://bucket/ part: run ids are relative to the bucket)"
    elif problem is not None:
        hint = f" ({problem})"
    elif run_timestamp(run_id + "/") is not None:
        hint = " (add the trailing slash)"
    elif (name := run_id.rstrip("/").rpartition("/")[2]).startswith("run="):
        hint = f" ({name!r} is not a valid run timestamp)"
    raise RunIdError(
        f"{run_id!r} is not a Snowplow run id: expected a run folder prefix like "
        f"'enriched/archive/run=2017-04-07-10-00-00/'{hint}"
    )


def unmatchable(run_id: str) -> str | None:
    """What makes ``run_id`` a key no S3 listing of an archive returns, or None.

    Every layout's run ids are refused for these, whatever their shape: a ``..`` segment reads as
    "the folder above" to a person but is a literal key segment to S3, so ``enriched/../run=.../``
    would be recorded as a run no archive holds.
    """
    if run_id != run_id.strip():
        return "remove the whitespace around it"
    if any(ch.isspace() for ch in run_id):
        return "it has whitespace in it"
    if run_id.startswith("/"):
        return "drop the leading slash: run ids are relative to the bucket"
    if "//" in run_id:
        return "it has an empty path segment '//'"
    if (dots := next((seg for seg in run_id.split("/") if seg in (".", "..")), None)) is not None:
        return f"it has a {dots!r} path segment: S3 keys have no relative paths, write the run's own prefix"
    return None


def validate_run_in_archive(run_id: str, archive: S3Url) -> str:
    """Return ``run_id`` if it is a run folder directly under ``archive``'s prefix, else raise.

    The archive's listing only ever returns such runs, so any other run id (another archive, a
    typo in the prefix) can never be pending, loaded or processed from this archive.

    Raises:
        RunIdError: naming the run, the archive and the shape of its runs.
    """
    validate_run_id(run_id)
    folder = run_id.removeprefix(archive.prefix)
    if not run_id.startswith(archive.prefix) or "/" in folder[:-1]:
        raise RunIdError(
            f"run {run_id!r} is not in archive {archive}: its runs are "
            f"'{archive.prefix}run=YYYY-MM-DD-HH-MM-SS/' (check the run id, or the archive URL)"
        )
    return run_id


def run_folder_name(run_id: str) -> str:
    """The run folder's own name, ``run=YYYY-MM-DD-HH-MM-SS``: what output folders are named after."""
    return run_id.rstrip("/").rpartition("/")[2]


def why_not_a_run(folder: str) -> str | None:
    """Why a folder named like a run (``.../run=...``) is not one; None for runs and other folders.

    Such folders are left out of every listing, and named where a listing is shown, so that a
    run written with a wrong timestamp (``run=2026-13-01-00-00-00/``) is seen, not silently lost.
    """
    if run_stamp(folder) is not None or not folder.rstrip("/").rpartition("/")[2].startswith("run="):
        return None
    return "not a valid run timestamp (run=YYYY-MM-DD-HH-MM-SS)"


def sort_run_ids(run_ids: Iterable[str]) -> list[str]:
    """The valid run folder prefixes among ``run_ids``, oldest first; anything else is left out.

    Ties (the same timestamp under different prefixes) are ordered by prefix. Each stamp is parsed
    once, which matters when an archive lists 100,000 runs.
    """
    stamped = [(stamp, run_id) for run_id in run_ids if (stamp := run_stamp(run_id))]
    return [run_id for _, run_id in sorted(stamped)]
