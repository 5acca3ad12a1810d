"""Fixtures for the event transformer tests: realistic valid lines and the field table's helpers."""

from __future__ import annotations

import pytest

from airflow_provider_snowplow.testing.events import FIELD_NAMES, INDEX, valid_fields, valid_lines


@pytest.fixture(scope="session")
def corpus() -> list[str]:
    """2000 valid, realistic lines (no terminators), the same on every run."""
    return list(valid_lines(2000, seed=7))


@pytest.fixture
def make_line():  # type: ignore[no-untyped-def]
    """Build a line from field values by name; every other field empty."""

    def make(**values: str) -> str:
        fields = [""] * len(FIELD_NAMES)
        for name, value in values.items():
            fields[INDEX[name]] = value
        return "\t".join(fields)

    return make


@pytest.fixture
def valid_line_with():  # type: ignore[no-untyped-def]
    """A realistic valid line with some fields replaced (seeded, so failures reproduce)."""
    import random

    rng = random.Random(3)

    def make(**values: str) -> str:
        fields = valid_fields(rng)
        for name, value in values.items():
            fields[INDEX[name]] = value
        return "\t".join(fields)

    return make
