"""Assertions the transformer tests share: strict comparison, and the fast path against the loop."""

from __future__ import annotations

from typing import Any

from airflow_provider_snowplow.event_transformer.errors import SnowplowEventTransformationException
from airflow_provider_snowplow.event_transformer.fastpath import transform_valid
from airflow_provider_snowplow.event_transformer.transform import transform_values


def strictly_typed(value: Any) -> Any:
    """``value`` with every scalar tagged with its type, so that ``1 == 1.0 == True`` no longer holds."""
    if isinstance(value, dict):
        return {key: strictly_typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [strictly_typed(item) for item in value]
    if isinstance(value, float):  # repr tells -0.0 from 0.0, as a JSON encoder does
        return ("float", repr(value))
    return (type(value).__name__, value)


def assert_fast_path_agrees(values: list[str]) -> None:
    """The fast path may decline a line, but when it answers, it answers as the field-table loop.

    A line the loop rejects must be declined by the fast path too.
    """
    fast = transform_valid(values, True)
    try:
        slow = transform_values(values, True)
    except SnowplowEventTransformationException:
        assert fast is None
    else:
        assert fast is None or strictly_typed(fast) == strictly_typed(slow)
