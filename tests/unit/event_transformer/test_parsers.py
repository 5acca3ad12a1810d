"""The scalar parsers: what each type accepts, what it refuses, and why."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from airflow_provider_snowplow.event_transformer.errors import InvalidValue
from airflow_provider_snowplow.event_transformer.parsers import (
    parse_bool,
    parse_double,
    parse_int,
    parse_string,
    parse_timestamp,
)

Parser = Callable[[str], object]


# What each number parser accepts, and what it makes of it.
ACCEPTED: dict[Parser, list[tuple[str, object]]] = {
    # Signed ASCII digits within 64 bits.
    parse_int: [
        ("0", 0),
        ("42", 42),
        ("-7", -7),
        ("+7", 7),
        ("007", 7),
        (str(2**63 - 1), 2**63 - 1),
        (str(-(2**63)), -(2**63)),
    ],
    # Decimal and exponent notation.
    parse_double: [
        ("12.5", 12.5),
        ("12", 12.0),
        ("-0.0", -0.0),
        ("1.0E-4", 1e-4),
        ("2.5e+10", 2.5e10),
        (".5", 0.5),
        ("1e308", 1e308),
    ],
}
# What each number parser refuses, and why: what Python's int() and float() are lenient about.
REFUSED: dict[Parser, list[tuple[str, str]]] = {
    parse_int: [
        ("12a", "not an integer"),
        (" 12", "not an integer"),
        ("1_000", "not an integer"),
        ("١٢", "not an integer"),  # Arabic-Indic digits: int() takes them, Enrich never writes them
        ("1.0", "not an integer"),
        ("-", "not an integer"),
        ("--1", "not an integer"),
        (str(2**63), "integer outside the signed 64-bit range"),
        (str(-(2**63) - 1), "integer outside the signed 64-bit range"),
    ],
    parse_double: [
        ("nan", "not a decimal number"),
        ("inf", "not a decimal number"),
        ("Infinity", "not a decimal number"),
        (" 1.5", "not a decimal number"),
        ("1_0.5", "not a decimal number"),
        ("1.2.3", "not a decimal number"),
        ("e5", "not a decimal number"),
        ("1e999", "number too large for a double"),
    ],
}


def by_parser(table: Mapping[Parser, list[tuple[str, Any]]]) -> list[Any]:
    """``(parser, value, outcome)`` cases of a table, each named by its parser and value."""
    return [
        pytest.param(parse, value, outcome, id=f"{parse.__name__}({value!r})")
        for parse, rows in table.items()
        for value, outcome in rows
    ]


@pytest.mark.parametrize(("parse", "value", "expected"), by_parser(ACCEPTED))
def test_numbers_are_parsed_to_their_python_type(parse: Parser, value: str, expected: object) -> None:
    assert parse(value) == expected
    assert type(parse(value)) is type(expected)


@pytest.mark.parametrize(("parse", "value", "reason"), by_parser(REFUSED))
def test_numbers_refuse_what_python_is_lenient_about(parse: Parser, value: str, reason: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        parse(value)
    assert raised.value.problems == [(None, reason)]


def test_bool_is_one_or_zero_only() -> None:
    assert parse_bool("1") is True
    assert parse_bool("0") is False
    for value in ("true", "2", "01", " 1", "yes"):
        with pytest.raises(InvalidValue, match="not a boolean"):
            parse_bool(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2013-11-26 00:02:05", "2013-11-26T00:02:05Z"),
        ("2013-11-26 00:02:05.123", "2013-11-26T00:02:05.123Z"),
        ("2013-11-26 23:59:59.5", "2013-11-26T23:59:59.5Z"),
        ("2013-11-26 00:02:05.123456789", "2013-11-26T00:02:05.123456789Z"),
        ("2024-02-29 12:00:00", "2024-02-29T12:00:00Z"),
        ("2000-02-29 12:00:00", "2000-02-29T12:00:00Z"),
    ],
)
def test_timestamp_keeps_the_digits_and_writes_iso_with_z(value: str, expected: str) -> None:
    assert parse_timestamp(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("garbage", "not a timestamp"),
        ("2013-11-26T00:02:05Z", "not a timestamp"),
        ("2013-11-26", "not a timestamp"),
        ("2013-11-26 00:02:05.", "not a timestamp"),
        ("2013-11-26 24:00:00", "not a timestamp"),
        ("2013-11-26 00:60:00", "not a timestamp"),
        ("2013-11-26 00:02:05\n", "not a timestamp"),
        ("\uff12\uff10\uff11\uff13-11-26 00:02:05", "not a timestamp"),  # full-width digits
        ("2023-02-29 00:00:00", "no such date"),
        ("1900-02-29 00:00:00", "no such date"),
        ("2013-04-31 00:00:00", "no such date"),
        ("2013-13-01 00:00:00", "no such date"),
        ("0000-01-01 00:00:00", "no such date"),
    ],
)
def test_timestamp_refuses_other_shapes_and_impossible_dates(value: str, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason):
        parse_timestamp(value)


def test_string_is_kept_as_is() -> None:
    value = " Ünïcödé \r\x00 \u2028 "
    assert parse_string(value) is value
