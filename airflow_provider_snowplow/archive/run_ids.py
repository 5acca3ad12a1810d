"""Snowplow run ids: parsing, validation and order, with no I/O.

A *run id* is exactly what Snowplow's SDKs store in a load manifest: the key prefix of a run folder
relative to its bucket, with a trailing slash, e.g. ``enriched/archive/run=2017-04-07-10-00-00/``.
This module is the one place that knows those shapes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from airflow_provider_snowplow.archive.urls import S3_URL_SCHEMES
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

    Raises:
        RunIdError: with the value and the expected shape.
    """
    if run_timestamp(run_id) is None or run_id.startswith(S3_URL_SCHEMES):
        hint = ""
        if isinstance(run_id, str) and run_id.startswith(S3_URL_SCHEMES):
            hint = " (drop the s3://bucket/ part: run ids are relative to the bucket)"
        elif isinstance(run_id, str) and run_timestamp(run_id + "/") is not None:
            hint = " (add the trailing slash)"
        raise RunIdError(
            f"{run_id!r} is not a Snowplow run id: expected a run folder prefix like "
            f"'enriched/archive/run=2017-04-07-10-00-00/'{hint}"
        )
    return run_id


def run_folder_name(run_id: str) -> str:
    """The run folder's own name, ``run=YYYY-MM-DD-HH-MM-SS``: what output folders are named after."""
    return run_id.rstrip("/").rpartition("/")[2]


def sort_run_ids(run_ids: Iterable[str]) -> list[str]:
    """The valid run folder prefixes among ``run_ids``, oldest first; anything else is left out.

    Ties (the same timestamp under different prefixes) are ordered by prefix. Each stamp is parsed
    once, which matters when an archive lists 100,000 runs.
    """
    stamped = [(stamp, run_id) for run_id in run_ids if (stamp := run_stamp(run_id))]
    return [run_id for _, run_id in sorted(stamped)]
