"""One check for each kind of value a user types that is not a Snowplow thing of its own.

Run ids (:mod:`.archive.run_ids`), archive and output URLs (:mod:`.archive.urls`) and table names
(:mod:`.manifest.table`) are checked where they are defined; the rest is here: endpoint URLs,
regions, times, numbers and flags. Every door uses these same functions: the core, the operators'
argument table (on literals when the DAG file is parsed, on templates once rendered), the hook and
the CLI's argparse types. Each raises :class:`~airflow_provider_snowplow.errors.InvalidValueError`
with one line; generic ones start with ``must``, so a caller can put the field's name in front.

Core code: the standard library only.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from airflow_provider_snowplow.archive.run_ids import RUN_TIMESTAMP_FORMAT
from airflow_provider_snowplow.errors import InvalidValueError

ENDPOINT_URL_EXAMPLE = "http://127.0.0.1:4566"
REGION_EXAMPLE = "eu-west-1"
# A DNS label, as botocore requires of region names, and lowercase as every AWS region is.
_REGION = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def validate_endpoint_url(url: object) -> str:
    """Return ``url`` if botocore can use it as an endpoint: ``http(s)://host[:port][/path]``.

    botocore itself fails on a URL without a scheme only when the first client is made, with a
    40-line traceback ending in ``ValueError: Invalid endpoint``.

    Raises:
        InvalidValueError: naming the value and an example.
    """
    if not isinstance(url, str):
        raise InvalidValueError(f"endpoint URL must be a string like {ENDPOINT_URL_EXAMPLE!r}, got {url!r}")
    if url != url.strip() or any(ch.isspace() for ch in url):
        raise InvalidValueError(f"endpoint URL {url!r} has whitespace in it: remove it")
    if not url.startswith(("http://", "https://")):
        raise InvalidValueError(
            f"endpoint URL {url!r} must start with http:// or https:// (for example {ENDPOINT_URL_EXAMPLE!r})"
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise InvalidValueError(f"endpoint URL {url!r} has a port that is not a number") from None
    if not parts.hostname:
        raise InvalidValueError(f"endpoint URL {url!r} has no host (for example {ENDPOINT_URL_EXAMPLE!r})")
    return url


def validate_region(region: object) -> str:
    """Return ``region`` if it has the shape of an AWS region name (``eu-west-1``).

    Only the shape is checked: a local endpoint accepts any region, and AWS adds regions. A
    misspelt but well-formed name (``us-eest-1``) is named by the AWS error that follows
    (:mod:`airflow_provider_snowplow.aws.failures`).

    Raises:
        InvalidValueError: naming the value and an example.
    """
    if not isinstance(region, str) or not _REGION.fullmatch(region):
        hint = " (lowercase)" if isinstance(region, str) and _REGION.fullmatch(region.lower()) else ""
        raise InvalidValueError(
            f"region {region!r} is not an AWS region name: use lowercase letters, digits and hyphens, "
            f"like {REGION_EXAMPLE!r}{hint}"
        )
    return region


def optional_region(region: object) -> str | None:
    """A region, or None for the connection's (or the environment's) own."""
    return None if region is None else validate_region(region)


def parse_utc_time(value: object) -> datetime:
    """A time given as ``YYYY-MM-DD``, ISO 8601 or a run folder timestamp, as naive UTC.

    A time with an offset is converted to UTC; one without is taken as UTC, as Snowplow names
    its run folders.

    Raises:
        InvalidValueError: the value is none of these.
    """
    text = value.strip() if isinstance(value, str) else ""
    try:
        moment = datetime.strptime(text.removeprefix("run="), RUN_TIMESTAMP_FORMAT)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidValueError(
                f"{value!r} is not a date: use YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS or a run folder "
                "timestamp like 2017-04-07-10-00-00 (UTC)"
            ) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def optional_string(value: object) -> str | None:
    """An optional name (a connection id): None or a non-empty string without surrounding spaces."""
    if value is None or (isinstance(value, str) and value.strip() and value == value.strip()):
        return value
    raise InvalidValueError(f"must be a non-empty string without surrounding spaces, or None, got {value!r}")


def positive_number(value: object) -> float:
    """A positive number of seconds; rendered templates and command lines give strings."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        number = 0.0
    if isinstance(value, bool) or not 0 < number < float("inf"):
        raise InvalidValueError(f"must be a positive number of seconds, got {value!r}")
    return number


def positive_int(value: object) -> int:
    """A positive whole number; rendered templates and command lines give strings."""
    try:
        number: int = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        number = 0
    if isinstance(value, bool | float) or number < 1:
        raise InvalidValueError(f"must be a positive whole number, got {value!r}")
    return number


def boolean(value: object) -> bool:
    """A flag; rendered templates give ``"True"``/``"false"``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    raise InvalidValueError(f"must be true or false, got {value!r}")
