"""Self-describing JSON fields (``contexts``, ``derived_contexts``, ``unstruct_event``) to flat keys.

A self-describing JSON is ``{"schema": "iglu:vendor/name/format/model-revision-addition", "data":
...}``. Shredding turns each into a key named after its schema, the way the reference SDK does
(and the Elasticsearch and Snowflake loaders do): ``iglu:com.acme/linkClick/jsonschema/1-0-2``
inside ``contexts`` becomes ``contexts_com_acme_link_click_1``; contexts of one key, whatever
their revision, are collected into a list in array order.

Schema URIs repeat on almost every line, so each URI is validated and turned into its key once,
then looked up (a bounded cache: memory stays flat however many distinct schemas a file holds).

The two Snowplow SDKs name and fill these keys a little differently; :data:`PYTHON_SDK` and
:data:`SCALA_SDK` hold each one's :class:`ShreddingRules` (the Scala SDK also turns ``-`` into
``_``, checks the envelope's schema and adds ``_schema_version`` to every context).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from airflow_provider_snowplow.event_transformer.errors import InvalidValue

IGLU_URI = re.compile(
    r"iglu:(?P<vendor>[a-zA-Z0-9_.-]+)/(?P<name>[a-zA-Z0-9_-]+)/(?P<format>[a-zA-Z0-9_-]+)/"
    r"(?P<version>(?P<model>[1-9][0-9]*)-(?:0|[1-9][0-9]*)-(?:0|[1-9][0-9]*))"
)
# An upper-case letter after anything but an upper-case letter or "_" starts a new word.
_WORD_START = re.compile(r"(?<=[^A-Z_])(?=[A-Z])")

CONTEXTS_PREFIX = "contexts"
UNSTRUCT_PREFIX = "unstruct_event"
KEY_CACHE_LIMIT = 10_000


def parse_iglu_uri(uri: object) -> re.Match[str]:
    """The parts of an Iglu URI: ``vendor``, ``name``, ``format``, ``version`` and ``model``.

    Raises:
        InvalidValue: ``uri`` is not an Iglu URI (``iglu:vendor/name/format/1-0-0``).
    """
    if not isinstance(uri, str):
        raise InvalidValue("schema is not a string", part=_json_text(uri))
    match = IGLU_URI.fullmatch(uri)
    if match is None:
        raise InvalidValue("schema is not an Iglu URI (iglu:vendor/name/format/model-revision-addition)", uri)
    return match


def shredded_key(prefix: str, uri: object, dashes_as_underscores: bool = False) -> str:
    """The flat key for a schema URI: vendor with ``.`` as ``_``, name in snake case, model.

    Args:
        prefix: ``contexts`` or ``unstruct_event``.
        uri: the schema.
        dashes_as_underscores: also turn ``-`` into ``_`` in vendor and name (before the snake
            case), as the Scala SDK does: ``com.acme-corp`` becomes ``com_acme_corp``, a legal
            column name, where the Python SDK leaves ``com_acme-corp``.

    Raises:
        InvalidValue: ``uri`` is not an Iglu URI (``iglu:vendor/name/format/1-0-0``).
    """
    match = parse_iglu_uri(uri)
    vendor, name = match["vendor"], match["name"]
    if dashes_as_underscores:
        vendor, name = vendor.replace("-", "_"), name.replace("-", "_")
    vendor = vendor.replace(".", "_").lower()
    name = _WORD_START.sub("_", name).lower()
    return f"{prefix}_{vendor}_{name}_{match['model']}"


class _ShreddedKeys(dict[str, str]):
    """Schema URI to shredded key; a URI is validated on first sight only."""

    def __init__(self, prefix: str, dashes_as_underscores: bool = False) -> None:
        super().__init__()
        self.prefix = prefix
        self.dashes_as_underscores = dashes_as_underscores

    def __missing__(self, uri: str) -> str:
        key = shredded_key(self.prefix, uri, self.dashes_as_underscores)
        if len(self) >= KEY_CACHE_LIMIT:
            self.clear()
        self[uri] = key
        return key


CONTEXT_KEYS = _ShreddedKeys(CONTEXTS_PREFIX)
UNSTRUCT_KEYS = _ShreddedKeys(UNSTRUCT_PREFIX)


@dataclass(frozen=True)
class ShreddingRules:
    """How one SDK turns self-describing JSON fields into keys.

    Attributes:
        context_keys / unstruct_keys: schema URI to key, for contexts and for the event.
        contexts_envelope / unstruct_envelope: the schema the outer document of a ``contexts``
            field and of ``unstruct_event`` must have, ``*`` standing for any addition (an Iglu
            schema criterion); None accepts any Iglu URI.
        schema_version: add ``"_schema_version": "1-0-0"`` (the context's schema version) to
            each context's data.
    """

    context_keys: _ShreddedKeys
    unstruct_keys: _ShreddedKeys
    contexts_envelope: str | None = None
    unstruct_envelope: str | None = None
    schema_version: bool = False


# Snowplow's Python Analytics SDK 0.2.3, our default.
PYTHON_SDK = ShreddingRules(CONTEXT_KEYS, UNSTRUCT_KEYS)
# Snowplow's Scala Analytics SDK 3.2 (``Event.toJson(lossy = true)``), with its envelope criteria.
SCALA_SDK = ShreddingRules(
    _ShreddedKeys(CONTEXTS_PREFIX, dashes_as_underscores=True),
    _ShreddedKeys(UNSTRUCT_PREFIX, dashes_as_underscores=True),
    "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-*",
    "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-*",
    schema_version=True,
)


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


def shred_contexts(text: str, rules: ShreddingRules = PYTHON_SDK) -> dict[str, list[Any]]:
    """A contexts array (``contexts`` or ``derived_contexts``) as shredded key to list of data.

    Raises:
        InvalidValue: broken JSON, a broken envelope, or one problem per bad context in the array.
    """
    document = load_json(text)
    _, contexts = unpack(document, rules.context_keys)
    _check_envelope(document, rules.contexts_envelope)
    if type(contexts) is not list:
        raise InvalidValue("the data of a contexts field is not an array", _json_text(contexts))
    shredded: dict[str, list[Any]] = {}
    problems: list[InvalidValue] = []
    for context in contexts:
        try:
            key, data = unpack(context, rules.context_keys)
        except InvalidValue as problem:
            problems.append(problem)
            continue
        if rules.schema_version:
            data = with_schema_version(data, context["schema"])
        same_key = shredded.get(key)
        if same_key is None:
            shredded[key] = [data]
        else:
            same_key.append(data)
    if problems:
        raise InvalidValue.of(problems)
    return shredded


def shred_unstruct(text: str, rules: ShreddingRules = PYTHON_SDK) -> dict[str, Any]:
    """A self-describing event (``unstruct_event``) as its one shredded key and its data.

    Raises:
        InvalidValue: broken JSON, a broken envelope or a broken inner event.
    """
    document = load_json(text)
    _, event = unpack(document, rules.unstruct_keys)
    _check_envelope(document, rules.unstruct_envelope)
    key, data = unpack(event, rules.unstruct_keys)
    return {key: data}


def with_schema_version(data: Any, uri: str) -> dict[str, Any]:
    """A context's data with ``_schema_version`` (``1-0-0``) added, as the Scala SDK 3.2 writes it.

    The Scala SDK merges ``{"_schema_version": ...}`` into the data; data that is not an object
    (an array, a string, null) is replaced by that object alone.
    """
    version = uri.rpartition("/")[2]
    if type(data) is dict:
        return {**data, "_schema_version": version}
    return {"_schema_version": version}


def merge_shredded(event: dict[str, Any], shredded: dict[str, Any]) -> None:
    """Add shredded keys to an event; contexts of a key already there are appended to its list.

    The only keys that can meet are ``contexts_*`` keys from ``contexts`` and ``derived_contexts``
    (both are lists); the SDKs let the derived ones replace the tracker's, we keep both.
    """
    for key, data in shredded.items():
        same_key = event.get(key)
        if same_key is None:
            event[key] = data
        else:
            event[key] = same_key + data


def _check_envelope(document: dict[str, Any], envelope: str | None) -> None:
    """Raise unless the outer schema matches ``envelope`` (``.../1-0-*``).

    The schema is a valid Iglu URI by now, so after the criterion's ``model-revision-`` only the
    addition can follow.
    """
    if envelope is not None and not document["schema"].startswith(envelope.removesuffix("*")):
        raise InvalidValue(f"the envelope's schema is not {envelope}", document["schema"])


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()
