"""Parsers for the scalar field types of an enriched event: one function per type, str in.

Each parser is the definition of what its type accepts; the batch fast path in
:mod:`~airflow_provider_snowplow.event_transformer.fastpath` may accept less, never more. Parsers
are only called with non-empty values (an empty field is simply absent from the event) and raise
:class:`~airflow_provider_snowplow.event_transformer.errors.InvalidValue` with a reason.

The grammar is stricter than Python's ``int()``/``float()``, which the reference SDK uses: no
whitespace, no ``_`` digit separators, no non-ASCII digits, no ``nan``/``inf``, integers within 64
bits. Snowplow Enrich never writes such values, and letting them through would put NaN (invalid
JSON) or integers no JSON encoder round-trips into the output.
"""

from __future__ import annotations

import re
from datetime import datetime
from math import isfinite

from airflow_provider_snowplow.event_transformer.errors import InvalidValue

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

# Characters a number may be made of; with str.translate, deleting them leaves "" for a number.
NUMBER_CHARS = "0123456789+-.eE"
DELETE_NUMBER_CHARS = str.maketrans("", "", NUMBER_CHARS)

# Enrich writes "YYYY-MM-DD HH:MM:SS.mmm"; the calendar (month lengths, leap years) is
# checked by datetime once the shape is right.
TIMESTAMP_SHAPE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2} (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,9})?"
)


def parse_string(value: str) -> str:
    """Strings are kept exactly as Enrich wrote them."""
    return value


def parse_int(value: str) -> int:
    """An optionally signed run of ASCII digits within the signed 64-bit range.

    Raises:
        InvalidValue: anything else, including values ``int()`` would accept (``" 1"``, ``"1_0"``).
    """
    digits = value[1:] if value[:1] in ("+", "-") else value
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidValue("not an integer")
    # The length check comes first: int() refuses strings of over 4300 digits with a ValueError.
    if len(digits.lstrip("0")) > 19 or not INT64_MIN <= (number := int(value)) <= INT64_MAX:
        raise InvalidValue("integer outside the signed 64-bit range")
    return number


def parse_double(value: str) -> float:
    """A finite decimal number, plain (``12.5``) or in exponent notation (``1.0E-4``).

    Raises:
        InvalidValue: not a number, or ``nan``/``inf`` or a number too large for a double.
    """
    if not value.isascii() or value.translate(DELETE_NUMBER_CHARS):
        raise InvalidValue("not a decimal number")
    try:
        number = float(value)
    except ValueError:
        raise InvalidValue("not a decimal number") from None
    if not isfinite(number):
        raise InvalidValue("number too large for a double")
    return number


def parse_bool(value: str) -> bool:
    """Enrich writes booleans as ``1`` and ``0``.

    Raises:
        InvalidValue: any other value.
    """
    if value == "1":
        return True
    if value == "0":
        return False
    raise InvalidValue("not a boolean (1 or 0)")


def parse_timestamp(value: str) -> str:
    """``YYYY-MM-DD HH:MM:SS[.f{1,9}]`` (UTC) becomes ``YYYY-MM-DDTHH:MM:SS[.f]Z``, as the SDK writes it.

    The digits are kept as they are (no rounding, no padding), so the output is exactly the SDK's.

    Raises:
        InvalidValue: another shape (the SDK would emit it with a ``Z`` appended), or no such
            date or time (``2023-02-29``, ``24:00:00``).
    """
    if not TIMESTAMP_SHAPE.fullmatch(value):
        raise InvalidValue("not a timestamp of the form YYYY-MM-DD HH:MM:SS[.fff]")
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise InvalidValue("no such date") from None
    return value.replace(" ", "T") + "Z"
