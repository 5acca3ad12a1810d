"""``snowplow_analytics_sdk.event_transformer`` on our core: ``transform``, ``jsonify_good_event`` and the field table.

``transform(line)`` and ``jsonify_good_event(fields)`` with the default table are our transformer
(:func:`airflow_provider_snowplow.event_transformer.transform`), whose output equals the SDK's for
every valid line; docs/event-transformer.md lists where it refuses what the SDK let through.

``ENRICHED_EVENT_FIELD_TYPES`` is our field table in the SDK's form, ``(name, converter)`` pairs
where a converter takes the key and the value and returns ``(key, value)`` pairs. The SDK let
callers pass a table of their own as ``known_fields``; such a table is walked the way the SDK
walked it (every converter's problems collected, anything else a converter raises reported as
unexpected), by our field-table loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from airflow_provider_snowplow.event_transformer import fields, parsers, shredding
from airflow_provider_snowplow.event_transformer.errors import (
    InvalidValue,
    SnowplowEventTransformationException,
)
from airflow_provider_snowplow.event_transformer.fields import Field, check_field_count
from airflow_provider_snowplow.event_transformer.transform import transform as transform_line
from airflow_provider_snowplow.event_transformer.transform import transform_split, transform_values
from airflow_provider_snowplow.snowplow_analytics_sdk import json_shredder

Pairs = list[tuple[str, Any]]
Converter = Callable[[str, str], Pairs]

LATITUDE_INDEX = fields.LATITUDE_INDEX
LONGITUDE_INDEX = fields.LONGITUDE_INDEX

__all__ = [
    "ENRICHED_EVENT_FIELD_TYPES",
    "LATITUDE_INDEX",
    "LONGITUDE_INDEX",
    "convert_bool",
    "convert_contexts",
    "convert_double",
    "convert_int",
    "convert_string",
    "convert_tstamp",
    "convert_unstruct",
    "jsonify_good_event",
    "transform",
]


def _converted(parse: Callable[[str], Any], key: str, value: str) -> Pairs:
    try:
        return [(key, parse(value))]
    except InvalidValue as problem:
        raise SnowplowEventTransformationException(problem.field_errors(key, value)) from None


def convert_string(key: str, value: str) -> Pairs:
    """``[(key, value)]``."""
    return _converted(parsers.parse_string, key, value)


def convert_int(key: str, value: str) -> Pairs:
    """``[(key, integer)]``; raises SnowplowEventTransformationException for anything else."""
    return _converted(parsers.parse_int, key, value)


def convert_bool(key: str, value: str) -> Pairs:
    """``[(key, True)]`` for ``1``, ``[(key, False)]`` for ``0``; raises for anything else."""
    return _converted(parsers.parse_bool, key, value)


def convert_double(key: str, value: str) -> Pairs:
    """``[(key, float)]``; raises SnowplowEventTransformationException for anything else."""
    return _converted(parsers.parse_double, key, value)


def convert_tstamp(key: str, value: str) -> Pairs:
    """``[(key, "YYYY-MM-DDTHH:MM:SS[.fff]Z")]``; raises for anything but an Enrich timestamp."""
    return _converted(parsers.parse_timestamp, key, value)


def convert_contexts(key: str, value: str) -> Pairs:
    """The shredded keys of a contexts field, with their lists (``key`` is not used, as in the SDK)."""
    return json_shredder.parse_contexts(value)


def convert_unstruct(key: str, value: str) -> Pairs:
    """The one shredded key of an ``unstruct_event`` field, with its data."""
    return json_shredder.parse_unstruct(value)


_CONVERTERS: dict[Callable[[str], Any], Converter] = {
    parsers.parse_string: convert_string,
    parsers.parse_int: convert_int,
    parsers.parse_bool: convert_bool,
    parsers.parse_double: convert_double,
    parsers.parse_timestamp: convert_tstamp,
    shredding.shred_contexts: convert_contexts,
    shredding.shred_unstruct: convert_unstruct,
}

# The enriched-event fields in TSV order, each with its converter: our field table, in the SDK's form.
ENRICHED_EVENT_FIELD_TYPES: tuple[tuple[str, Converter], ...] = tuple(
    (field.name, _CONVERTERS[field.parse]) for field in fields.FIELDS
)


def transform(
    line: str,
    known_fields: Sequence[tuple[str, Converter]] = ENRICHED_EVENT_FIELD_TYPES,
    add_geolocation_data: bool = True,
) -> dict[str, Any]:
    """One enriched-event line (TSV) as a dict; see :func:`jsonify_good_event`.

    Raises:
        SnowplowEventTransformationException: every problem of the line.
    """
    if known_fields is ENRICHED_EVENT_FIELD_TYPES:
        return transform_line(line, add_geolocation_data)
    return jsonify_good_event(line.split("\t"), known_fields, add_geolocation_data)


def jsonify_good_event(
    event: Sequence[str],
    known_fields: Sequence[tuple[str, Converter]] = ENRICHED_EVENT_FIELD_TYPES,
    add_geolocation_data: bool = True,
) -> dict[str, Any]:
    """An enriched event given as its list of field values, as a dict.

    Args:
        event: the values, one per field of ``known_fields``.
        known_fields: ``(name, converter)`` pairs; empty values are left out, the others become
            what their converter returns.
        add_geolocation_data: add ``geo_location`` (``"lat,lon"``) when both coordinates are set.

    Raises:
        SnowplowEventTransformationException: not one value per field, or invalid values.
    """
    values = list(event)
    if known_fields is ENRICHED_EVENT_FIELD_TYPES:
        return transform_split(values, add_geolocation_data)
    check_field_count(values, len(known_fields))
    table = tuple(_as_field(name, convert) for name, convert in known_fields)
    return transform_values(values, add_geolocation_data, table)


def _as_field(name: str, convert: Converter) -> Field:
    """A converter of the SDK's kind as a field of our table: its pairs become shredded keys."""

    def parse(value: str) -> dict[str, Any]:
        try:
            return dict(convert(name, value))
        except SnowplowEventTransformationException as invalid:
            raise InvalidValue.of(InvalidValue(e.reason, e.value) for e in invalid.errors) from None
        except Exception as unexpected:
            raise InvalidValue(
                f"unexpected {type(unexpected).__name__} from the converter: {unexpected}"
            ) from None

    return Field(name, parse, shredded=True)
