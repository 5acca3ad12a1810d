"""Self-describing JSON fields (``contexts``, ``derived_contexts``, ``unstruct_event``) to flat keys.

A self-describing JSON is ``{"schema": "iglu:vendor/name/format/model-revision-addition", "data":
...}``. Shredding turns each into a key named after its schema, the way the reference SDK does
(and the Elasticsearch and Snowflake loaders do): ``iglu:com.acme/linkClick/jsonschema/1-0-2``
inside ``contexts`` becomes ``contexts_com_acme_link_click_1``; contexts of one key, whatever
their revision, are collected into a list in array order.

Schema URIs repeat on almost every line, so each URI is validated and turned into its key once,
then looked up (a bounded cache: memory stays flat however many distinct schemas a file holds).
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from airflow_provider_snowplow.event_transformer.errors import InvalidValue

IGLU_URI = re.compile(
    r"iglu:(?P<vendor>[a-zA-Z0-9_.-]+)/(?P<name>[a-zA-Z0-9_-]+)/[a-zA-Z0-9_-]+/"
    r"(?P<model>[1-9][0-9]*)-(?:0|[1-9][0-9]*)-(?:0|[1-9][0-9]*)"
)
# An upper-case letter after anything but an upper-case letter or "_" starts a new word.
_WORD_START = re.compile(r"(?<=[^A-Z_])(?=[A-Z])")

CONTEXTS_PREFIX = "contexts"
UNSTRUCT_PREFIX = "unstruct_event"
KEY_CACHE_LIMIT = 10_000


def shredded_key(prefix: str, uri: object) -> str:
    """The flat key for a schema URI: vendor with ``.`` as ``_``, name in snake case, model.

    Raises:
        InvalidValue: ``uri`` is not an Iglu URI (``iglu:vendor/name/format/1-0-0``).
    """
    if not isinstance(uri, str):
        raise InvalidValue("schema is not a string", part=_json_text(uri))
    match = IGLU_URI.fullmatch(uri)
    if match is None:
        raise InvalidValue("schema is not an Iglu URI (iglu:vendor/name/format/model-revision-addition)", uri)
    vendor = match["vendor"].replace(".", "_").lower()
    name = _WORD_START.sub("_", match["name"]).lower()
    return f"{prefix}_{vendor}_{name}_{match['model']}"


class _ShreddedKeys(dict[str, str]):
    """Schema URI to shredded key; a URI is validated on first sight only."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def __missing__(self, uri: str) -> str:
        key = shredded_key(self.prefix, uri)
        if len(self) >= KEY_CACHE_LIMIT:
            self.clear()
        self[uri] = key
        return key


CONTEXT_KEYS = _ShreddedKeys(CONTEXTS_PREFIX)
UNSTRUCT_KEYS = _ShreddedKeys(UNSTRUCT_PREFIX)


def load_json(text: str) -> Any:
    """Parse a JSON field with orjson (strict RFC 8259: no NaN, no lone surrogates).

    Raises:
        InvalidValue: the text is not JSON.
    """
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise InvalidValue(f"invalid JSON: {error}") from None


def unpack(document: Any, keys: _ShreddedKeys) -> tuple[str, Any]:
    """The shredded key and the data of a self-describing JSON.

    Raises:
        InvalidValue: not an object with ``schema`` and ``data``, or the schema is no Iglu URI.
    """
    if type(document) is not dict or "data" not in document or "schema" not in document:
        raise InvalidValue(
            "not a self-describing JSON (an object with schema and data)", _json_text(document)
        )
    try:
        return keys[document["schema"]], document["data"]
    except TypeError:  # an unhashable schema: a list or an object
        raise InvalidValue("schema is not a string", _json_text(document["schema"])) from None


def shred_contexts(text: str) -> dict[str, list[Any]]:
    """A contexts array (``contexts`` or ``derived_contexts``) as shredded key to list of data.

    Raises:
        InvalidValue: broken JSON, a broken envelope, or one problem per bad context in the array.
    """
    _, contexts = unpack(load_json(text), CONTEXT_KEYS)
    if type(contexts) is not list:
        raise InvalidValue("the data of a contexts field is not an array", _json_text(contexts))
    shredded: dict[str, list[Any]] = {}
    problems: list[InvalidValue] = []
    for context in contexts:
        try:
            key, data = unpack(context, CONTEXT_KEYS)
        except InvalidValue as problem:
            problems.append(problem)
            continue
        same_key = shredded.get(key)
        if same_key is None:
            shredded[key] = [data]
        else:
            same_key.append(data)
    if problems:
        raise InvalidValue.of(problems)
    return shredded


def shred_unstruct(text: str) -> dict[str, Any]:
    """A self-describing event (``unstruct_event``) as its one shredded key and its data.

    Raises:
        InvalidValue: broken JSON, a broken envelope or a broken inner event.
    """
    _, event = unpack(load_json(text), UNSTRUCT_KEYS)
    key, data = unpack(event, UNSTRUCT_KEYS)
    return {key: data}


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()
