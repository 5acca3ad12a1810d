"""``shape="scala"``: the Scala Analytics SDK's ``Event.parse(line).toJson(lossy = true)``.

The vectors come from the Scala SDK's own test specs, in snowplow/snowplow-scala-analytics-sdk at
3.2.1 (commit 5599caf):

* ``src/test/scala/com.snowplowanalytics.snowplow.analytics.scalasdk/EventSpec.scala``: the
  ``baseInput`` event and its JSON with and without contexts, derived contexts and an unstruct
  event ("successfully convert a tab-separated pageview event string to an Event instance and
  JSON", "... omitting unstruct_event and contexts nullary fields"), two revisions of a context in
  one list ("successfully merge two matching contexts into 2-elements array"), the invalid values
  ("fail (and combine errors) if values are invalid"), the field counts ("fail if there are more /
  fewer fields than expected", "fail if payload is not TSV") and ``transformSchema``'s keys.
* ``src/test/scala/com.snowplowanalytics.snowplow.analytics.scalasdk/decode/ValueDecoderSpec.scala``:
  one value per type, and the "Unknown payload" envelopes.

The expected JSON is written out here as the spec publishes it (every field, ``null`` when empty),
not computed with our code.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_snowplow.event_transformer import (
    SnowplowEventTransformationException,
    transform,
)
from airflow_provider_snowplow.event_transformer.errors import InvalidValue
from airflow_provider_snowplow.event_transformer.scala import (
    java_double_text,
    parse_instant,
    parse_int32,
    parse_uuid,
)
from airflow_provider_snowplow.event_transformer.shredding import (
    SCALA_SDK,
    shred_contexts,
    shred_unstruct,
    shredded_key,
)

# The fields of the Scala SDK's Event case class (Event.scala), in order, but for the three
# self-describing ones, which toJson(lossy = true) replaces by their shredded keys.
SCALA_ATOMIC_FIELDS = """
app_id platform etl_tstamp collector_tstamp dvce_created_tstamp event event_id txn_id name_tracker
v_tracker v_collector v_etl user_id user_ipaddress user_fingerprint domain_userid domain_sessionidx
network_userid geo_country geo_region geo_city geo_zipcode geo_latitude geo_longitude
geo_region_name ip_isp ip_organization ip_domain ip_netspeed page_url page_title page_referrer
page_urlscheme page_urlhost page_urlport page_urlpath page_urlquery page_urlfragment refr_urlscheme
refr_urlhost refr_urlport refr_urlpath refr_urlquery refr_urlfragment refr_medium refr_source
refr_term mkt_medium mkt_source mkt_term mkt_content mkt_campaign se_category se_action se_label
se_property se_value tr_orderid tr_affiliation tr_total tr_tax tr_shipping tr_city tr_state
tr_country ti_orderid ti_sku ti_name ti_category ti_price ti_quantity pp_xoffset_min pp_xoffset_max
pp_yoffset_min pp_yoffset_max useragent br_name br_family br_version br_type br_renderengine br_lang
br_features_pdf br_features_flash br_features_java br_features_director br_features_quicktime
br_features_realplayer br_features_windowsmedia br_features_gears br_features_silverlight br_cookies
br_colordepth br_viewwidth br_viewheight os_name os_family os_manufacturer os_timezone dvce_type
dvce_ismobile dvce_screenwidth dvce_screenheight doc_charset doc_width doc_height tr_currency
tr_total_base tr_tax_base tr_shipping_base ti_currency ti_price_base base_currency geo_timezone
mkt_clickid mkt_network etl_tags dvce_sent_tstamp refr_domain_userid refr_dvce_tstamp
domain_sessionid derived_tstamp event_vendor event_name event_format event_version event_fingerprint
true_tstamp
""".split()  # noqa: SIM905 (a list of 128 names reads better as text)
# The TSV columns, in order: the same, with the three self-describing fields where they sit.
TSV_COLUMNS = [
    *SCALA_ATOMIC_FIELDS[:52],
    "contexts",
    *SCALA_ATOMIC_FIELDS[52:57],
    "unstruct_event",
    *SCALA_ATOMIC_FIELDS[57:120],
    "derived_contexts",
    *SCALA_ATOMIC_FIELDS[120:],
]

# EventSpec.baseInput: the non-empty values.
BASE_INPUT = {
    "app_id": "angry-birds",
    "platform": "web",
    "etl_tstamp": "2017-01-26 00:01:25.292",
    "collector_tstamp": "2013-11-26 00:02:05",
    "dvce_created_tstamp": "2013-11-26 00:03:57.885",
    "event": "page_view",
    "event_id": "c6ef3124-b53a-4b13-a233-0088f79dcbcb",
    "txn_id": "41828",
    "name_tracker": "cloudfront-1",
    "v_tracker": "js-2.1.0",
    "v_collector": "clj-tomcat-0.1.0",
    "v_etl": "serde-0.5.2",
    "user_id": "jon.doe@email.com",
    "user_ipaddress": "92.231.54.234",
    "user_fingerprint": "2161814971",
    "domain_userid": "bc2e92ec6c204a14",
    "domain_sessionidx": "3",
    "network_userid": "ecdff4d0-9175-40ac-a8bb-325c49733607",
    "geo_country": "US",
    "geo_region": "TX",
    "geo_city": "New York",
    "geo_zipcode": "94109",
    "geo_latitude": "37.443604",
    "geo_longitude": "-122.4124",
    "geo_region_name": "Florida",
    "ip_isp": "FDN Communications",
    "ip_organization": "Bouygues Telecom",
    "ip_domain": "nuvox.net",
    "ip_netspeed": "Cable/DSL",
    "page_url": "http://www.snowplowanalytics.com",
    "page_title": "On Analytics",
    "page_urlscheme": "http",
    "page_urlhost": "www.snowplowanalytics.com",
    "page_urlport": "80",
    "page_urlpath": "/product/index.html",
    "page_urlquery": "id=GTM-DLRG",
    "page_urlfragment": "4-conclusion",
    "br_features_pdf": "1",
    "br_features_flash": "0",
    "domain_sessionid": "2b15e5c8-d3b1-11e4-b9d6-1681e6b88ec1",
    "derived_tstamp": "2013-11-26 00:03:57.886",
    "event_vendor": "com.snowplowanalytics.snowplow",
    "event_name": "link_click",
    "event_format": "jsonschema",
    "event_version": "1-0-0",
    "event_fingerprint": "e3dbfa9cca0412c3d4052863cefb547f",
    "true_tstamp": "2013-11-26 00:03:57.886",
}

WEB_PAGE = {
    "genre": "blog",
    "inLanguage": "en-US",
    "datePublished": "2014-11-06T00:00:00Z",
    "author": "Fred Blundun",
    "breadcrumb": ["blog", "releases"],
    "keywords": ["snowplow", "javascript", "tracker", "event"],
}
PERFORMANCE_TIMING = {
    "navigationStart": 1415358089861,
    "unloadEventStart": 1415358090270,
    "unloadEventEnd": 1415358090287,
    "redirectStart": 0,
    "redirectEnd": 0,
    "fetchStart": 1415358089870,
    "domainLookupStart": 1415358090102,
    "domainLookupEnd": 1415358090102,
    "connectStart": 1415358090103,
    "connectEnd": 1415358090183,
    "requestStart": 1415358090183,
    "responseStart": 1415358090265,
    "responseEnd": 1415358090265,
    "domLoading": 1415358090270,
    "domInteractive": 1415358090886,
    "domContentLoadedEventStart": 1415358090968,
    "domContentLoadedEventEnd": 1415358091309,
    "domComplete": 0,
    "loadEventStart": 0,
    "loadEventEnd": 0,
}
UA_PARSER = {
    "useragentFamily": "IE",
    "useragentMajor": "7",
    "useragentMinor": "0",
    "useragentPatch": None,
    "useragentVersion": "IE 7.0",
    "osFamily": "Windows XP",
    "osMajor": None,
    "osMinor": None,
    "osPatch": None,
    "osPatchMinor": None,
    "osVersion": "Windows XP",
    "deviceFamily": "Other",
}
LINK_CLICK = {
    "targetUrl": "http://www.example.com",
    "elementClasses": ["foreground"],
    "elementId": "exampleLink",
}


def envelope(schema: str, data: Any) -> str:
    """A self-describing JSON field, pretty-printed over several lines as the spec writes it."""
    return json.dumps({"schema": schema, "data": data}, indent=2)


# EventSpec.contextsJson, contextsWithDuplicate, derivedContextsJson (contexts 1-0-1) and unstructJson.
CONTEXTS = envelope(
    "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0",
    [
        {"schema": "iglu:org.schema/WebPage/jsonschema/1-0-0", "data": WEB_PAGE},
        {"schema": "iglu:org.w3/PerformanceTiming/jsonschema/1-0-0", "data": PERFORMANCE_TIMING},
    ],
)
CONTEXTS_WITH_DUPLICATE = envelope(
    "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0",
    [
        {"schema": "iglu:org.schema/WebPage/jsonschema/1-0-0", "data": WEB_PAGE},
        {"schema": "iglu:org.acme/context_one/jsonschema/1-0-0", "data": {"item": 1}},
        {"schema": "iglu:org.acme/context_one/jsonschema/1-0-1", "data": {"item": 2}},
    ],
)
DERIVED_CONTEXTS = envelope(
    "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1",
    [{"schema": "iglu:com.snowplowanalytics.snowplow/ua_parser_context/jsonschema/1-0-0", "data": UA_PARSER}],
)
UNSTRUCT = envelope(
    "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0",
    {"schema": "iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1", "data": LINK_CLICK},
)

# The non-null atomic fields of every expected JSON in EventSpec (all three are the same there): the
# input's strings as they came, but for the fields of other types, and the geo_location it adds.
EXPECTED_ATOMIC = {
    "geo_location": "37.443604,-122.4124",
    **BASE_INPUT,
    "etl_tstamp": "2017-01-26T00:01:25.292Z",
    "collector_tstamp": "2013-11-26T00:02:05Z",
    "dvce_created_tstamp": "2013-11-26T00:03:57.885Z",
    "txn_id": 41828,
    "domain_sessionidx": 3,
    "geo_latitude": 37.443604,
    "geo_longitude": -122.4124,
    "page_urlport": 80,
    "br_features_pdf": True,
    "br_features_flash": False,
    "derived_tstamp": "2013-11-26T00:03:57.886Z",
    "true_tstamp": "2013-11-26T00:03:57.886Z",
}


# The shredded keys both EventSpec events with contexts hold: the web page context, the link click
# and the derived UA parser context.
SHARED_SHREDDED = {
    "contexts_org_schema_web_page_1": [{"_schema_version": "1-0-0", **WEB_PAGE}],
    "unstruct_event_com_snowplowanalytics_snowplow_link_click_1": LINK_CLICK,
    "contexts_com_snowplowanalytics_snowplow_ua_parser_context_1": [
        {"_schema_version": "1-0-0", **UA_PARSER}
    ],
}


def line(**replaced: str) -> str:
    """EventSpec's ``baseInput`` with some values replaced, joined with tabs."""
    values = {**BASE_INPUT, **replaced}
    return "\t".join(values.get(column, "") for column in TSV_COLUMNS)


def expected(**shredded: Any) -> dict[str, Any]:
    """An expected JSON of EventSpec: every atomic field (null when empty), then shredded keys."""
    return {name: None for name in SCALA_ATOMIC_FIELDS} | EXPECTED_ATOMIC | shredded


def as_json(event: dict[str, Any]) -> Any:
    """What a reader of the written JSON gets (key order is not part of either SDK's contract)."""
    return json.loads(json.dumps(event))


def test_the_tsv_columns_are_ours() -> None:
    from airflow_provider_snowplow.event_transformer import FIELD_NAMES

    renamed = ["refr_device_tstamp" if c == "refr_dvce_tstamp" else c for c in TSV_COLUMNS]
    assert renamed == list(FIELD_NAMES)


def test_the_pageview_with_contexts_and_unstruct_event_is_the_specs_json() -> None:
    event = transform(
        line(contexts=CONTEXTS, unstruct_event=UNSTRUCT, derived_contexts=DERIVED_CONTEXTS), shape="scala"
    )
    assert as_json(event) == expected(
        **SHARED_SHREDDED,
        contexts_org_w3_performance_timing_1=[{"_schema_version": "1-0-0", **PERFORMANCE_TIMING}],
    )


def test_the_pageview_without_self_describing_fields_has_no_keys_for_them() -> None:
    assert as_json(transform(line(), shape="scala")) == expected()


def test_two_revisions_of_one_context_share_a_list_each_with_its_version() -> None:
    event = transform(
        line(contexts=CONTEXTS_WITH_DUPLICATE, unstruct_event=UNSTRUCT, derived_contexts=DERIVED_CONTEXTS),
        shape="scala",
    )
    assert as_json(event) == expected(
        **SHARED_SHREDDED,
        contexts_org_acme_context_one_1=[
            {"_schema_version": "1-0-0", "item": 1},
            {"_schema_version": "1-0-1", "item": 2},
        ],
    )


@pytest.mark.parametrize(
    ("text", "count"),
    [(line() + "\tmock_value", 132), ("angry-birds\tweb\tnot_an_instant\t", 4), ("non tsv", 1)],
)
def test_a_line_with_another_field_count_is_refused(text: str, count: int) -> None:
    with pytest.raises(SnowplowEventTransformationException, match=f"received {count} fields"):
        transform(text, shape="scala")


@pytest.mark.parametrize(
    ("prefix", "uri", "key"),
    [
        (
            "contexts",
            "iglu:org.w3/PerformanceTiming/jsonschema/1-0-0",
            "contexts_org_w3_performance_timing_1",
        ),
        (
            "contexts",
            "iglu:com.snowplowanalytics.snowplow/ua_parser_context/jsonschema/1-0-0",
            "contexts_com_snowplowanalytics_snowplow_ua_parser_context_1",
        ),
        (
            "unstruct_event",
            "iglu:com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0",
            "unstruct_event_com_snowplowanalytics_self_desc_schema_1",
        ),
        # What the Python SDK leaves with a dash (the example vendor), and a dashed name
        # turned to snake case after the dash became "_" (the Scala SDK's order of replacements).
        (
            "contexts",
            "iglu:com.google.analytics.enhanced-ecommerce/productFieldObject/jsonschema/1-0-0",
            "contexts_com_google_analytics_enhanced_ecommerce_product_field_object_1",
        ),
        ("contexts", "iglu:com.acme-corp/event-Name/jsonschema/2-0-0", "contexts_com_acme_corp_event_name_2"),
    ],
)
def test_schema_keys_are_the_scala_sdks(prefix: str, uri: str, key: str) -> None:
    assert shredded_key(prefix, uri, dashes_as_underscores=True) == key


# ValueDecoderSpec: one value of each type, as parsed, then as written to JSON.
@pytest.mark.parametrize(
    ("field", "value", "written"),
    [
        ("txn_id", "42", 42),
        ("tr_total", "42.5", 42.5),
        ("event_id", "d2161fd1-ffed-41df-ac3e-a729012105f5", "d2161fd1-ffed-41df-ac3e-a729012105f5"),
        ("br_cookies", "0", False),
        ("br_cookies", "1", True),
        ("collector_tstamp", "2013-11-26 00:03:57.885", "2013-11-26T00:03:57.885Z"),
        ("dvce_sent_tstamp", "2013-11-26 00:03:57.885", "2013-11-26T00:03:57.885Z"),
        ("app_id", "value", "value"),
        ("se_value", "2", 2.0),  # a Double in the Scala SDK, a string in the Python SDK
    ],
)
def test_each_type_is_written_as_the_scala_sdk_decodes_it(field: str, value: str, written: Any) -> None:
    assert as_json(transform(line(**{field: value}), shape="scala"))[field] == written


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("txn_id", "value"),
        ("tr_total", "value"),
        ("event_id", "value"),
        ("br_cookies", "value"),
        ("collector_tstamp", "value"),
        ("dvce_sent_tstamp", "value"),
        ("event_id", ""),
        ("collector_tstamp", ""),
        ("v_etl", ""),
    ],
)
def test_each_type_refuses_what_the_scala_sdk_refuses(field: str, value: str) -> None:
    with pytest.raises(SnowplowEventTransformationException) as raised:
        transform(line(**{field: value}), shape="scala")
    assert [error.field for error in raised.value.errors] == [field]


@pytest.mark.parametrize("field", ["contexts", "unstruct_event"])
def test_an_envelope_of_another_schema_is_an_unknown_payload(field: str) -> None:
    inner = {"schema": "iglu:org.schema/WebPage/jsonschema/1-0-0", "data": WEB_PAGE}
    text = envelope("iglu:invalid/schema/jsonschema/1-0-0", [inner] if field == "contexts" else inner)
    with pytest.raises(SnowplowEventTransformationException) as raised:
        transform(line(**{field: text}), shape="scala")
    assert [(e.field, e.value) for e in raised.value.errors] == [
        (field, "iglu:invalid/schema/jsonschema/1-0-0")
    ]
    assert "envelope's schema is not iglu:com.snowplowanalytics.snowplow/" in raised.value.errors[0].reason
    transform(line(**{field: text}))  # the Python SDK's shape does not look at the envelope's schema


# Below: behaviour read from the Scala SDK's sources (decode/ValueDecoder.scala, SnowplowEvent.scala,
# Event.scala) and Java's documented formats, which the specs above do not pin down.


# Kept apart from test_parsers' parse_timestamp table: a Java Instant rewrites the fraction it keeps.
@pytest.mark.parametrize(
    ("value", "instant"),
    [
        ("2013-11-26 00:02:05", "2013-11-26T00:02:05Z"),
        ("2013-11-26 00:02:05.000", "2013-11-26T00:02:05Z"),
        ("2013-11-26 00:02:05.1", "2013-11-26T00:02:05.100Z"),
        ("2013-11-26 00:02:05.120", "2013-11-26T00:02:05.120Z"),
        ("2013-11-26 00:02:05.1234", "2013-11-26T00:02:05.123400Z"),
        ("2013-11-26 00:02:05.123456000", "2013-11-26T00:02:05.123456Z"),
        ("2013-11-26 00:02:05.000000001", "2013-11-26T00:02:05.000000001Z"),
        ("2013-11-26 00:00:00", "2013-11-26T00:00:00Z"),
    ],
)
def test_timestamps_are_written_as_java_instants(value: str, instant: str) -> None:
    assert parse_instant(value) == instant


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (37.443604, "37.443604"),
        (-122.4124, "-122.4124"),
        (37.0, "37.0"),
        (100.0, "100.0"),
        (0.001, "0.001"),
        (0.0001, "1.0E-4"),
        (-0.00012, "-1.2E-4"),
        (9999999.0, "9999999.0"),
        (1.0e7, "1.0E7"),
        (123456789.5, "1.234567895E8"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
    ],
)
def test_doubles_in_geo_location_are_written_as_java_writes_them(number: float, text: str) -> None:
    assert java_double_text(number) == text


def test_geo_location_joins_the_coordinates_as_java_doubles() -> None:
    event = transform(line(geo_latitude="37", geo_longitude="0.0001"), shape="scala")
    assert event["geo_location"] == "37.0,1.0E-4"
    assert "geo_location" not in transform(line(geo_longitude=""), shape="scala")
    assert "geo_location" not in transform(line(), add_geolocation_data=False, shape="scala")


@pytest.mark.parametrize(
    ("value", "ok"),
    [("2147483647", True), ("-2147483648", True), ("2147483648", False), ("-2147483649", False)],
)
def test_integers_are_32_bit_as_the_scala_sdks_int(value: str, ok: bool) -> None:
    if ok:
        assert parse_int32(value) == int(value)
    else:
        with pytest.raises(InvalidValue, match="32-bit"):
            parse_int32(value)


def test_event_ids_are_written_in_lower_case() -> None:
    assert parse_uuid("C6EF3124-B53A-4B13-A233-0088F79DCBCB") == "c6ef3124-b53a-4b13-a233-0088f79dcbcb"
    for not_canonical in (
        "c6ef3124b53a4b13a2330088f79dcbcb",
        "{c6ef3124-b53a-4b13-a233-0088f79dcbcb}",
        "1-1-1-1-1",
    ):
        with pytest.raises(InvalidValue):
            parse_uuid(not_canonical)


def test_the_refr_device_timestamp_has_the_scala_sdks_name() -> None:
    event = transform(line(refr_dvce_tstamp="2013-11-26 00:02:05"), shape="scala")
    assert event["refr_dvce_tstamp"] == "2013-11-26T00:02:05Z"
    assert "refr_device_tstamp" not in event


def test_context_data_that_is_not_an_object_becomes_the_version_alone() -> None:
    # circe's deepMerge of a non-object with {"_schema_version": ...} gives the latter.
    text = envelope(
        "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0",
        [
            {"schema": "iglu:com.acme/a/jsonschema/1-0-2", "data": [1, 2]},
            {"schema": "iglu:com.acme/a/jsonschema/1-0-3", "data": None},
            {"schema": "iglu:com.acme/a/jsonschema/1-0-4", "data": {"_schema_version": "x", "n": 1}},
        ],
    )
    assert shred_contexts(text, SCALA_SDK) == {
        "contexts_com_acme_a_1": [
            {"_schema_version": "1-0-2"},
            {"_schema_version": "1-0-3"},
            {"_schema_version": "1-0-4", "n": 1},
        ]
    }


def test_envelopes_of_any_addition_of_1_0_are_accepted() -> None:
    inner = {"schema": "iglu:com.acme/a/jsonschema/1-0-0", "data": {}}
    for version, ok in (("1-0-0", True), ("1-0-7", True), ("1-1-0", False), ("2-0-0", False)):
        text = envelope(f"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/{version}", inner)
        if ok:
            assert shred_unstruct(text, SCALA_SDK) == {"unstruct_event_com_acme_a_1": {}}
        else:
            with pytest.raises(InvalidValue, match="envelope's schema"):
                shred_unstruct(text, SCALA_SDK)


def test_an_unknown_shape_is_one_clear_error() -> None:
    with pytest.raises(ValueError, match=r"shape must be 'python' .* or 'scala' .* got 'json'"):
        transform(line(), shape="json")  # type: ignore[arg-type]


def test_on_realistic_lines_both_shapes_hold_the_same_values(corpus: list[str]) -> None:
    """Every value of the default shape is in the Scala shape, under its Scala name and type."""
    from datetime import datetime

    from airflow_provider_snowplow.event_transformer import FIELDS

    scala_refusals = ("cannot be empty", "32-bit", "not a decimal number")
    accepted = 0
    for text in corpus:
        python = transform(text)
        try:
            scala = transform(text, shape="scala")
        except SnowplowEventTransformationException as refused:
            # Only what the Scala SDK's types refuse: required fields, Int, se_value as a Double.
            assert all(any(r in e.reason for r in scala_refusals) for e in refused.errors), refused.errors
            continue
        accepted += 1
        atomic = {name: value for name, value in scala.items() if name in SCALA_ATOMIC_FIELDS}
        assert set(atomic) == set(SCALA_ATOMIC_FIELDS)
        for field, name in zip(FIELDS, TSV_COLUMNS, strict=True):
            if field.shredded:
                continue
            ours, theirs = python.get(field.name), scala[name]
            if ours is None:
                assert theirs is None, name
            elif field.name.endswith("tstamp"):
                assert datetime.fromisoformat(theirs) == datetime.fromisoformat(ours), name
            elif field.name == "se_value":
                assert theirs == float(ours)
            else:
                assert theirs == ours, name
        shredded = {k: v for k, v in scala.items() if k not in SCALA_ATOMIC_FIELDS and k != "geo_location"}
        assert set(shredded) == {
            k.replace("-", "_") for k in python if k.startswith(("contexts_", "unstruct_"))
        }
        for key, value in python.items():
            if key.startswith("contexts_"):
                versions = [item.pop("_schema_version") for item in shredded[key.replace("-", "_")]]
                assert all(v.count("-") == 2 for v in versions)
                assert shredded[key.replace("-", "_")] == [v if type(v) is dict else {} for v in value]
            elif key.startswith("unstruct_"):
                assert shredded[key.replace("-", "_")] == value
    assert accepted > len(corpus) / 2
