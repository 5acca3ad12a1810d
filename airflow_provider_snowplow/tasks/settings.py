"""Settings of a DAG file, read from the environment and checked when the file is parsed.

The example DAGs keep every knob in one block at their top; each is an environment variable read
by :func:`setting`, with the same check the operators apply to the value. A required setting that
is missing, or a value that can never work, breaks the DAG file's import with one line naming the
variable, instead of a DAG that parses with a made-up default and fails at run time.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from airflow_provider_snowplow.errors import InvalidValueError, SnowplowProviderError


class DagSettingError(InvalidValueError):
    """A DAG file's setting is missing or cannot work; the message names its variable."""


def setting(
    variable: str,
    check: Callable[[str], object],
    *,
    default: str | None = None,
    example: str = "",
) -> str:
    """The value of the environment variable ``variable``, once ``check`` accepts it.

    Args:
        variable: the environment variable, e.g. ``SNOWPLOW_ARCHIVE_URL``.
        check: the check of the value's kind (``parse_archive_url``, ``validate_table_name``,
            ``positive_int``...); its error message is kept.
        default: the value when the variable is unset; None makes the setting required.
        example: a value to show in the error when the setting is missing.

    Raises:
        DagSettingError: the variable is unset and required, or ``check`` refuses its value.
    """
    value = os.environ.get(variable, default)
    if value is None or not value.strip():
        shown = f", e.g. {variable}={example}" if example else ""
        raise DagSettingError(
            f"{variable} is not set: set it in the environment of the Airflow components{shown}, "
            "or write the value into the DAG file's settings block"
        )
    try:
        check(value)
    except (ValueError, SnowplowProviderError) as invalid:
        raise DagSettingError(f"{variable}={value!r}: {invalid}") from None
    return value
