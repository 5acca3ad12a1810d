"""The fast path: a valid line converted a column group at a time, with C loops instead of a Python one.

Walking 131 fields in Python costs more than splitting the line and parsing its JSON together, so
for the common case (a valid line) the work is done in bulk: one ``dict`` call builds the event
from the non-empty string fields, then each group of typed fields (integers, doubles, booleans,
timestamps) is checked with one test over all its values and converted in one call (``orjson``
for the integers, ``map`` for the others). Whenever a check fails, or a value is unusual (an
integer with leading zeros, a year before 1000), the fast path gives up and returns None: the
caller then runs the field-table loop, which defines the result and reports the errors. So this
module may accept less than the parsers, never more, and what it returns equals what the loop
returns (a property the tests check on generated and mutated lines).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import compress
from operator import itemgetter
from typing import Any, cast

import orjson

from airflow_provider_snowplow.event_transformer.fields import (
    FIELD_INDEX,
    FIELD_NAMES,
    FIELDS,
    LATITUDE_INDEX,
    LONGITUDE_INDEX,
)
from airflow_provider_snowplow.event_transformer.parsers import (
    parse_bool,
    parse_double,
    parse_int,
    parse_string,
    parse_timestamp,
)
from airflow_provider_snowplow.event_transformer.shredding import CONTEXT_KEYS, UNSTRUCT_KEYS

_BOOLS = {"1": True, "0": False}  # any other boolean value raises KeyError
_INT64_MAX = 2**63 - 1
_DOUBLE_CHARS = "0123456789+-.eE"  # what a double may be made of, exponent notation included

_Getter = Callable[[list[str]], tuple[str, ...]]


def _group(parser: Callable[[str], Any]) -> tuple[_Getter, tuple[str, ...]]:
    """A getter for the values of the fields a parser handles, and their names, in field order."""
    indexes = [index for index, field in enumerate(FIELDS) if field.parse is parser]
    return cast(_Getter, itemgetter(*indexes)), tuple(FIELD_NAMES[index] for index in indexes)


_STRING_VALUES, _STRING_NAMES = _group(parse_string)
# Each numeric group is checked all at once, on its values joined: integers may only hold ASCII
# digits and "-"; doubles digits, "-" and "." or, less often, "+", "e" and "E" too. Within those
# characters, orjson (integers) and float() (doubles) accept what the parsers accept, or raise.
_INT_VALUES, _INT_NAMES = _group(parse_int)
_DOUBLE_VALUES, _DOUBLE_NAMES = _group(parse_double)
_BOOL_VALUES, _BOOL_NAMES = _group(parse_bool)
_TIMESTAMP_VALUES, _TIMESTAMP_NAMES = _group(parse_timestamp)
# The timestamps of a line, tab-joined. Stricter than the parser, which asks datetime about the
# calendar: here the day is checked against the month and leap years are spelled out; years
# outside 1000-2999 go the slow way.
_DATE = (
    r"[12][0-9]{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
    r"|(?:0[13578]|1[02])-31)"
    r"|(?:[12][0-9](?:0[48]|[2468][048]|[13579][26])|(?:1[26]|2[048])00)-02-29"
)
_TIMESTAMP = rf"(?:{_DATE}) (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{{1,9}})?"
_TIMESTAMPS = re.compile(f"{_TIMESTAMP}(?:\t{_TIMESTAMP})*")

_CONTEXTS_INDEXES = tuple(FIELD_INDEX[name] for name in ("contexts", "derived_contexts"))
_UNSTRUCT_INDEX = FIELD_INDEX["unstruct_event"]


def transform_valid(values: list[str], add_geolocation_data: bool) -> dict[str, Any] | None:
    """The event of a line's 131 values, or None when the line needs the field-table loop.

    Args:
        values: the field values of a line with the right field count.
        add_geolocation_data: see :func:`~airflow_provider_snowplow.event_transformer.transform`.
    """
    strings = _STRING_VALUES(values)
    event = dict(compress(zip(_STRING_NAMES, strings, strict=True), strings))
    try:
        if not _add_numbers(event, values):
            return None
        timestamps = _TIMESTAMP_VALUES(values)
        chars = "\t".join(filter(None, timestamps))
        if chars:
            if _TIMESTAMPS.fullmatch(chars) is None:
                return None
            converted = (chars.replace(" ", "T").replace("\t", "Z\t") + "Z").split("\t")
            event.update(zip(compress(_TIMESTAMP_NAMES, timestamps), converted, strict=True))
        for index in _CONTEXTS_INDEXES:
            if values[index]:
                _add_contexts(event, values[index])
        if values[_UNSTRUCT_INDEX]:
            document = orjson.loads(values[_UNSTRUCT_INDEX])
            UNSTRUCT_KEYS[document["schema"]]
            inner = document["data"]
            event[UNSTRUCT_KEYS[inner["schema"]]] = inner["data"]
    except (ValueError, KeyError, TypeError):  # ValueError includes InvalidValue, JSONDecodeError
        return None
    latitude, longitude = values[LATITUDE_INDEX], values[LONGITUDE_INDEX]
    if add_geolocation_data and latitude and longitude:
        event["geo_location"] = f"{latitude},{longitude}"
    return event


def _add_numbers(event: dict[str, Any], values: list[str]) -> bool:
    """Convert the integer, double and boolean fields into the event; False: use the parsers.

    Raises:
        ValueError, KeyError: a value the parsers reject (a misplaced "-" or ".", a boolean "2").
    """
    ints = _INT_VALUES(values)
    chars = "".join(ints)
    if chars:
        digits = chars.replace("-", "")
        if not (digits.isascii() and digits.isdigit()):
            return False
        # orjson converts them all in one call, and refuses what int() and the parser would
        # refuse but the check above lets through ("1-2", "-"), and leading zeros (left to the
        # parser). Out of 64 bits, orjson returns a float (sum() is then a float) or, from 2**63
        # to 2**64 - 1, an int that max() sees.
        converted = orjson.loads(f"[{','.join(filter(None, ints))}]")
        if type(sum(converted)) is not int or max(converted) > _INT64_MAX:
            return False
        event.update(zip(compress(_INT_NAMES, ints), converted, strict=True))
    doubles = _DOUBLE_VALUES(values)
    chars = "".join(doubles)
    if chars:
        digits = chars.replace("-", "").replace(".", "")
        if not (digits.isascii() and digits.isdigit()) and (
            not chars.isascii() or chars.strip(_DOUBLE_CHARS)
        ):
            return False
        converted = list(map(float, filter(None, doubles)))  # ValueError for "1.2.3", "1e", "-"...
        total = sum(converted)
        if total - total:  # NaN: a value (or, rarely, the sum) is infinite; the parser decides
            return False
        event.update(zip(compress(_DOUBLE_NAMES, doubles), converted, strict=True))
    bools = _BOOL_VALUES(values)
    event.update(zip(compress(_BOOL_NAMES, bools), map(_BOOLS.__getitem__, filter(None, bools)), strict=True))
    return True


def _add_contexts(event: dict[str, Any], text: str) -> None:
    """Shred a contexts array into the event, appending to keys already there.

    Raises what indexing a wrong JSON document raises (KeyError, TypeError), or InvalidValue.
    """
    document = orjson.loads(text)
    CONTEXT_KEYS[document["schema"]]
    contexts = document["data"]
    if type(contexts) is not list:
        raise TypeError("not an array")
    for context in contexts:
        key = CONTEXT_KEYS[context["schema"]]
        if key in event:
            event[key].append(context["data"])
        else:
            event[key] = [context["data"]]
