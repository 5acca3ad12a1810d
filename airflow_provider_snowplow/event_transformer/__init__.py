r"""Snowplow enriched events (TSV) to JSON-ready dicts: the core of the per-run processing step.

Pure Python plus orjson; imports neither Airflow nor boto3. The output equals that of Snowplow's
Python Analytics SDK 0.2.3 for every valid line, several times faster; with ``shape="scala"`` it
equals the Scala Analytics SDK's ``Event.toJson(lossy = true)`` instead. The few intentional
differences (stricter validation, merged contexts) are listed in docs/event-transformer.md.

Typical use::

    from airflow_provider_snowplow.event_transformer import transform, transform_stream

    event = transform(line)                       # one line -> dict
    event = transform(line, shape="scala")        # ... as the Scala Analytics SDK writes it
    with open("part-0000", "rb") as tsv, open("good.jsonl", "wb") as good, \
            open("bad.jsonl", "wb") as bad:
        stats = transform_stream(tsv, good, bad)  # a whole file, streaming
"""

from airflow_provider_snowplow.event_transformer.errors import (
    FieldError,
    SnowplowEventTransformationException,
)
from airflow_provider_snowplow.event_transformer.fields import FIELD_NAMES, FIELDS, Field
from airflow_provider_snowplow.event_transformer.shapes import SHAPES, Shape
from airflow_provider_snowplow.event_transformer.stream import (
    BadRow,
    GoodEvent,
    TransformStats,
    transform_lines,
    transform_stream,
)
from airflow_provider_snowplow.event_transformer.transform import get_fields, transform

__all__ = [
    "FIELDS",
    "FIELD_NAMES",
    "SHAPES",
    "BadRow",
    "Field",
    "FieldError",
    "GoodEvent",
    "Shape",
    "SnowplowEventTransformationException",
    "TransformStats",
    "get_fields",
    "transform",
    "transform_lines",
    "transform_stream",
]
