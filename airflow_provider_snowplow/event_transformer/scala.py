"""The Scala Analytics SDK's JSON for an enriched event: ``Event.parse(line).toJson(lossy = true)``.

Teams that also run Spark jobs on Snowplow's Scala Analytics SDK (3.x) get the same JSON from us,
field for field, with ``shape="scala"``. It is the same field table and the same parsers as the
default (Python SDK) shape, with the Scala SDK's rules on top:

* every field is present, ``null`` when empty (``contexts``, ``derived_contexts`` and
  ``unstruct_event`` give only their shredded keys, as in the default shape);
* ``refr_device_tstamp`` is called ``refr_dvce_tstamp``;
* ``collector_tstamp``, ``event_id``, ``v_collector`` and ``v_etl`` must not be empty;
  ``event_id`` must be a UUID (written in lower case); integers must fit in 32 bits; ``se_value``
  is a number;
* timestamps are written as Java's ``Instant.toString``: ``2013-11-26T00:02:05Z``,
  ``...05.100Z`` (fractions in groups of three digits, none when zero);
* shredded keys turn ``-`` into ``_`` too (``contexts_com_acme_corp_...``), each context's data
  gets ``_schema_version`` (3.2.0 and later), and the envelopes must be
  ``com.snowplowanalytics.snowplow/contexts`` and ``unstruct_event`` ``1-0-*``;
* ``geo_location`` is ``"lat,lon"`` with the numbers as Java prints doubles (``37.0``, ``1.0E-4``).

Where the Scala SDK accepts what we refuse, or keeps one of two colliding context lists, we differ
on purpose; docs/event-transformer.md lists each case.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from math import copysign
from typing import Any

from airflow_provider_snowplow.event_transformer.errors import (
    FieldError,
    InvalidValue,
    SnowplowEventTransformationException,
)
from airflow_provider_snowplow.event_transformer.fields import (
    FIELDS,
    Field,
    parse_into,
    split_line,
)
from airflow_provider_snowplow.event_transformer.parsers import (
    parse_bool,
    parse_double,
    parse_int,
    parse_string,
    parse_timestamp,
)
from airflow_provider_snowplow.event_transformer.shredding import SCALA_SDK, shred_contexts, shred_unstruct

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def parse_int32(value: str) -> int:
    """An integer within Java's ``Int`` (signed 32 bits), the type of the Scala SDK's integer fields.

    Raises:
        InvalidValue: not an integer, or outside the 32-bit range.
    """
    number = parse_int(value)
    if not INT32_MIN <= number <= INT32_MAX:
        raise InvalidValue("integer outside the signed 32-bit range (the Scala SDK's Int)")
    return number


def parse_instant(value: str) -> str:
    """A timestamp as Java's ``Instant.toString`` writes it: the fraction in 0, 3, 6 or 9 digits.

    ``2013-11-26 00:02:05.000`` becomes ``2013-11-26T00:02:05Z``, ``... 00:02:05.1`` becomes
    ``2013-11-26T00:02:05.100Z``.

    Raises:
        InvalidValue: what :func:`~.parsers.parse_timestamp` refuses.
    """
    text = parse_timestamp(value)
    seconds, dot, fraction = text[:-1].partition(".")
    if not dot:
        return text
    nanos = fraction.ljust(9, "0")
    if nanos == "000000000":
        return seconds + "Z"
    if nanos.endswith("000000"):
        nanos = nanos[:3]
    elif nanos.endswith("000"):
        nanos = nanos[:6]
    return f"{seconds}.{nanos}Z"


def parse_uuid(value: str) -> str:
    """A UUID (``8-4-4-4-12`` hex digits) in lower case, as Java's ``UUID.toString`` writes it.

    Raises:
        InvalidValue: anything else.
    """
    if not _UUID.fullmatch(value):
        raise InvalidValue("not a UUID (8-4-4-4-12 hexadecimal digits)")
    return value.lower()


def java_double_text(number: float) -> str:
    """``number`` as Java's ``Double.toString`` (JDK 19+: the shortest digits that read back) writes it.

    Plain notation from 0.001 to 10^7 with at least one decimal (``37.0``, ``0.001``), otherwise
    ``d.dddE<exponent>`` (``1.0E-4``, ``1.2345678E7``).
    """
    if number == 0:
        return "-0.0" if copysign(1.0, number) < 0 else "0.0"
    sign = "-" if number < 0 else ""
    shortest = Decimal(repr(abs(number))).as_tuple()
    digits = "".join(map(str, shortest.digits))
    exponent = len(digits) + int(shortest.exponent) - 1  # of the first digit
    digits = digits.rstrip("0")
    if -3 <= exponent < 7:
        if exponent < 0:
            return f"{sign}0.{'0' * (-exponent - 1)}{digits}"
        whole = digits[: exponent + 1].ljust(exponent + 1, "0")
        return f"{sign}{whole}.{digits[exponent + 1 :] or '0'}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exponent}"


# The Scala SDK's type of each field, where it is not the default shape's.
_SCALA_PARSERS: dict[Callable[[str], Any], Callable[[str], Any]] = {
    parse_string: parse_string,
    parse_int: parse_int32,
    parse_double: parse_double,
    parse_bool: parse_bool,
    parse_timestamp: parse_instant,
    shred_contexts: partial(shred_contexts, rules=SCALA_SDK),
    shred_unstruct: partial(shred_unstruct, rules=SCALA_SDK),
}
_SCALA_TYPES = {"event_id": parse_uuid, "se_value": parse_double}
_SCALA_NAMES = {"refr_device_tstamp": "refr_dvce_tstamp"}
# Fields that are not Option[...] in the Scala SDK's Event.
REQUIRED = frozenset({"collector_tstamp", "event_id", "v_collector", "v_etl"})

# The field table, with the Scala SDK's names and types.
SCALA_FIELDS: tuple[Field, ...] = tuple(
    Field(
        _SCALA_NAMES.get(field.name, field.name),
        _SCALA_TYPES.get(field.name, _SCALA_PARSERS[field.parse]),
        field.shredded,
    )
    for field in FIELDS
)
_LATITUDE, _LONGITUDE = "geo_latitude", "geo_longitude"


def transform_scala(line: str, add_geolocation_data: bool = True) -> dict[str, Any]:
    """One enriched event as the Scala Analytics SDK's ``Event.parse(line).toJson(lossy = true)``.

    Args:
        line: one line of an enriched-event file; one trailing line terminator is ignored.
        add_geolocation_data: add ``geo_location`` when both coordinates are set (the Scala SDK
            always does).

    Raises:
        SnowplowEventTransformationException: every problem of the line, each naming the field
            (by the Scala SDK's name) and the value.
    """
    return transform_scala_values(split_line(line), add_geolocation_data)


def transform_scala_values(values: list[str], add_geolocation_data: bool = True) -> dict[str, Any]:
    """:func:`transform_scala` of a line's 131 values (as :func:`~.fields.split_line` returns them)."""
    event: dict[str, Any] = {}
    errors: list[FieldError] = []
    for field, value in zip(SCALA_FIELDS, values, strict=True):
        if value:
            parse_into(event, errors, field, value)
        elif field.name in REQUIRED:
            errors.append(FieldError(field.name, value, "cannot be empty (the Scala SDK requires it)"))
        elif not field.shredded:
            event[field.name] = None
    if errors:
        raise SnowplowEventTransformationException(errors)
    latitude, longitude = event[_LATITUDE], event[_LONGITUDE]
    if add_geolocation_data and latitude is not None and longitude is not None:
        event["geo_location"] = f"{java_double_text(latitude)},{java_double_text(longitude)}"
    return event
