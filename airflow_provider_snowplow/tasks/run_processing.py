"""What the tasks that turn one run of an archive into events share: the transform and Spark operators.

Each takes the run, the archive holding it and where its output goes, with the event options, and
checks that the run id is one of the archive's runs in the task's layout.
"""

from __future__ import annotations

from typing import Any, ClassVar

from airflow_provider_snowplow.event_transformer.shapes import Shape
from airflow_provider_snowplow.tasks.base import (
    ARCHIVE_URL,
    CONNECTION,
    OUTPUT_URL,
    READINESS,
    RUN_IN_ARCHIVE,
    SHAPE,
    SNOWPLOW_RUN_ID,
    Argument,
    SnowplowRunTaskMixin,
)
from airflow_provider_snowplow.validation import boolean

RUN_PROCESSING: tuple[Argument, ...] = (
    SNOWPLOW_RUN_ID,
    ARCHIVE_URL,
    OUTPUT_URL,
    Argument("add_geolocation_data", boolean, converts=True),
    SHAPE,
    *CONNECTION,
    *READINESS,
)


class SnowplowRunProcessingMixin(SnowplowRunTaskMixin):
    """One run of an archive, turned into events under ``output_url``.

    Put the task's own arguments after :data:`RUN_PROCESSING` in its ``arguments``.

    Args:
        archive_url: the enriched archive holding the run (templated).
        output_url: ``s3://bucket/prefix/``; the run's output goes to ``<output_url>run=.../``
            (templated).
        add_geolocation_data: add ``geo_location`` (``"lat,lon"``) to events, as the SDK does
            (templated).
        shape: the JSON written: ``"python"`` (default), as Snowplow's Python Analytics SDK
            0.2.3 writes events, or ``"scala"``, as the Scala Analytics SDK's
            ``Event.toJson(lossy = true)`` (templated).
        **kwargs: the run id (see ``SnowplowRunTaskMixin``), the manifest table, connection and run
            layout (see ``SnowplowManifestTaskMixin``), and the base operator's arguments.
    """

    arguments: ClassVar[tuple[Argument, ...]] = RUN_PROCESSING
    together = (RUN_IN_ARCHIVE,)
    archive_url: str
    output_url: str
    add_geolocation_data: bool | str
    shape: Shape | str

    def __init__(
        self,
        *,
        archive_url: str,
        output_url: str,
        add_geolocation_data: bool | str = True,
        shape: Shape | str = "python",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.keep_arguments(locals(), RUN_PROCESSING)
