"""Enriched-event TSV line to dict: the whole event, or just the fields a caller asks for.

:func:`transform` first tries the batch fast path (:mod:`.fastpath`), which handles a valid line
several times faster; when it is not sure (any invalid or unusual value) the line goes through
:func:`transform_values`, the plain loop over the field table, which defines the result and
collects every error of the line. With ``shape="scala"`` the line goes to :mod:`.scala` instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from airflow_provider_snowplow.event_transformer.errors import (
    FieldError,
    SnowplowEventTransformationException,
)
from airflow_provider_snowplow.event_transformer.fastpath import transform_valid
from airflow_provider_snowplow.event_transformer.fields import (
    FIELD_COUNT,
    FIELD_INDEX,
    FIELDS,
    LATITUDE_INDEX,
    LINE_TERMINATORS,
    LONGITUDE_INDEX,
    Field,
    check_field_count,
    parse_into,
    split_line,
)
from airflow_provider_snowplow.event_transformer.scala import transform_scala
from airflow_provider_snowplow.event_transformer.shapes import Shape, check_shape
from airflow_provider_snowplow.event_transformer.shredding import merge_shredded

# Their old home: split_line and merge_shredded were defined here.
__all__ = ["get_fields", "merge_shredded", "split_line", "transform", "transform_split", "transform_values"]


def transform(line: str, add_geolocation_data: bool = True, shape: Shape = "python") -> dict[str, Any]:
    r"""One enriched event as a dict, equal to ``snowplow_analytics_sdk.event_transformer.transform``.

    Empty fields are left out; integers, doubles and booleans are converted; timestamps become
    ``YYYY-MM-DDTHH:MM:SS[.fff]Z``; ``contexts``, ``derived_contexts`` and ``unstruct_event`` are
    shredded into one key per schema (``contexts_com_acme_product_1``: a list of data objects;
    ``unstruct_event_com_acme_link_click_1``: the event's data). See docs/event-transformer.md for
    where we intentionally differ from the SDK.

    Args:
        line: one line of an enriched-event file; one trailing ``\n``, ``\r\n`` or ``\r`` is
            ignored, so lines read from a file can be passed as they are.
        add_geolocation_data: add ``geo_location`` (``"lat,lon"``, for Elasticsearch's
            ``geo_point``) when both coordinates are present.
        shape: ``"python"`` (the default) for the Python SDK's JSON, described above;
            ``"scala"`` for the Scala Analytics SDK's ``Event.toJson(lossy = true)``
            (:func:`~.scala.transform_scala`).

    Returns:
        A new dict the caller owns.

    Raises:
        SnowplowEventTransformationException: the line is not a valid enriched event; it carries
            every problem of the line, each naming the field and the value.
        ValueError: ``shape`` is neither ``"python"`` nor ``"scala"``.
    """
    if shape != "python" and check_shape(shape) == "scala":
        return transform_scala(line, add_geolocation_data)
    if line[-1:] in LINE_TERMINATORS or len(values := line.split("\t")) != FIELD_COUNT:
        values = split_line(line)  # drops the terminator, or raises for a wrong field count
    return transform_split(values, add_geolocation_data)


def transform_split(values: list[str], add_geolocation_data: bool = True) -> dict[str, Any]:
    """:func:`transform` of a line already split on tabs (without its line terminator).

    Raises:
        SnowplowEventTransformationException: not 131 values, or an invalid one.
    """
    event = transform_valid(check_field_count(values), add_geolocation_data)
    if event is None:
        event = transform_values(values, add_geolocation_data)
    return event


def transform_values(
    values: list[str], add_geolocation_data: bool = True, fields: Sequence[Field] = FIELDS
) -> dict[str, Any]:
    """The reference transformation: one pass over the field table, collecting every error.

    Args:
        values: the 131 field values of a line, as :func:`split_line` returns them.
        add_geolocation_data: see :func:`transform`.
        fields: another field table of as many fields (the SDK let callers pass their own, see
            :mod:`airflow_provider_snowplow.snowplow_analytics_sdk.event_transformer`).

    Raises:
        SnowplowEventTransformationException: at least one field is invalid.
    """
    event: dict[str, Any] = {}
    errors: list[FieldError] = []
    latitude, longitude = values[LATITUDE_INDEX], values[LONGITUDE_INDEX]
    if add_geolocation_data and latitude and longitude:
        event["geo_location"] = f"{latitude},{longitude}"
    for field, value in zip(fields, values, strict=True):
        if value:
            parse_into(event, errors, field, value)
    if errors:
        raise SnowplowEventTransformationException(errors)
    return event


def get_fields(line: str, fields: Iterable[str]) -> dict[str, Any]:
    """Some fields of an event, converted as :func:`transform` would, without converting the rest.

    For filtering or routing on a few fields (``event_name``, ``collector_tstamp``) at a fraction
    of the cost, and without failing on problems in fields nobody asked for. A shredded field
    (``contexts``...) contributes its shredded keys; empty fields are absent, as in
    :func:`transform`, so ``get_fields(line, names)`` is ``transform(line)`` restricted to ``names``.

    Args:
        line: one enriched-event line (a trailing line terminator is ignored).
        fields: enriched-event field names, e.g. ``["event_id", "collector_tstamp"]``.

    Raises:
        ValueError: a name is not an enriched-event field (a programming error, not bad data).
        SnowplowEventTransformationException: the line has the wrong number of fields, or a
            requested field is invalid.
    """
    try:
        wanted = [FIELDS[FIELD_INDEX[name]] for name in dict.fromkeys(fields)]
    except KeyError as unknown:
        raise ValueError(f"{unknown.args[0]!r} is not an enriched-event field") from None
    values = split_line(line)
    event: dict[str, Any] = {}
    errors: list[FieldError] = []
    for field in wanted:
        value = values[FIELD_INDEX[field.name]]
        if value:
            parse_into(event, errors, field, value)
    if errors:
        raise SnowplowEventTransformationException(errors)
    return event
