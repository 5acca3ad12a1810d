"""The folder layouts: the enriched archive's ``run=`` folders, and RDB Loader's transformer output.

Both put one run in one folder directly under the prefix, found with one delimiter listing (a page
per 1,000 folders) and judged by a :class:`~airflow_provider_snowplow.archive.readiness.ReadinessRule`.

* ``enriched-archive``: ``run=YYYY-MM-DD-HH-MM-SS/`` as EmrEtlRunner and S3DistCp leave them; the
  default; run ids and behaviour exactly as Snowplow's SDKs see them.
* ``transformer-output``: RDB Loader's transformer writes ``run=YYYY-MM-DD-HH-MM-SS/`` (the batch
  transformer, named after its input folder) or ``run=YYYY-MM-DD-HH-MM-00-<uuid>/`` (the stream
  transformer: its window start, plus a UUID drawn once per process, so a restart starts a new
  folder), holding ``output=good/`` and ``output=bad/``, and seals a finished run with
  ``shredding_complete.json``, written last by the stream transformer (snowplow-rdb-loader 6.1.5,
  ``common-transformer-stream/.../sinks/Window.scala``, ``Completion.scala``). A run is ready only
  when sealed: an unsealed folder may be in progress, or an orphan of a restart whose events the
  transformer writes again into a new folder. The batch transformer puts the seal after notifying
  its queue, so a short quiet period does no harm; the default is none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from airflow_provider_snowplow.archive.contents import RunContents
from airflow_provider_snowplow.archive.layouts.base import Layout
from airflow_provider_snowplow.archive.listing import list_folders
from airflow_provider_snowplow.archive.readiness import Readiness, ReadinessDescription, ReadinessRule
from airflow_provider_snowplow.archive.run_ids import (
    run_timestamp,
    validate_run_id,
    validate_run_in_archive,
    why_not_a_run,
)
from airflow_provider_snowplow.archive.urls import S3Url
from airflow_provider_snowplow.aws.plans import Plan

SEAL = "shredding_complete.json"
_TRANSFORMER_RUN = re.compile(
    r"run=(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})(-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?"
)


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


class EnrichedArchive(FolderLayout):
    """``run=YYYY-MM-DD-HH-MM-SS/`` folders of the enriched archive (the default layout)."""

    name = "enriched-archive"
    example = "enriched/archive/run=2017-04-07-10-00-00/"

    def __init__(self, rule: ReadinessRule | None = None) -> None:
        super().__init__(rule or ReadinessRule())

    def run_time(self, run_id: str) -> datetime | None:
        """The time in the ``run=`` folder name, or None."""
        return run_timestamp(run_id)

    def validate_run_id(self, run_id: str) -> str:
        """As Snowplow's SDKs expect: see :func:`~airflow_provider_snowplow.archive.run_ids.validate_run_id`."""
        return validate_run_id(run_id)

    def validate_run_in_archive(self, run_id: str, archive: S3Url) -> str:
        """See :func:`~airflow_provider_snowplow.archive.run_ids.validate_run_in_archive`."""
        return validate_run_in_archive(run_id, archive)

    def ignored(self, folders: Iterable[str]) -> dict[str, str]:
        """``run=`` folders with an impossible timestamp (see :func:`~airflow_provider_snowplow.archive.run_ids.why_not_a_run`)."""
        return {folder: reason for folder in folders if (reason := why_not_a_run(folder)) is not None}


class TransformerOutput(FolderLayout):
    """RDB Loader transformer run folders, with or without the stream transformer's UUID suffix.

    Args:
        rule: the seal to wait for; by default ``shredding_complete.json`` and no quiet period.
    """

    name = "transformer-output"
    example = "transformed/run=2026-11-30-10-10-00-5b1c3f0e-7a2d-4e8b-9c61-0f2e4d6a8b13/"

    def __init__(self, rule: ReadinessRule | None = None) -> None:
        super().__init__(rule or ReadinessRule(marker=SEAL, settle_seconds=0))

    def run_time(self, run_id: str) -> datetime | None:
        """The time in the transformer's ``run=`` folder name (UUID suffix or not), or None."""
        if not isinstance(run_id, str) or not run_id.endswith("/"):
            return None
        match = _TRANSFORMER_RUN.fullmatch(run_id[:-1].rpartition("/")[2])
        return run_timestamp(f"run={match.group(1)}/") if match else None
