"""What every run layout answers: how runs are found, what a run id looks like, when a run is ready.

A *run layout* is the shape a Snowplow component gives its output under an S3 prefix. Whatever the
shape, a run's id is a key prefix relative to the bucket, ending in ``/`` (what Snowplow's SDKs
store in a load manifest), so claims, records, ``verify``, skips and Asset events work the same for
every layout, and one table can hold runs of several archives and layouts.

Two families:

* **folder layouts** (``enriched-archive``, ``transformer-output``): a run is a folder directly under
  the prefix, found with one delimiter listing, and judged by a
  :class:`~airflow_provider_snowplow.archive.layouts.readiness.ReadinessRule` (marker, quiet period);
* **time-window layouts** (``s3-loader``): a run is a window of the loader's write-time clock (an
  hour or a day), ready once the window has closed plus a grace period; discovery lists only from
  the manifest's newest recorded window onwards (see
  :mod:`~airflow_provider_snowplow.manifest.windows`), so its cost does not grow with the archive.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from datetime import datetime, timedelta

from airflow_provider_snowplow.archive.contents import RunContents
from airflow_provider_snowplow.archive.layouts.readiness import Readiness, ReadinessDescription, ReadinessRule
from airflow_provider_snowplow.archive.listing import list_folders
from airflow_provider_snowplow.archive.run_ids import unmatchable
from airflow_provider_snowplow.archive.urls import S3_URL_SCHEMES, S3Url
from airflow_provider_snowplow.aws.plans import Plan
from airflow_provider_snowplow.errors import RunIdError


class Layout(ABC):
    """One run layout with its options: the one place that knows its run ids and its readiness."""

    name: str
    #: An example run id, for error messages.
    example: str
    #: Whether every run is a folder directly under the archive's prefix (else anywhere under it).
    runs_directly_under = False

    @abstractmethod
    def run_time(self, run_id: str) -> datetime | None:
        """The run's time (naive UTC) if ``run_id`` has this layout's shape, else None."""

    @abstractmethod
    def list_runs(self, archive: S3Url) -> Plan[list[str]]:
        """Every run of ``archive``, oldest first, whatever its state (for listings, verify, backfill)."""

    @abstractmethod
    def check(self, contents: RunContents, now: float) -> Readiness:
        """Whether the run as listed (``contents``) is ready at epoch seconds ``now``."""

    @property
    @abstractmethod
    def readiness(self) -> ReadinessDescription:
        """When this layout's runs are ready, as every surface reports it (CLI, JSON, sensor logs)."""

    #: How many path segments a run id has below the archive's prefix (a partition may have several).
    run_depth = 1

    def describe(self) -> str:
        """The layout and its readiness in words, for logs: ``"enriched-archive, marker '_SUCCESS', 900 s quiet"``."""
        return f"{self.name}, {self.readiness.text}"

    def settings_hint(self, archive: S3Url, keys: list[str]) -> str | None:
        """What to set so that ``keys`` (objects under ``archive`` holding no run) become runs, or None.

        Asked only when a prefix holds objects but no run of this layout: a verdict that would never
        change, so the error says which option or URL to change rather than waiting for ever.
        """
        return None

    def objects_prefix(self, run_id: str) -> str:
        """The key prefix the run's objects share: the run id itself for folder layouts."""
        return run_id

    def ignored(self, folders: Iterable[str]) -> dict[str, str]:
        """Folders among ``folders`` that look like runs of this layout but are not, with the reason.

        Discovery names them, so that a run written with a wrong timestamp is seen, not lost.
        """
        return {}

    def sort(self, run_ids: Iterable[str]) -> list[str]:
        """The run ids of this layout among ``run_ids``, oldest first (ties by id); others left out."""
        timed = [(time, run_id) for run_id in run_ids if (time := self.run_time(run_id)) is not None]
        return [run_id for _, run_id in sorted(timed)]

    def validate_run_id(self, run_id: str) -> str:
        """``run_id`` unchanged if it has this layout's shape.

        Raises:
            RunIdError: with the value, the layout and an example of the expected shape.
        """
        problem = unmatchable(run_id) if isinstance(run_id, str) else None
        if (
            isinstance(run_id, str)
            and problem is None
            and not run_id.startswith(S3_URL_SCHEMES)
            and self.run_time(run_id)
        ):
            return run_id
        hint = ""
        if isinstance(run_id, str) and run_id.startswith(S3_URL_SCHEMES):
            hint = " (drop the s3://bucket/ part: run ids are relative to the bucket)"
        elif problem is not None:
            hint = f" ({problem})"
        elif isinstance(run_id, str) and self.run_time(run_id + "/") is not None:
            hint = " (add the trailing slash)"
        raise RunIdError(
            f"{run_id!r} is not a run id of the {self.name} layout: expected a key prefix like "
            f"{self.example!r}{hint}"
        )

    def validate_run_in_archive(self, run_id: str, archive: S3Url) -> str:
        """``run_id`` unchanged if it is a run of this layout in ``archive``.

        The archive's listing only ever returns such runs, so any other run id (another archive, a
        typo in the prefix) can never be pending, loaded or processed from this archive.

        Raises:
            RunIdError: naming the run, the archive and where its runs are.
        """
        self.validate_run_id(run_id)
        rest = run_id.removeprefix(archive.prefix)
        if run_id.startswith(archive.prefix) and not (self.runs_directly_under and "/" in rest[:-1]):
            return run_id
        where = "folders directly under" if self.runs_directly_under else "under"
        raise RunIdError(
            f"run {run_id!r} is not in archive {archive}: its {self.name} runs are {where} "
            f"'{archive.prefix}' (check the run id, or the archive URL)"
        )


class WindowLayout(Layout):
    """A layout whose runs are fixed windows of a clock, each with a run id computable from its start.

    Subclasses give the window length, the id of the window starting at a moment, and the run a key
    belongs to; discovery then needs no listing of what came before the manifest's newest window.
    """

    window: timedelta
    grace_seconds: float

    @abstractmethod
    def run_id_at(self, archive: S3Url, start: datetime) -> str:
        """The id of the run whose window starts at ``start`` (naive UTC)."""

    @abstractmethod
    def run_of_key(self, archive: S3Url, key: str) -> str | None:
        """The run an object key of ``archive`` belongs to, or None for a key of no run."""

    def window_start(self, moment: datetime) -> datetime:
        """The start of the window holding ``moment`` (naive UTC)."""
        start = moment.replace(minute=0, second=0, microsecond=0)
        return start.replace(hour=0) if self.window >= timedelta(days=1) else start


class FolderLayout(Layout):
    """A layout of one folder per run directly under the prefix, judged by a readiness rule.

    Args:
        rule: when a run folder is complete.
    """

    runs_directly_under = True

    def __init__(self, rule: ReadinessRule) -> None:
        self.rule = rule

    def list_runs(self, archive: S3Url) -> Plan[list[str]]:
        """Every run folder directly under the archive, oldest first."""
        folders = yield from list_folders(archive)
        return self.sort(folders)

    def check(self, contents: RunContents, now: float) -> Readiness:
        """Whether the folder is complete by the layout's readiness rule."""
        return self.rule.check(contents, now)

    @property
    def readiness(self) -> ReadinessDescription:
        """The layout's readiness rule: its marker and quiet period."""
        return self.rule.description(self.name)

    def settings_hint(self, archive: S3Url, keys: list[str]) -> str | None:
        """Runs of this layout deeper down than directly under the archive: the URL to use instead."""
        folders = {key[: i + 1] for key in keys for i, ch in enumerate(key) if ch == "/"}
        runs = self.sort(folders)
        if not runs:
            return None
        parent = runs[0][:-1].rpartition("/")[0] + "/"
        return f"its {self.name} runs lie under s3://{archive.bucket}/{parent}: set the archive URL to that"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.rule == self.rule

    def __hash__(self) -> int:
        return hash((self.name, self.rule))
