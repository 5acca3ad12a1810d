"""The fast path: a valid line converted a column group at a time, with C loops instead of a Python one.

Walking 131 fields in Python costs more than splitting the line and parsing its JSON together, so
for the common case (a valid line) the work is done in bulk: one ``dict`` call builds the event
from the non-empty fields, then each group of typed fields (numbers, timestamps) is checked with
one test over all its values and converted with ``map``. Whenever a check fails, or a value is
unusual (a leap day, a number beyond 2**63), the fast path gives up and returns None: the caller
then runs the field-table loop, which defines the result and reports the errors. So this module
may accept less than the parsers, never more, and what it returns equals what the loop returns
(a property the tests check on generated and mutated lines).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import compress
from operator import call, itemgetter
from typing import Any

from airflow_provider_snowplow.event_transformer.errors import InvalidValue
from airflow_provider_snowplow.event_transformer.fields import (
    FIELD_NAMES,
    FIELDS,
    LATITUDE_INDEX,
    LONGITUDE_INDEX,
)
from airflow_provider_snowplow.event_transformer.parsers import (
    DELETE_NUMBER_CHARS,
    parse_bool,
    parse_double,
    parse_int,
    parse_timestamp,
)

_BOOLS = {"1": True, "0": False}
# What the parser of each numeric field becomes in bulk: int() and float() accept every value of
# the parsers' grammar, and more only with characters the character check has already refused.
_BULK_NUMBER_PARSERS: dict[Callable[[str], Any], Callable[[str], Any]] = {
    parse_int: int,
    parse_double: float,
    parse_bool: _BOOLS.__getitem__,
}
_NUMBER_FIELDS = [
    (index, field.name, _BULK_NUMBER_PARSERS[field.parse])
    for index, field in enumerate(FIELDS)
    if field.parse in _BULK_NUMBER_PARSERS
]
_NUMBER_VALUES = itemgetter(*(index for index, _, _ in _NUMBER_FIELDS))
_NUMBER_NAMES = tuple(name for _, name, _ in _NUMBER_FIELDS)
_NUMBER_PARSERS: tuple[Callable[[str], Any], ...] = tuple(parser for _, _, parser in _NUMBER_FIELDS)
_INT64_RANGE = (-(2**63), 2**63)  # [min, max): beyond it, or a float out there, take the slow path

_TIMESTAMP_INDEXES = [index for index, field in enumerate(FIELDS) if field.parse is parse_timestamp]
_TIMESTAMP_VALUES = itemgetter(*_TIMESTAMP_INDEXES)
_TIMESTAMP_NAMES = tuple(FIELD_NAMES[index] for index in _TIMESTAMP_INDEXES)
# The timestamps of a line, tab-joined. Stricter than the parser: the day is checked against the
# month here, so datetime is not needed; February 29th (and years outside 1000-2999) go the slow
# way, where datetime knows the leap years.
_TIMESTAMP = (
    r"[12][0-9]{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
    r"|(?:0[13578]|1[02])-31) (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,9})?"
)
_TIMESTAMPS = re.compile(f"{_TIMESTAMP}(?:\t{_TIMESTAMP})*")

_SHREDDED_FIELDS = tuple((field.name, field.parse) for field in FIELDS if field.shredded)


def transform_valid(values: list[str], add_geolocation_data: bool) -> dict[str, Any] | None:
    """The event of a line's 131 values, or None when the line needs the field-table loop.

    Args:
        values: the field values of a line with the right field count.
        add_geolocation_data: see :func:`~airflow_provider_snowplow.event_transformer.transform`.
    """
    event = dict(compress(zip(FIELD_NAMES, values, strict=True), values))
    if not (_convert_numbers(event, values) and _convert_timestamps(event, values)):
        return None
    for name, shred in _SHREDDED_FIELDS:
        text = event.pop(name, None)
        if text is not None:
            try:
                shredded = shred(text)
            except InvalidValue:
                return None
            for key, data in shredded.items():
                same_key = event.get(key)
                event[key] = data if same_key is None else same_key + data
    latitude, longitude = values[LATITUDE_INDEX], values[LONGITUDE_INDEX]
    if add_geolocation_data and latitude and longitude:
        event["geo_location"] = f"{latitude},{longitude}"
    return event


def _convert_numbers(event: dict[str, Any], values: list[str]) -> bool:
    numbers = _NUMBER_VALUES(values)
    present = list(compress(numbers, numbers))
    if not present:
        return True
    chars = "".join(present)
    if not chars.isascii() or chars.translate(DELETE_NUMBER_CHARS):
        return False
    try:
        converted: list[Any] = list(map(call, compress(_NUMBER_PARSERS, numbers), present))
    except (ValueError, KeyError):
        return False
    low, high = _INT64_RANGE
    if min(converted) < low or max(converted) >= high:
        return False
    event.update(zip(compress(_NUMBER_NAMES, numbers), converted, strict=True))
    return True


def _convert_timestamps(event: dict[str, Any], values: list[str]) -> bool:
    timestamps = _TIMESTAMP_VALUES(values)
    present = "\t".join(compress(timestamps, timestamps))
    if not present:
        return True
    if _TIMESTAMPS.fullmatch(present) is None:
        return False
    converted = (present.replace(" ", "T").replace("\t", "Z\t") + "Z").split("\t")
    event.update(zip(compress(_TIMESTAMP_NAMES, timestamps), converted, strict=True))
    return True
