"""Checking operator arguments as early as possible: literals when the DAG is parsed.

A literal argument that can never work (an archive URL without ``s3://``, an invalid table name)
should break the DAG file's import, where the author sees it at once, not a task hours later.
Templated values and XCom references are checked by the operator after rendering instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def is_templated(value: object) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def check_literal(value: object, check: Callable[[Any], object]) -> None:
    """Run ``check`` on ``value`` now if it is a plain string or number (not a template, not XCom)."""
    if isinstance(value, str | int) and not isinstance(value, bool) and not is_templated(value):
        check(value)
