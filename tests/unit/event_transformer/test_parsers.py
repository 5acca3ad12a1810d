"""The scalar parsers: what each type accepts, what it refuses, and why."""

from __future__ import annotations

import pytest

from airflow_provider_snowplow.event_transformer.errors import InvalidValue
from airflow_provider_snowplow.event_transformer.parsers import (
    parse_bool,
    parse_double,
    parse_int,
    parse_string,
    parse_timestamp,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0),
        ("42", 42),
        ("-7", -7),
        ("+7", 7),
        ("007", 7),
        (str(2**63 - 1), 2**63 - 1),
        (str(-(2**63)), -(2**63)),
    ],
)
def test_int_accepts_signed_ascii_digits_within_64_bits(value: str, expected: int) -> None:
    assert parse_int(value) == expected
    assert type(parse_int(value)) is int


@pytest.mark.parametrize(
    ("value", "reason"),
    [
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
)
def test_int_refuses_what_python_int_is_lenient_about(value: str, reason: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        parse_int(value)
    assert raised.value.problems == [(None, reason)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.5", 12.5),
        ("12", 12.0),
        ("-0.0", -0.0),
        ("1.0E-4", 1e-4),
        ("2.5e+10", 2.5e10),
        (".5", 0.5),
        ("1e308", 1e308),
    ],
)
def test_double_accepts_decimal_and_exponent_notation(value: str, expected: float) -> None:
    assert parse_double(value) == expected
    assert type(parse_double(value)) is float


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("nan", "not a decimal number"),
        ("inf", "not a decimal number"),
        ("Infinity", "not a decimal number"),
        (" 1.5", "not a decimal number"),
        ("1_0.5", "not a decimal number"),
        ("1.2.3", "not a decimal number"),
        ("e5", "not a decimal number"),
        ("1e999", "number too large for a double"),
    ],
)
def test_double_refuses_nan_infinity_and_oddities(value: str, reason: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        parse_double(value)
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
