"""Enriched-event TSV line to dict: the whole event, or just the fields a caller asks for.

:func:`transform` first tries the batch fast path (:mod:`.fastpath`), which handles a valid line
several times faster; when it is not sure (any invalid or unusual value) the line goes through
:func:`transform_values`, the plain loop over the field table, which defines the result and
collects every error of the line.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from airflow_provider_snowplow.event_transformer.errors import (
    FieldError,
    InvalidValue,
    SnowplowEventTransformationException,
    line_error,
)
from airflow_provider_snowplow.event_transformer.fastpath import transform_valid
from airflow_provider_snowplow.event_transformer.fields import (
    FIELD_COUNT,
    FIELD_INDEX,
    FIELDS,
    LATITUDE_INDEX,
    LONGITUDE_INDEX,
    Field,
)

_LINE_TERMINATORS = ("\n", "\r")


def transform(line: str, add_geolocation_data: bool = True) -> dict[str, Any]:
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

    Returns:
        A new dict the caller owns.

    Raises:
        SnowplowEventTransformationException: the line is not a valid enriched event; it carries
            every problem of the line, each naming the field and the value.
    """
    if line[-1:] in _LINE_TERMINATORS or len(values := line.split("\t")) != FIELD_COUNT:
        values = split_line(line)  # drops the terminator, or raises for a wrong field count
    event = transform_valid(values, add_geolocation_data)
    if event is None:
        event = transform_values(values, add_geolocation_data)
    return event


def split_line(line: str) -> list[str]:
    """The field values of a line, after dropping one line terminator.

    Raises:
        SnowplowEventTransformationException: the line does not have exactly 131 fields.
    """
    if line[-1:] in _LINE_TERMINATORS:
        line = line[:-2] if line.endswith("\r\n") else line[:-1]
    values = line.split("\t")
    if len(values) != FIELD_COUNT:
        raise SnowplowEventTransformationException(
            [line_error(f"Expected {FIELD_COUNT} fields, received {len(values)} fields")]
        )
    return values


def transform_values(values: list[str], add_geolocation_data: bool = True) -> dict[str, Any]:
    """The reference transformation: one pass over the field table, collecting every error.

    Args:
        values: the 131 field values of a line, as :func:`split_line` returns them.
        add_geolocation_data: see :func:`transform`.

    Raises:
        SnowplowEventTransformationException: at least one field is invalid.
    """
    event: dict[str, Any] = {}
    errors: list[FieldError] = []
    latitude, longitude = values[LATITUDE_INDEX], values[LONGITUDE_INDEX]
    if add_geolocation_data and latitude and longitude:
        event["geo_location"] = f"{latitude},{longitude}"
    for field, value in zip(FIELDS, values, strict=True):
        if value:
            _parse_into(event, errors, field, value)
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
            _parse_into(event, errors, field, value)
    if errors:
        raise SnowplowEventTransformationException(errors)
    return event


def _parse_into(event: dict[str, Any], errors: list[FieldError], field: Field, value: str) -> None:
    try:
        parsed = field.parse(value)
    except InvalidValue as problem:
        errors.extend(problem.field_errors(field.name, value))
        return
    if field.shredded:
        merge_shredded(event, parsed)
    else:
        event[field.name] = parsed


def merge_shredded(event: dict[str, Any], shredded: dict[str, Any]) -> None:
    """Add shredded keys to an event; contexts of a key already there are appended to its list.

    The only keys that can meet are ``contexts_*`` keys from ``contexts`` and ``derived_contexts``
    (both are lists); the SDK lets the derived ones replace the tracker's, we keep both.
    """
    for key, data in shredded.items():
        same_key = event.get(key)
        if same_key is None:
            event[key] = data
        else:
            event[key] = same_key + data
