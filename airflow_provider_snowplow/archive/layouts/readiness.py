"""When a run folder counts as complete: the readiness rule, pure logic with no I/O.

A run folder appears in S3 with its first object, long before it is whole: Snowplow's batch
pipeline (EmrEtlRunner) archives a run with S3DistCp, which copies the run's files from
``enriched/good/run=.../`` into ``enriched/archive/run=.../`` one by one, in no particular order,
over minutes, the ``_SUCCESS`` marker that Spark wrote beside the part files included. A run read
during that copy is read in part, and the parts that land later are never loaded.

So a run is *ready* only when both hold:

* its **marker** object exists (``_SUCCESS`` by default; ``None`` for pipelines that write none);
* it has been **quiet**: its newest object is at least ``settle_seconds`` old (S3 ``LastModified``).

Neither is enough alone for the enriched archive: S3DistCp may copy ``_SUCCESS`` first, so the
marker can be there while parts are missing; and a run without its marker is not done, however
quiet. (Even both cannot tell a copy stalled for longer than the quiet period after copying the
marker from a finished one; ``verify`` finds such a run after loading.) The default quiet
period, 15 minutes, leaves a wide margin over the gap between two files of one copy, and covers
multipart uploads: S3 gives such an object the ``LastModified`` of the upload's *start*, so a large
part file can appear already minutes old. Where the marker is written last by the job itself (a
Spark or Hadoop output committer), a short quiet period is enough; set both per DAG.

The rule is data (:class:`ReadinessRule`): a run layout can supply its own marker and quiet period.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from airflow_provider_snowplow.archive.contents import RunContents

DEFAULT_MARKER = "_SUCCESS"
DEFAULT_SETTLE_SECONDS = 900.0
# How alike an object's name must be to a missing marker's to be named as what was probably meant
# (difflib's ratio: "_SUCESS" and "_SUCCESS" score 0.93, "_SUCCESS" and "part-00000" 0.0).
SIMILAR_NAME_CUTOFF = 0.8


@dataclass(frozen=True)
class Readiness:
    """The rule's verdict on one run at one moment.

    Attributes:
        ready: the run may be offered for loading.
        age_seconds: seconds since the run's newest object was written (None: the folder is empty).
        waiting_for: what a run that is not ready waits for: ``"marker '_SUCCESS'"``, ``"a 900 s
            quiet period"`` or ``"a first object"``; empty when ready.
        similar: while waiting for a marker, the run's object whose name is closest to it
            (``_SUCCESS`` for a marker typed ``_SUCESS``): a typo in the marker would keep the run
            waiting for ever, so it is named wherever the verdict is shown.
    """

    ready: bool
    age_seconds: float | None
    waiting_for: str = ""
    similar: str | None = None

    def describe(self) -> str:
        """``"newest object 42 s old, waiting for a 900 s quiet period"``, for logs and errors."""
        age = "empty folder" if self.age_seconds is None else f"newest object {self.age_seconds:.0f} s old"
        typo = f" (it holds {self.similar!r}: is the marker mistyped?)" if self.similar else ""
        return f"{age}, waiting for {self.waiting_for}{typo}" if self.waiting_for else f"{age}, ready"


@dataclass(frozen=True)
class ReadinessDescription:
    """When a layout's runs count as ready, as every surface reports it.

    The CLI's text and ``--json``, the sensor's and trigger's log lines all show this, taken from the
    layout (``Layout.readiness``): a surface that rebuilt it from options would report the enriched
    archive's marker for layouts that wait for a seal or a time window.

    Attributes:
        layout: the layout's name.
        text: the rule in words: ``"marker '_SUCCESS', 900 s quiet"``, ``"each hour closed, plus 600 s
            grace"``.
        marker: the object a run must hold (folder layouts), else None.
        settle_seconds: how old a run's newest object must be (folder layouts), else None.
        window_seconds: the length of a run's window (time-window layouts), else None.
        grace_seconds: how long after its window a run is ready (time-window layouts), else None.
    """

    layout: str
    text: str
    marker: str | None = None
    settle_seconds: float | None = None
    window_seconds: float | None = None
    grace_seconds: float | None = None

    def as_json(self) -> dict[str, Any]:
        """The ``readiness`` object of the CLI's ``--json`` reports (keys in docs/cli.md)."""
        return {
            "layout": self.layout,
            "rule": self.text,
            "marker": self.marker,
            "settle_seconds": self.settle_seconds,
            "window_seconds": self.window_seconds,
            "grace_seconds": self.grace_seconds,
        }


def check_marker(value: object) -> str | None:
    """A marker setting: an object name relative to the run folder, or None/``""`` for no marker.

    Raises:
        ValueError: starting ``must ...``, with the value.
    """
    if value is None or value == "":
        return None
    if (
        not isinstance(value, str)
        or value.startswith("/")
        or value.endswith("/")
        or any(ch.isspace() for ch in value)
        or ".." in value.split("/")
    ):
        raise ValueError(
            f"must be an object name relative to the run folder, like '_SUCCESS' (or empty for no "
            f"marker), got {value!r}"
        )
    return value


def check_settle_seconds(value: object) -> float:
    """A quiet-period setting: seconds, zero or more; rendered templates arrive as strings.

    Raises:
        ValueError: starting ``must ...``, with the value.
    """
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        seconds = -1.0
    if isinstance(value, bool) or not seconds >= 0 or seconds == float("inf"):
        raise ValueError(f"must be a number of seconds, zero or more, got {value!r}")
    return seconds


@dataclass(frozen=True)
class ReadinessRule:
    """When a run folder is complete: its marker exists and its newest object is quiet long enough.

    Args:
        marker: object name, relative to the run folder, that must exist; None for none.
        settle_seconds: how old the run's newest object must be, in seconds.

    Raises:
        ValueError: a setting that can never work, starting ``must ...``.
    """

    marker: str | None = DEFAULT_MARKER
    settle_seconds: float = DEFAULT_SETTLE_SECONDS

    def __post_init__(self) -> None:
        object.__setattr__(self, "marker", check_marker(self.marker))
        object.__setattr__(self, "settle_seconds", check_settle_seconds(self.settle_seconds))

    def check(self, contents: RunContents, now: float) -> Readiness:
        """The verdict on ``contents`` (one listing of the run) at epoch seconds ``now``."""
        newest = contents.newest
        if newest is None:
            return Readiness(False, None, "a first object")
        age = max(0.0, now - newest)
        if self.marker is not None and not contents.has(self.marker):
            return Readiness(False, age, f"marker {self.marker!r}", self.similar_name(contents))
        if age < self.settle_seconds:
            return Readiness(False, age, f"a {self.settle_seconds:.0f} s quiet period")
        return Readiness(True, age)

    def similar_name(self, contents: RunContents) -> str | None:
        """The name (relative to the run folder) of the run's object most like the missing marker.

        Only objects directly in the run folder count, where markers are written; None when none is
        alike enough (:data:`SIMILAR_NAME_CUTOFF`).
        """
        if self.marker is None:
            return None
        names = {obj.key[len(contents.run_id) :] for obj in contents.objects}
        candidates = [name for name in names if "/" not in name or "/" in self.marker]
        close = difflib.get_close_matches(self.marker, candidates, n=1, cutoff=SIMILAR_NAME_CUTOFF)
        return close[0] if close else None

    def describe(self) -> str:
        """The rule in words, for logs: ``"marker '_SUCCESS', 900 s quiet"``."""
        marker = f"marker {self.marker!r}" if self.marker else "no marker"
        return f"{marker}, {self.settle_seconds:.0f} s quiet"

    def description(self, layout: str) -> ReadinessDescription:
        """This rule as ``layout`` reports it (see :class:`ReadinessDescription`)."""
        return ReadinessDescription(
            layout, self.describe(), marker=self.marker, settle_seconds=self.settle_seconds
        )
