"""The fast path: a valid line turned into its event by straight-line code made from the field table.

Walking the 131 fields in a Python loop costs more than splitting the line and parsing its JSON
together, so the common case (a valid line) takes two cheaper steps:

1. Each group of typed fields (integers, doubles, timestamps) is checked and converted at once:
   its non-empty values are joined and tested with one regular expression or ``str`` method, and
   converted in one call (``orjson`` for the numbers, two ``str.replace`` for the timestamps).
   When a group is unusual (a 19-digit integer, ``+5.5``, a year before 1000) its values go
   through the parsers one by one instead, still on this path.
2. One generated function, :func:`_assemble`, unpacks the 131 values into local variables and
   builds the event with one ``if`` per field, in field order, taking each typed value from its
   group's converted values. A plain loop over the table does the same work several times slower.

Whenever a value is invalid, the fast path gives up and returns None: the caller then runs the
field-table loop, which defines the result and reports every error. So this module may accept
less than the parsers, never more, and what it returns equals what the loop returns (a property
the tests check on generated and mutated lines). Its keys come in the reference SDK's order.
"""

from __future__ import annotations

import linecache
import re
from collections.abc import Callable
from typing import Any, cast

import orjson

from airflow_provider_snowplow.event_transformer.fields import (
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

_Next = Callable[[], Any]  # the next converted value of a group, in field order

# A group's non-empty values are joined with tabs, which no value can hold.
# Integers: at most 18 digits, so always within 64 bits; orjson then refuses only leading zeros.
_INTEGERS = re.compile(r"-?[0-9]{1,18}(?:\t-?[0-9]{1,18})*")
# Doubles: JSON numbers are a subset of what float() takes, and orjson refuses infinite ones;
# this check keeps out anything that could make the array hold more or fewer items (a ",").
_DOUBLE_CHARS = "0123456789+-.eE\t"
# Timestamps: stricter than the parser, which asks datetime about the calendar: here the day is
# checked against the month and leap years are spelled out; years outside 1000-2999 go the slow way.
_DATE = (
    r"[12][0-9]{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
    r"|(?:0[13578]|1[02])-31)"
    r"|(?:[12][0-9](?:0[48]|[2468][048]|[13579][26])|(?:1[26]|2[048])00)-02-29"
)
_TIMESTAMP = rf"(?:{_DATE}) (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{{1,9}})?"
_TIMESTAMPS = re.compile(f"{_TIMESTAMP}(?:\t{_TIMESTAMP})*")

_TAB = "\t"


def _json_array(text: str) -> list[Any]:
    """The values of a tab-joined group, parsed as one JSON array."""
    return cast(list[Any], orjson.loads(f"[{text.replace(_TAB, ',')}]"))


def _integers(group: tuple[str, ...]) -> _Next:
    """The integers of a group, in one orjson call when they are plain enough."""
    text = _TAB.join(filter(None, group))
    if _INTEGERS.fullmatch(text):
        try:
            return iter(_json_array(text)).__next__
        except orjson.JSONDecodeError:  # leading zeros
            pass
    return map(parse_int, filter(None, group)).__next__


def _doubles(group: tuple[str, ...]) -> _Next:
    """The doubles of a group, in one orjson call when they are plain enough."""
    text = _TAB.join(filter(None, group))
    # "-0" would become the integer 0 and lose its sign: the parser keeps it
    if text.isascii() and not text.strip(_DOUBLE_CHARS) and "-0" not in text:
        try:  # orjson gives an int for "12": float() makes it 12.0, as the parser does
            return map(float, _json_array(text)).__next__
        except orjson.JSONDecodeError:  # "+5.5", ".5", "1.", or out of range
            pass
    return map(parse_double, filter(None, group)).__next__


def _timestamps(group: tuple[str, ...]) -> _Next:
    """The timestamps of a group in the SDK's form, with two replaces when they are all valid."""
    text = _TAB.join(filter(None, group))
    if _TIMESTAMPS.fullmatch(text):
        return iter((text.replace(" ", "T").replace(_TAB, "Z\t") + "Z").split(_TAB)).__next__
    return map(parse_timestamp, filter(None, group)).__next__


_BOOLS = {"1": True, "0": False}  # any other value raises KeyError


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


def _add_unstruct(event: dict[str, Any], text: str) -> None:
    """Add a self-describing event's one shredded key; raises like :func:`_add_contexts`."""
    document = orjson.loads(text)
    UNSTRUCT_KEYS[document["schema"]]
    inner = document["data"]
    event[UNSTRUCT_KEYS[inner["schema"]]] = inner["data"]


def _assembly_source() -> str:
    """The source of ``_assemble``: one statement per field, as the field table says."""
    variables = [f"v{index}" for index in range(len(FIELDS))]
    latitude, longitude = variables[LATITUDE_INDEX], variables[LONGITUDE_INDEX]
    # each typed group: the parser, the name of its reader, the local holding its next value
    groups: dict[Callable[[str], Any], tuple[str, str]] = {
        parse_int: ("integers", "next_int"),
        parse_double: ("doubles", "next_double"),
        parse_timestamp: ("timestamps", "next_timestamp"),
    }
    lines = [
        "def _assemble(values, add_geolocation_data):",
        f"    {', '.join(variables)} = values",
    ]
    for parser, (reader, next_value) in groups.items():
        members = [
            variable for field, variable in zip(FIELDS, variables, strict=True) if field.parse is parser
        ]
        lines.append(f"    {next_value} = {reader}(({', '.join(members)},))")
    lines += [
        "    event = {}",
        f"    if add_geolocation_data and {latitude} and {longitude}:",
        f"        event['geo_location'] = {latitude} + ',' + {longitude}",
    ]
    for field, variable in zip(FIELDS, variables, strict=True):
        if field.name == "unstruct_event":
            statement = f"add_unstruct(event, {variable})"
        elif field.shredded:
            statement = f"add_contexts(event, {variable})"
        elif field.parse is parse_string:
            statement = f"event[{field.name!r}] = {variable}"
        elif field.parse is parse_bool:
            statement = f"event[{field.name!r}] = BOOLS[{variable}]"
        else:
            statement = f"event[{field.name!r}] = {groups[field.parse][1]}()"
        lines.append(f"    if {variable}: {statement}")
    lines.append("    return event")
    return "\n".join(lines) + "\n"


def _compile_assembly() -> Callable[..., dict[str, Any]]:
    source = _assembly_source()
    filename = f"<{__name__}._assemble>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # for tracebacks
    namespace: dict[str, Any] = {
        "BOOLS": _BOOLS,
        "add_contexts": _add_contexts,
        "add_unstruct": _add_unstruct,
        "integers": _integers,
        "doubles": _doubles,
        "timestamps": _timestamps,
    }
    exec(compile(source, filename, "exec"), namespace)  # our own source, made above from the table
    return cast(Callable[..., dict[str, Any]], namespace["_assemble"])


_assemble = _compile_assembly()


def transform_valid(values: list[str], add_geolocation_data: bool) -> dict[str, Any] | None:
    """The event of a line's 131 values, or None when the line needs the field-table loop.

    Args:
        values: the field values of a line with the right field count.
        add_geolocation_data: see :func:`~airflow_provider_snowplow.event_transformer.transform`.
    """
    try:
        return _assemble(values, add_geolocation_data)
    except (ValueError, KeyError, TypeError):  # ValueError includes InvalidValue, JSONDecodeError
        return None
