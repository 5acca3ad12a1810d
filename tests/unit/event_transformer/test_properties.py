"""Whatever the input, the transformer returns an event or raises its own exception."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_provider_snowplow.event_transformer import (
    SnowplowEventTransformationException,
    transform,
    transform_lines,
)
from airflow_provider_snowplow.event_transformer.fastpath import transform_valid
from airflow_provider_snowplow.event_transformer.transform import split_line, transform_values
from airflow_provider_snowplow.testing.events import FIELD_NAMES, valid_lines
from tests.transform_checks import assert_fast_path_agrees, strictly_typed

LINES = list(valid_lines(50, seed=31))
# Characters that matter to the parsers, so that random values are often nearly valid.
INTERESTING = st.sampled_from([*'0123456789-+.eE :T\t\n\r{}[]",_ ', "iglu:", "NaN", "\\u", "ü", "\u0663"])
FIELD_VALUES = st.one_of(
    st.text(max_size=30),
    st.lists(INTERESTING, max_size=25).map("".join),
    st.sampled_from(["2024-02-29 00:00:00", "2023-02-29 00:00:00", "9223372036854775808", "1e999", "1", "0"]),
)


def outcome(line: str) -> object:
    try:
        return strictly_typed(transform(line))
    except SnowplowEventTransformationException as error:
        assert error.errors and all(e.reason for e in error.errors)
        return error.error_messages


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_gives_an_event_or_our_exception(line: str) -> None:
    outcome(line)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(LINES),
    st.lists(st.tuples(st.integers(0, len(FIELD_NAMES) - 1), FIELD_VALUES), min_size=1, max_size=4),
)
def test_mutated_lines_give_the_same_answer_on_both_paths(line: str, changes: list[tuple[int, str]]) -> None:
    values = line.split("\t")
    for index, value in changes:
        values[index] = value
    mutated = "\t".join(values)
    result = outcome(mutated)
    try:
        fields = split_line(mutated)
    except SnowplowEventTransformationException:
        return
    fast = transform_valid(fields, True)
    if fast is not None:
        assert strictly_typed(fast) == strictly_typed(transform_values(fields, True)) == result


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=200), st.sampled_from(LINES).map(str.encode)), max_size=8))
def test_any_bytes_become_one_result_per_line(lines: list[bytes]) -> None:
    lines = [line.replace(b"\n", b" ") + b"\n" for line in lines]
    results = list(transform_lines(lines))
    assert [result.line_number for result in results] == list(range(1, len(lines) + 1))


def test_random_single_byte_damage_never_crashes() -> None:
    rng = random.Random(32)
    for line in LINES:
        data = bytearray(line.encode())
        for _ in range(20):
            position = rng.randrange(len(data))
            data[position] = rng.randrange(256)
            [result] = transform_lines([bytes(data)])
            assert result.line_number == 1


NUMBERS = st.from_regex(r"[+-]?[0-9]{0,25}\.?[0-9]{0,25}(?:[eE][+-]?[0-9]{1,3})?", fullmatch=True)


@settings(max_examples=400, deadline=None)
@given(st.lists(NUMBERS, min_size=1, max_size=3), st.sampled_from(LINES))
def test_numbers_converted_in_bulk_equal_the_parsers(numbers: list[str], line: str) -> None:
    """orjson converts a plain group in one call; it must round and refuse exactly as the parsers."""
    values = line.split("\t")
    for name, number in zip(("tr_total", "geo_latitude", "txn_id"), numbers, strict=False):
        values[FIELD_NAMES.index(name)] = number
    assert_fast_path_agrees(values)
