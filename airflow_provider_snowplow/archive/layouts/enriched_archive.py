"""The ``enriched-archive`` layout: EmrEtlRunner's ``run=YYYY-MM-DD-HH-MM-SS/`` folders, the default.

A run is one folder directly under the prefix, as EmrEtlRunner and S3DistCp leave them, found with
one delimiter listing (a page per 1,000 folders); run ids and behaviour are exactly as Snowplow's
SDKs see them. **When a run is ready**: when its folder holds the marker (``_SUCCESS``) and its
newest object is older than the quiet period (900 s): the shared rule of
:mod:`~airflow_provider_snowplow.archive.layouts.readiness`, which says why both are needed
(S3DistCp copies a run's files one by one, the marker among them, over minutes).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from airflow_provider_snowplow.archive.layouts.base import FolderLayout
from airflow_provider_snowplow.archive.layouts.readiness import ReadinessRule
from airflow_provider_snowplow.archive.run_ids import (
    run_timestamp,
    validate_run_id,
    validate_run_in_archive,
    why_not_a_run,
)
from airflow_provider_snowplow.archive.urls import S3Url


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
