"""``snowplow_analytics_sdk.json_shredder`` on our core: Iglu URIs and self-describing JSON, the SDK's shapes.

``parse_contexts`` and ``parse_unstruct`` return lists of ``(key, value)`` pairs, as the SDK's do;
``extract_schema`` a dict of ``vendor``, ``name``, ``format`` and ``version``. Bad input raises
:class:`SnowplowEventTransformationException` (a ``ValueError``) where the SDK could also raise
``KeyError``, ``TypeError`` or ``json``'s ``JSONDecodeError``. On purpose, we also differ in what we
accept: no trailing newline after an Iglu URI (the SDK's ``$`` let one through), and the envelope
must be a self-describing JSON with an Iglu URI (see docs/event-transformer.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airflow_provider_snowplow.event_transformer.errors import (
    InvalidValue,
    SnowplowEventTransformationException,
)
from airflow_provider_snowplow.event_transformer.shredding import (
    IGLU_URI,
    parse_iglu_uri,
    shred_contexts,
    shred_unstruct,
    shredded_key,
)

# The SDK's names for the Iglu URI grammar (it validated with ``re.match`` and ``$``, we in full).
SCHEMA_URI = IGLU_URI.pattern
SCHEMA_URI_REGEX = IGLU_URI

__all__ = [
    "SCHEMA_URI",
    "SCHEMA_URI_REGEX",
    "extract_schema",
    "fix_schema",
    "parse_contexts",
    "parse_unstruct",
]


def extract_schema(uri: str) -> dict[str, str]:
    """The ``vendor``, ``name``, ``format`` and ``version`` (``1-0-0``) of an Iglu URI.

    Raises:
        SnowplowEventTransformationException: ``uri`` is not an Iglu URI.
    """
    try:
        match = parse_iglu_uri(uri)
    except InvalidValue:
        raise SnowplowEventTransformationException(
            [f"Schema {uri} does not conform to regular expression {SCHEMA_URI}"]
        ) from None
    return {part: match[part] for part in ("vendor", "name", "format", "version")}


def fix_schema(prefix: str, schema: str) -> str:
    """The shredded key of ``schema`` under ``prefix``: ``contexts_org_w3_performance_timing_1``.

    Raises:
        SnowplowEventTransformationException: ``schema`` is not an Iglu URI.
    """
    extract_schema(schema)
    return shredded_key(prefix, schema)


def parse_contexts(contexts: str) -> list[tuple[str, list[Any]]]:
    """A contexts field as ``(key, [data, ...])`` pairs, one per key, in order of first appearance.

    Raises:
        SnowplowEventTransformationException: every problem of the field.
    """
    return list(_shredded(shred_contexts, "contexts", contexts).items())


def parse_unstruct(unstruct: str) -> list[tuple[str, Any]]:
    """An ``unstruct_event`` field as a list of its one ``(key, data)`` pair.

    Raises:
        SnowplowEventTransformationException: every problem of the field.
    """
    return list(_shredded(shred_unstruct, "unstruct_event", unstruct).items())


def _shredded(shred: Callable[[str], dict[str, Any]], field: str, text: str) -> dict[str, Any]:
    try:
        return shred(text)
    except InvalidValue as problem:
        raise SnowplowEventTransformationException(problem.field_errors(field, text)) from None
