"""The ``s3-loader`` layout: Snowplow S3 Loader's objects, one run per write-time hour or day.

S3 Loader 3.x writes one gzip object per flush at ``<path>/<partition>/<filenamePrefix>
<yyyy-MM-dd-HHmmss>-<uuid>.gz``, the time and the partition both from its UTC wall clock at write
time (snowplow-s3-loader 3.2.0, ``modules/core/.../DynamicPath.scala``, ``Processing.scala``). The
partition comes from ``output.good.partitionFormat`` with the time tokens ``{yyyy} {MM} {dd} {HH}``;
without one, objects lie flat under the path. No completion marker is ever written.

So a run here is:

* with a partition format: one partition (``date={yyyy}-{MM}-{dd}/hour={HH}`` gives hourly runs,
  ``{yyyy}/{MM}/{dd}`` daily ones); its run id is the partition's key prefix, e.g.
  ``enriched/date=2026-11-30/hour=10/``;
* flat: one hour of objects by the time in their names; its run id is the key prefix those objects
  share plus ``/`` (``enriched/pre-2026-11-30-10/`` for ``enriched/pre-2026-11-30-101500-<uuid>.gz``):
  a manifest key, not a folder.

A run is ready once its window has closed plus a grace period. An object named for hour H had its
upload *started* in H, so after H ends only uploads already in flight can still land; the loader's
batching delay (``batching.maxDelay``, 2 minutes by default, 3 in Snowplow's Terraform module) is
spent *before* the name is chosen, but a loader that restarts replays into later hours, never
earlier ones. The default grace, 10 minutes, covers an upload started at the end of the hour with
its SDK retries, with a wide margin; raise it for a loader whose uploads are slow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow_provider_snowplow.archive.contents import RunContents
from airflow_provider_snowplow.archive.layouts.base import WindowLayout
from airflow_provider_snowplow.archive.layouts.readiness import (
    Readiness,
    ReadinessDescription,
    check_settle_seconds,
)
from airflow_provider_snowplow.archive.urls import S3Url
from airflow_provider_snowplow.aws.pagination import S3_LISTING, paginate
from airflow_provider_snowplow.aws.plans import AwsCall, Plan
from airflow_provider_snowplow.errors import LayoutError

DEFAULT_GRACE_SECONDS = 600.0
_TIME_TOKENS = {"{yyyy}": r"\d{4}", "{MM}": r"\d{2}", "{dd}": r"\d{2}", "{HH}": r"\d{2}"}
_DAILY = ["{yyyy}", "{MM}", "{dd}"]
_HOURLY = [*_DAILY, "{HH}"]
_TOKEN = re.compile(r"\{[A-Za-z]+\}")
# <filenamePrefix><yyyy-MM-dd-HH><mmss>-<uuid>.gz: the hour's shared prefix is all up to the minutes.
_FLAT_NAME = re.compile(r"(.*\d{4}-\d{2}-\d{2}-\d{2})\d{4}-[^/]*\.gz")
# The same name, split into the loader's filenamePrefix and the rest.
_LOADER_OBJECT = re.compile(r"([^/]*?)\d{4}-\d{2}-\d{2}-\d{6}-[^/]*\.gz")
_EXAMPLE_FORMAT = "e.g. 'date={yyyy}-{MM}-{dd}/hour={HH}'"


def check_filename_prefix(value: object) -> str:
    """A ``filename_prefix`` setting: S3 Loader's ``filenamePrefix``, no ``/``; None or ``""`` for none.

    Raises:
        LayoutError: one line with the value.
    """
    if value is None:
        return ""
    if not isinstance(value, str) or "/" in value or any(ch.isspace() for ch in value):
        raise LayoutError(
            f"filename prefix must be S3 Loader's filenamePrefix (no '/' or whitespace), got {value!r}"
        )
    return value


@dataclass(frozen=True)
class PartitionFormat:
    """A ``partitionFormat`` of S3 Loader 3.x that this layout can follow in time order.

    Attributes:
        text: the format as configured, slashes normalised as the loader normalises its paths.
        window: one hour (``{HH}`` present) or one day.
    """

    text: str
    window: timedelta

    @classmethod
    def parse(cls, value: object) -> PartitionFormat:
        """Check a format: time tokens in year, month, day(, hour) order, nothing else to fill in.

        Raises:
            LayoutError: one line saying what is wrong and what would do.
        """
        text = "/".join(seg for seg in str(value).split("/") if seg) if isinstance(value, str) else ""
        tokens = _TOKEN.findall(text)
        example = "(e.g. 'date={yyyy}-{MM}-{dd}/hour={HH}' or '{yyyy}/{MM}/{dd}')"
        if not isinstance(value, str) or not text:
            raise LayoutError(
                f"partition format must be S3 Loader's partitionFormat {example}, got {value!r}"
            )
        unknown = [t for t in tokens if t not in _TIME_TOKENS]
        if unknown:
            raise LayoutError(
                f"partition format {value!r} has {unknown[0]}: enriched events are partitioned by "
                f"time alone, with {{yyyy}} {{MM}} {{dd}} and {{HH}} {example}"
            )
        if not tokens:
            raise LayoutError(f"partition format {value!r} has no time token {example}")
        if tokens not in (_DAILY, _HOURLY):
            raise LayoutError(
                f"partition format {value!r} must hold {{yyyy}}, {{MM}}, {{dd}} and optionally {{HH}}, "
                f"once each and in that order, so its partitions sort by time {example}"
            )
        return cls(text, timedelta(hours=1) if "{HH}" in tokens else timedelta(days=1))

    def render(self, start: datetime) -> str:
        """The partition of the window starting at ``start``, with a trailing slash."""
        values = {
            "{yyyy}": f"{start:%Y}",
            "{MM}": f"{start:%m}",
            "{dd}": f"{start:%d}",
            "{HH}": f"{start:%H}",
        }
        return _TOKEN.sub(lambda m: values[m.group(0)], self.text) + "/"

    @property
    def pattern(self) -> re.Pattern[str]:
        """Matches a partition (without its trailing slash), a group per time token."""
        pieces = _TOKEN.split(self.text)
        regex = re.escape(pieces[0])
        for token, piece in zip(_TOKEN.findall(self.text), pieces[1:], strict=True):
            regex += f"({_TIME_TOKENS[token]})" + re.escape(piece)
        return re.compile(regex)

    def start_of(self, partition: str) -> datetime | None:
        """The window start of a partition path (no trailing slash), or None if it is not one."""
        match = self.pattern.fullmatch(partition)
        if match is None:
            return None
        return _time_of(match.groups()) if match else None


class S3LoaderLayout(WindowLayout):
    """S3 Loader output: runs are partitions of ``partition_format``, or hours of a flat prefix.

    Args:
        partition_format: the loader's ``partitionFormat``; None or empty for the flat layout.
        grace_seconds: how long after its window ends a run is ready.
        filename_prefix: the loader's ``filenamePrefix`` (flat layout only: it starts each run id).

    Raises:
        LayoutError: a format that cannot work.
        ValueError: a grace that is not seconds, starting ``must ...``.
    """

    name = "s3-loader"

    def __init__(
        self,
        partition_format: str | None = None,
        grace_seconds: float = DEFAULT_GRACE_SECONDS,
        filename_prefix: str = "",
    ) -> None:
        self.filename_prefix = check_filename_prefix(filename_prefix)
        self.format = PartitionFormat.parse(partition_format) if partition_format else None
        self.run_depth = self.format.text.count("/") + 1 if self.format else 1
        self.window = self.format.window if self.format else timedelta(hours=1)
        self.grace_seconds = check_settle_seconds(grace_seconds)
        self.example = (
            "enriched/" + self.format.render(datetime(2026, 11, 30, 10))
            if self.format
            else f"enriched/{filename_prefix}2026-11-30-10/"
        )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, S3LoaderLayout)
            and other.format == self.format
            and other.grace_seconds == self.grace_seconds
            and other.filename_prefix == self.filename_prefix
        )

    def __hash__(self) -> int:
        return hash((self.name, self.format, self.grace_seconds, self.filename_prefix))

    @property
    def readiness(self) -> ReadinessDescription:
        """Ready once the run's window has closed and the grace period has passed."""
        unit = "hour" if self.window <= timedelta(hours=1) else "day"
        return ReadinessDescription(
            self.name,
            f"each {unit} closed, plus {self.grace_seconds:.0f} s grace",
            window_seconds=self.window.total_seconds(),
            grace_seconds=self.grace_seconds,
        )

    def check(self, contents: RunContents, now: float) -> Readiness:
        """Ready once the window has ended and ``grace_seconds`` more have passed."""
        start = self.run_time(contents.run_id)
        newest = contents.newest
        age = None if newest is None else max(0.0, now - newest)
        if start is None or newest is None:
            return Readiness(False, age, "a first object")
        ready_at = (start + self.window).replace(tzinfo=UTC).timestamp() + self.grace_seconds
        if now < ready_at:
            return Readiness(
                False, age, f"its window to close plus a {self.grace_seconds:.0f} s grace period"
            )
        return Readiness(True, age)

    def describe(self) -> str:
        """The layout, its partitioning and its readiness, for logs."""
        if self.format:
            shape = f"partitions {self.format.text!r}"
        else:
            shape = (
                f"flat, hourly, filename prefix {self.filename_prefix!r}"
                if self.filename_prefix
                else "flat, hourly"
            )
        return f"{self.name} ({shape}), {self.readiness.text}"

    def settings_hint(self, archive: S3Url, keys: list[str]) -> str | None:
        """Which option makes S3 Loader objects that hold no run of these options runs: format, prefix, URL."""
        found = [
            (rest.rpartition("/")[0], match.group(1))
            for key in keys
            if (rest := key.removeprefix(archive.prefix)) != key
            and (match := _LOADER_OBJECT.fullmatch(rest.rpartition("/")[2]))
        ]
        if not found:
            return None
        folder, prefix = found[0]
        looks = f"its objects look like {self.name} output"
        if self.format is None:
            if folder:
                return (
                    f"{looks} in partitions like '{folder}/': set the partition format to the loader's "
                    f"partitionFormat ({_EXAMPLE_FORMAT})"
                )
            if prefix != self.filename_prefix:
                return f"{looks} with filename prefix {prefix!r}: set the filename prefix to {prefix!r}"
            return None
        if not folder:
            return f"{looks} lying flat under the prefix: leave the partition format out"
        segments = folder.split("/")
        if len(segments) > self.run_depth:
            tail = "/".join(segments[-self.run_depth :])
            if self.format.start_of(tail) is not None:
                deeper = "/".join(segments[: -self.run_depth])
                return (
                    f"its {self.name} partitions lie under s3://{archive.bucket}/{archive.prefix}{deeper}/: "
                    "set the archive URL to that"
                )
        return (
            f"{looks} in folders like '{folder}/', which partition format {self.format.text!r} does not "
            f"match: set the partition format to the loader's partitionFormat ({_EXAMPLE_FORMAT})"
        )

    def run_time(self, run_id: str) -> datetime | None:
        """The start of the run's window, from its partition path or flat hour name, or None."""
        if not isinstance(run_id, str) or not run_id.endswith("/") or "//" in run_id:
            return None
        body = run_id[:-1]
        if self.format is None:
            name = body.rpartition("/")[2]
            if not name.startswith(self.filename_prefix):
                return None
            match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})-(\d{2})", name[len(self.filename_prefix) :])
            return _time_of(match.groups()) if match else None
        depth = self.format.text.count("/") + 1
        return self.format.start_of("/".join(body.split("/")[-depth:]))

    def objects_prefix(self, run_id: str) -> str:
        """Flat runs are the hour's shared key prefix plus ``/``: their objects share it without."""
        return run_id if self.format else run_id[:-1]

    def run_id_at(self, archive: S3Url, start: datetime) -> str:
        """The partition (or flat hour prefix) of the window starting at ``start``."""
        if self.format:
            return archive.prefix + self.format.render(start)
        return f"{archive.prefix}{self.filename_prefix}{start:%Y-%m-%d-%H}/"

    def run_of_key(self, archive: S3Url, key: str) -> str | None:
        """The partition or hour an S3 Loader object belongs to, or None for another key."""
        rest = key[len(archive.prefix) :] if key.startswith(archive.prefix) else None
        if not rest:
            return None
        if self.format is None:
            match = _FLAT_NAME.fullmatch(rest)
            if match is None or "/" in rest:
                return None
            # A name with another filename prefix is no run of this layout: its run id would have
            # no time (run_time None), and its run would wait for ever.
            run_id = f"{archive.prefix}{match.group(1)}/"
            return run_id if self.run_time(run_id) is not None else None
        folder = rest.rpartition("/")[0]
        return archive.prefix + folder + "/" if self.format.start_of(folder) else None

    def list_runs(self, archive: S3Url) -> Plan[list[str]]:
        """Every run, from one listing of every object (a page per 1,000): for verify and backfill."""
        runs: dict[str, None] = {}
        call = AwsCall(
            "s3",
            "list_objects_v2",
            {"Bucket": archive.bucket, "Prefix": archive.prefix},
            f"archive {archive}",
        )

        def take(page: dict[str, object]) -> None:
            for entry in page.get("Contents", []):  # type: ignore[attr-defined]
                if (run_id := self.run_of_key(archive, entry["Key"])) is not None:
                    runs[run_id] = None

        yield from paginate(call, S3_LISTING, take)
        return self.sort(runs)


def _time_of(groups: tuple[str | Any, ...]) -> datetime | None:
    """The naive UTC time of year, month, day(, hour) digits, or None for a date that does not exist."""
    year, month, day, *hour = (int(group) for group in groups)
    try:
        return datetime(year, month, day, hour[0] if hour else 0)
    except ValueError:
        return None
