"""Errors: one FieldError per problem, readable messages, and a JSON form for bad rows."""

from __future__ import annotations

import json

from airflow_provider_snowplow.event_transformer.errors import (
    VALUE_DISPLAY_LIMIT,
    FieldError,
    InvalidValue,
    SnowplowEventTransformationException,
    clip,
    line_error,
)


def test_field_error_message_names_field_and_value() -> None:
    error = FieldError("txn_id", "12a", "not an integer")
    assert error.message == "Invalid value '12a' for field txn_id: not an integer"
    assert (
        line_error("Expected 131 fields, received 2 fields").message
        == "Expected 131 fields, received 2 fields"
    )


def test_field_error_serialises_to_json() -> None:
    error = FieldError("page_title", 'quote " and ü', "reason")
    assert error.as_dict() == {"field": "page_title", "value": 'quote " and ü', "reason": "reason"}
    assert json.loads(error.to_json()) == error.as_dict()
    assert json.loads(line_error("whole line").to_json()) == {
        "field": None,
        "value": None,
        "reason": "whole line",
    }


def test_exception_carries_structured_and_string_forms() -> None:
    errors = [FieldError("a", "1", "r1"), FieldError("b", "2", "r2")]
    exception = SnowplowEventTransformationException(errors)
    assert exception.errors == errors
    assert exception.error_messages == [errors[0].message, errors[1].message]
    assert exception.message == "\n".join(exception.error_messages)
    assert str(exception) == exception.message
    assert exception.as_dicts() == [errors[0].as_dict(), errors[1].as_dict()]
    assert isinstance(exception, ValueError)


def test_long_values_are_clipped_with_a_count() -> None:
    assert clip("x" * VALUE_DISPLAY_LIMIT) == "x" * VALUE_DISPLAY_LIMIT
    clipped = clip("x" * (VALUE_DISPLAY_LIMIT + 5))
    assert clipped == "x" * VALUE_DISPLAY_LIMIT + "... (5 more characters)"


def test_invalid_value_problems_become_field_errors() -> None:
    combined = InvalidValue.of([InvalidValue("bad uri", "iglu:x"), InvalidValue("bad envelope")])
    assert combined.field_errors("contexts", "{...}") == [
        FieldError("contexts", "iglu:x", "bad uri"),
        FieldError("contexts", "{...}", "bad envelope"),
    ]
    assert str(combined) == "bad uri; bad envelope"
