"""transform() and get_fields(): output shape, the documented differences from the SDK, errors."""

from __future__ import annotations

import json

import pytest

from airflow_provider_snowplow.event_transformer import (
    FIELD_NAMES,
    SnowplowEventTransformationException,
    get_fields,
    transform,
)
from airflow_provider_snowplow.event_transformer.fastpath import transform_valid
from airflow_provider_snowplow.event_transformer.shapes import Shape
from airflow_provider_snowplow.event_transformer.transform import split_line, transform_values
from tests.transform_checks import assert_fast_path_agrees, strictly_typed

WEB_PAGE = "iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0"
CONTEXTS = json.dumps(
    {
        "schema": "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0",
        "data": [{"schema": WEB_PAGE, "data": {"id": "a"}}],
    }
)
DERIVED = json.dumps(
    {
        "schema": "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1",
        "data": [
            {"schema": "iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-1", "data": {"id": "b"}},
            {
                "schema": "iglu:com.iab.snowplow/spiders_and_robots/jsonschema/1-0-0",
                "data": {"spider": False},
            },
        ],
    }
)
UNSTRUCT = json.dumps(
    {
        "schema": "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0",
        "data": {
            "schema": "iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1",
            "data": {"url": "u"},
        },
    }
)


def test_the_field_table_is_the_enriched_event_format() -> None:
    assert len(FIELD_NAMES) == 131
    assert FIELD_NAMES[:3] == ("app_id", "platform", "etl_tstamp")
    assert FIELD_NAMES[52] == "contexts"
    assert FIELD_NAMES[58] == "unstruct_event"
    assert FIELD_NAMES[122] == "derived_contexts"
    assert FIELD_NAMES[-1] == "true_tstamp"


def test_a_line_becomes_the_sdks_dict(make_line) -> None:  # type: ignore[no-untyped-def]
    line = make_line(
        app_id="shop",
        collector_tstamp="2013-11-26 00:02:05",
        txn_id="-12",
        geo_latitude="37.443604",
        geo_longitude="-122.4124",
        br_cookies="0",
        dvce_ismobile="1",
        tr_total="12",
        contexts=CONTEXTS,
        unstruct_event=UNSTRUCT,
        true_tstamp="2013-11-26 00:03:57.885",
    )
    assert strictly_typed(transform(line)) == strictly_typed(
        {
            "geo_location": "37.443604,-122.4124",
            "app_id": "shop",
            "collector_tstamp": "2013-11-26T00:02:05Z",
            "txn_id": -12,
            "geo_latitude": 37.443604,
            "geo_longitude": -122.4124,
            "br_cookies": False,
            "dvce_ismobile": True,
            "tr_total": 12.0,
            "contexts_com_snowplowanalytics_snowplow_web_page_1": [{"id": "a"}],
            "unstruct_event_com_snowplowanalytics_snowplow_link_click_1": {"url": "u"},
            "true_tstamp": "2013-11-26T00:03:57.885Z",
        }
    )
    assert "geo_location" not in transform(line, add_geolocation_data=False)


def test_an_empty_line_of_131_empty_fields_is_an_empty_event(make_line) -> None:  # type: ignore[no-untyped-def]
    assert transform(make_line()) == {}


@pytest.mark.parametrize("terminator", ["\n", "\r\n", "\r"])
def test_one_line_terminator_is_not_part_of_true_tstamp(make_line, terminator: str) -> None:  # type: ignore[no-untyped-def]
    line = make_line(true_tstamp="2013-11-26 00:03:57.885")
    assert transform(line + terminator)["true_tstamp"] == "2013-11-26T00:03:57.885Z"
    assert transform(make_line() + terminator) == {}


def test_two_terminators_are_one_too_many(make_line) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SnowplowEventTransformationException) as raised:
        transform(make_line(true_tstamp="2013-11-26 00:03:57") + "\n\n")
    assert raised.value.errors[0].field == "true_tstamp"


def test_contexts_and_derived_contexts_of_one_key_are_merged(make_line) -> None:  # type: ignore[no-untyped-def]
    event = transform(make_line(contexts=CONTEXTS, derived_contexts=DERIVED))
    assert event["contexts_com_snowplowanalytics_snowplow_web_page_1"] == [{"id": "a"}, {"id": "b"}]
    assert event["contexts_com_iab_snowplow_spiders_and_robots_1"] == [{"spider": False}]
    # the tracker's list is not shared with (or changed by) the merge
    only_contexts = transform(make_line(contexts=CONTEXTS))
    assert only_contexts["contexts_com_snowplowanalytics_snowplow_web_page_1"] == [{"id": "a"}]


def test_wrong_field_count_is_one_error() -> None:
    with pytest.raises(SnowplowEventTransformationException) as raised:
        transform("a\tb\tc\t12a")
    assert raised.value.error_messages == ["Expected 131 fields, received 4 fields"]
    assert raised.value.errors[0].field is None


@pytest.mark.parametrize(
    ("shape", "bad", "errors", "message"),
    [
        (
            "python",
            {
                "collector_tstamp": "garbage",
                "txn_id": "12a",
                "br_cookies": "yes",
                "contexts": '{"schema": "iglu:a/b/c/1-0-0", "data": [{"schema": "iglu:bad", "data": 1}]}',
                "unstruct_event": "{",
                "geo_latitude": "north",
                "geo_longitude": "1.5",
            },
            [
                ("collector_tstamp", "garbage"),
                ("txn_id", "12a"),
                ("geo_latitude", "north"),
                ("contexts", "iglu:bad"),
                ("unstruct_event", "{"),
                ("br_cookies", "yes"),
            ],
            "Invalid value '12a' for field txn_id: not an integer",
        ),
        (
            # The Scala SDK's EventSpec case of invalid values, reported in field order.
            "scala",
            {
                "etl_tstamp": "not_an_instant",
                "collector_tstamp": "",
                "event_id": "not_a_uuid",
                "txn_id": "not_an_integer",
                "v_collector": "",
                "geo_latitude": "not_a_double",
                "br_features_pdf": "not_a_boolean",
            },
            [
                ("etl_tstamp", "not_an_instant"),
                ("collector_tstamp", ""),
                ("event_id", "not_a_uuid"),
                ("txn_id", "not_an_integer"),
                ("v_collector", ""),
                ("geo_latitude", "not_a_double"),
                ("br_features_pdf", "not_a_boolean"),
            ],
            "Invalid value '' for field collector_tstamp: cannot be empty (the Scala SDK requires it)",
        ),
    ],
)
def test_every_bad_field_of_a_line_is_reported_at_once(  # type: ignore[no-untyped-def]
    valid_line_with, shape: Shape, bad: dict[str, str], errors: list[tuple[str, str]], message: str
) -> None:
    with pytest.raises(SnowplowEventTransformationException) as raised:
        transform(valid_line_with(**bad), shape=shape)
    assert [(error.field, error.value) for error in raised.value.errors] == errors
    assert message in raised.value.error_messages


def test_fast_path_equals_the_field_table_loop(corpus: list[str]) -> None:
    fast = 0
    for line in corpus:
        values = split_line(line)
        event = transform_valid(values, True)
        if event is not None:
            fast += 1
            assert strictly_typed(event) == strictly_typed(transform_values(values, True))
    # realistic lines take the fast path; only rare values (leap days, exponents, 19-digit ints) do not
    assert fast >= 0.95 * len(corpus)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("etl_tstamp", "2024-02-29 10:00:00"),
        ("etl_tstamp", "2023-02-29 10:00:00"),
        ("etl_tstamp", "0999-01-01 10:00:00"),
        ("txn_id", "+5"),
        ("txn_id", "1-2"),
        ("txn_id", str(2**63)),
        ("txn_id", str(2**63 - 1)),
        ("txn_id", "007"),
        ("txn_id", "-"),
        ("txn_id", "--1"),
        ("txn_id", "1-"),
        ("txn_id", str(2**64 - 1)),
        ("txn_id", str(2**64)),
        ("txn_id", str(-(2**63) - 1)),
        ("txn_id", str(-(2**63) - 2000)),
        ("txn_id", "1" * 5000),
        ("txn_id", "\u0663"),
        ("tr_total", "1.0E-4"),
        ("tr_total", "1" * 400),
        ("tr_total", "1." + "1" * 400),
        ("tr_total", "-"),
        ("tr_total", "1e400"),
        ("tr_total", "-1e400"),
        ("tr_total", "1e"),
        ("tr_total", "e5"),
        ("tr_total", "1.5.5"),
        ("tr_total", "1_0"),
        ("tr_total", "\u0663.5"),
        ("tr_total", "inf"),
        ("br_cookies", "10"),
        ("br_cookies", "2"),
        ("br_cookies", "true"),
        ("true_tstamp", "2024-01-01 10:00:00\r"),
        ("true_tstamp", "\r"),
        ("contexts", '{"schema": "iglu:a/b/c/1-0-0", "data": ""}'),
        ("unstruct_event", '{"schema": "iglu:a/b/c/1-0-0", "data": {"schema": "iglu:a/b/c/1-0-0"}}'),
    ],
)
def test_unusual_values_give_the_same_result_on_both_paths(valid_line_with, field: str, value: str) -> None:  # type: ignore[no-untyped-def]
    values = split_line(valid_line_with(**{field: value}))
    assert_fast_path_agrees(values)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("txn_id", "-0", 0),
        ("txn_id", str(-(2**63)), -(2**63)),
        ("txn_id", str(2**63 - 1), 2**63 - 1),
        ("tr_total", "1.0E-4", 0.0001),
        ("tr_total", "2.5e+10", 2.5e10),
        ("tr_total", "+5.5", 5.5),
        ("tr_total", "12", 12.0),
        ("tr_total", "-0", -0.0),
        ("tr_total", "-0.0", -0.0),
        ("tr_total", "7.764015433066083e+299", 7.764015433066083e299),
        ("tr_total", "0.1000000000000000055511151231257827", 0.1),
        ("br_cookies", "0", False),
    ],
)
def test_the_fast_path_takes_exponents_signs_and_64_bit_limits(  # type: ignore[no-untyped-def]
    valid_line_with, field: str, value: str, expected: object
) -> None:
    values = split_line(valid_line_with(**{field: value}))
    fast = transform_valid(values, True)
    assert fast is not None
    assert strictly_typed(fast) == strictly_typed(transform_values(values, True))
    assert strictly_typed(fast[field]) == strictly_typed(expected)


def test_get_fields_is_transform_restricted_to_the_fields(corpus: list[str]) -> None:
    names = ["event_id", "collector_tstamp", "txn_id", "contexts", "derived_contexts", "br_cookies"]
    for line in corpus[:300]:
        event = transform(line, add_geolocation_data=False)
        subset = get_fields(line, names)
        expected_keys = {key for key in event if key in names or key.startswith("contexts_")}
        assert subset.keys() == expected_keys
        assert strictly_typed(subset) == strictly_typed({key: event[key] for key in expected_keys})


def test_get_fields_ignores_problems_elsewhere(make_line) -> None:  # type: ignore[no-untyped-def]
    line = make_line(event_id="e1", txn_id="12a")
    assert get_fields(line, ["event_id", "app_id"]) == {"event_id": "e1"}
    with pytest.raises(SnowplowEventTransformationException, match="txn_id"):
        get_fields(line, ["txn_id"])
    with pytest.raises(ValueError, match="'nope' is not an enriched-event field"):
        get_fields(line, ["event_id", "nope"])
    with pytest.raises(SnowplowEventTransformationException, match="Expected 131 fields"):
        get_fields("too\tshort", ["event_id"])
