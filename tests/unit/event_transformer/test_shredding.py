"""Self-describing JSON fields: keys named after schemas, validated envelopes and Iglu URIs."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_snowplow.event_transformer import shredding
from airflow_provider_snowplow.event_transformer.errors import InvalidValue
from airflow_provider_snowplow.event_transformer.shredding import (
    shred_contexts,
    shred_unstruct,
    shredded_key,
)

CONTEXTS = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0"
UNSTRUCT = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0"


def contexts(*items: object, envelope: object = CONTEXTS) -> str:
    return json.dumps({"schema": envelope, "data": list(items)})


@pytest.mark.parametrize(
    ("uri", "key"),
    [
        ("iglu:com.acme/link_click/jsonschema/1-0-1", "contexts_com_acme_link_click_1"),
        ("iglu:org.w3/PerformanceTiming/jsonschema/1-0-0", "contexts_org_w3_performance_timing_1"),
        (
            "iglu:com.Acme-Corp_eu/ABTest-variant2D/jsonschema/10-2-13",
            "contexts_com_acme-corp_eu_abtest-variant2_d_10",
        ),
        ("iglu:com.acme/aBC/jsonschema/2-0-0", "contexts_com_acme_a_bc_2"),
        ("iglu:com.acme/a_Bc/avro/3-10-0", "contexts_com_acme_a_bc_3"),
    ],
)
def test_key_is_vendor_snake_case_name_and_model(uri: str, key: str) -> None:
    assert shredded_key("contexts", uri) == key


@pytest.mark.parametrize(
    "uri",
    [
        "com.acme/a/jsonschema/1-0-0",
        "iglu:com.acme/a/jsonschema/0-0-0",
        "iglu:com.acme/a/jsonschema/1-0",
        "iglu:com.acme/a/jsonschema/1-01-0",
        "iglu:com acme/a/jsonschema/1-0-0",
        "iglu:com.acme/a.b/jsonschema/1-0-0",
        "iglu:com.acme/a/jsonschema/1-0-0\n",  # the SDK's "$" lets a trailing newline through
        "iglu:com.acme/a/json/schema/1-0-0",
    ],
)
def test_invalid_iglu_uris_are_refused(uri: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        shredded_key("contexts", uri)
    assert raised.value.problems[0][0] == uri
    assert "not an Iglu URI" in raised.value.problems[0][1]


@given(st.text(alphabet="aAbB_1-xYZ", min_size=1, max_size=12))
def test_snake_case_matches_the_sdks_non_overlapping_substitution(name: str) -> None:
    sdk_style = re.sub("([^A-Z_])([A-Z])", r"\g<1>_\g<2>", name).lower()
    assert shredded_key("p", f"iglu:v/{name}/jsonschema/1-0-0") == f"p_v_{sdk_style}_1"


def test_contexts_of_one_key_are_listed_in_order_whatever_their_revision() -> None:
    text = contexts(
        {"schema": "iglu:com.acme/product/jsonschema/1-0-0", "data": {"n": 1}},
        {"schema": "iglu:com.acme/other/jsonschema/1-0-0", "data": None},
        {"schema": "iglu:com.acme/product/jsonschema/1-1-0", "data": {"n": 2}},
        {"schema": "iglu:com.acme/product/jsonschema/2-0-0", "data": {"n": 3}},
    )
    assert shred_contexts(text) == {
        "contexts_com_acme_product_1": [{"n": 1}, {"n": 2}],
        "contexts_com_acme_other_1": [None],
        "contexts_com_acme_product_2": [{"n": 3}],
    }
    assert shred_contexts(contexts()) == {}


def test_unstruct_becomes_one_key_with_the_events_data() -> None:
    text = json.dumps(
        {"schema": UNSTRUCT, "data": {"schema": "iglu:com.acme/linkClick/jsonschema/1-0-2", "data": [1]}}
    )
    assert shred_unstruct(text) == {"unstruct_event_com_acme_link_click_1": [1]}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{", "invalid JSON"),
        ('{"schema": "x", "data": NaN}', "invalid JSON"),
        ('"\\ud800"', "invalid JSON"),
        ("[]", "not a self-describing JSON"),
        (json.dumps({"data": []}), "not a self-describing JSON"),
        (json.dumps({"schema": CONTEXTS}), "not a self-describing JSON"),
        (contexts(envelope="iglu:bad"), "not an Iglu URI"),
        (contexts(envelope=["iglu:com.a/b/c/1-0-0"]), "schema is not a string"),
        (contexts(envelope=7), "schema is not a string"),
        (json.dumps({"schema": CONTEXTS, "data": ""}), "not an array"),
        (json.dumps({"schema": CONTEXTS, "data": {"schema": "iglu:a/b/c/1-0-0", "data": 1}}), "not an array"),
        (contexts("iglu:a/b/c/1-0-0"), "not a self-describing JSON"),
        (contexts({"schema": "iglu:a/b/c/1-0-0"}), "not a self-describing JSON"),
        (contexts({"data": 1}), "not a self-describing JSON"),
    ],
)
def test_broken_contexts_are_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason):
        shred_contexts(text)


def test_every_bad_context_of_an_array_is_reported() -> None:
    text = contexts(
        {"schema": "iglu:bad-1", "data": 1},
        {"schema": "iglu:a/b/c/1-0-0", "data": 2},
        {"schema": "iglu:bad-2", "data": 3},
        [],
    )
    with pytest.raises(InvalidValue) as raised:
        shred_contexts(text)
    assert [part for part, _ in raised.value.problems] == ["iglu:bad-1", "iglu:bad-2", "[]"]


@pytest.mark.parametrize(
    "document",
    [
        {"schema": UNSTRUCT, "data": {"schema": "iglu:a/b/c/1-0-0"}},
        {"schema": UNSTRUCT, "data": "iglu:a/b/c/1-0-0"},
        {"schema": "iglu:nope", "data": {"schema": "iglu:a/b/c/1-0-0", "data": 1}},
        {"schema": UNSTRUCT, "data": {"schema": "iglu:a/b/c/0-0-0", "data": 1}},
        {"data": {"schema": "iglu:a/b/c/1-0-0", "data": 1}},
    ],
)
def test_broken_unstruct_events_are_refused(document: object) -> None:
    with pytest.raises(InvalidValue):
        shred_unstruct(json.dumps(document))


def test_the_key_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shredding, "KEY_CACHE_LIMIT", 10)
    keys = shredding._ShreddedKeys("contexts")
    for model in range(1, 50):
        assert keys[f"iglu:com.acme/a/jsonschema/{model}-0-0"] == f"contexts_com_acme_a_{model}"
        assert len(keys) <= 10
    with pytest.raises(InvalidValue):
        keys["iglu:bad"]
    assert "iglu:bad" not in keys
