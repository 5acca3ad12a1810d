"""Deterministic generator of Snowplow enriched-event TSV lines, shared by the tests and the bench.

The lines look like what Snowplow Enrich writes to the archive: page views, page pings, structured
events, self-describing (unstruct) events and transactions, with contexts, derived contexts, unicode
and many empty fields. :func:`valid_lines` yields only lines that the reference SDK
(snowplow-analytics-sdk 0.2.3) and our transformer must turn into the same dict: no key collision
between ``contexts`` and ``derived_contexts``, no JSON integers beyond 64 bits, no line terminator.
:func:`bad_lines` yields lines that must be rejected, each with the field it is wrong in.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

FIELD_NAMES: tuple[str, ...] = (
    "app_id platform etl_tstamp collector_tstamp dvce_created_tstamp event event_id txn_id "
    "name_tracker v_tracker v_collector v_etl user_id user_ipaddress user_fingerprint domain_userid "
    "domain_sessionidx network_userid geo_country geo_region geo_city geo_zipcode geo_latitude "
    "geo_longitude geo_region_name ip_isp ip_organization ip_domain ip_netspeed page_url page_title "
    "page_referrer page_urlscheme page_urlhost page_urlport page_urlpath page_urlquery page_urlfragment "
    "refr_urlscheme refr_urlhost refr_urlport refr_urlpath refr_urlquery refr_urlfragment refr_medium "
    "refr_source refr_term mkt_medium mkt_source mkt_term mkt_content mkt_campaign contexts se_category "
    "se_action se_label se_property se_value unstruct_event tr_orderid tr_affiliation tr_total tr_tax "
    "tr_shipping tr_city tr_state tr_country ti_orderid ti_sku ti_name ti_category ti_price ti_quantity "
    "pp_xoffset_min pp_xoffset_max pp_yoffset_min pp_yoffset_max useragent br_name br_family br_version "
    "br_type br_renderengine br_lang br_features_pdf br_features_flash br_features_java "
    "br_features_director br_features_quicktime br_features_realplayer br_features_windowsmedia "
    "br_features_gears br_features_silverlight br_cookies br_colordepth br_viewwidth br_viewheight "
    "os_name os_family os_manufacturer os_timezone dvce_type dvce_ismobile dvce_screenwidth "
    "dvce_screenheight doc_charset doc_width doc_height tr_currency tr_total_base tr_tax_base "
    "tr_shipping_base ti_currency ti_price_base base_currency geo_timezone mkt_clickid mkt_network "
    "etl_tags dvce_sent_tstamp refr_domain_userid refr_device_tstamp derived_contexts domain_sessionid "
    "derived_tstamp event_vendor event_name event_format event_version event_fingerprint true_tstamp"
).split()
INDEX = {name: i for i, name in enumerate(FIELD_NAMES)}

INT_FIELDS = frozenset(
    "txn_id domain_sessionidx page_urlport refr_urlport ti_quantity pp_xoffset_min pp_xoffset_max "
    "pp_yoffset_min pp_yoffset_max br_viewwidth br_viewheight dvce_screenwidth dvce_screenheight "
    "doc_width doc_height".split()
)
DOUBLE_FIELDS = frozenset(
    "geo_latitude geo_longitude tr_total tr_tax tr_shipping ti_price tr_total_base tr_tax_base "
    "tr_shipping_base ti_price_base".split()
)
BOOL_FIELDS = frozenset(name for name in FIELD_NAMES if name.startswith("br_features_")) | {
    "br_cookies",
    "dvce_ismobile",
}
TSTAMP_FIELDS = frozenset(name for name in FIELD_NAMES if name.endswith("_tstamp"))

CONTEXTS_URI = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0"
DERIVED_CONTEXTS_URI = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1"
UNSTRUCT_URI = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0"

TEXTS = (
    "Home",
    "Checkout – step 2",
    "Ünïcödé ✓ ページ 漢字",
    "Emoji 🎉🚀 party",
    "Quotes \"double\" and 'single' and back\\slash",
    "Line\u2028separator and next\u0085line and \x1cfile-sep",
    "Carriage\rreturn inside",
    "Привет, мир",
    "مرحبا بالعالم",
    "",
)
# Contexts and derived contexts use disjoint schemas so that no shredded key collides (the SDK
# overwrites one with the other; we merge them, a documented difference tested elsewhere).
CONTEXT_SCHEMAS = (
    "iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0",
    "iglu:org.w3/PerformanceTiming/jsonschema/1-0-0",
    "iglu:com.google.analytics/cookies/jsonschema/1-0-0",
    "iglu:com.acme/product/jsonschema/1-0-0",
    "iglu:com.acme/product/jsonschema/1-1-0",
    "iglu:com.acme/product/jsonschema/2-0-0",
    "iglu:com.Acme-Corp_eu/ABTest-variant2D/jsonschema/10-2-13",
    "iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-1",
)
DERIVED_SCHEMAS = (
    "iglu:com.snowplowanalytics.snowplow/ua_parser_context/jsonschema/1-0-0",
    "iglu:nl.basjes/yauaa_context/jsonschema/1-0-4",
    "iglu:com.iab.snowplow/spiders_and_robots/jsonschema/1-0-0",
    "iglu:com.snowplowanalytics.snowplow/geolocation_context/jsonschema/1-1-0",
)
UNSTRUCT_SCHEMAS = (
    "iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1",
    "iglu:com.snowplowanalytics.snowplow/submit_form/jsonschema/1-0-0",
    "iglu:com.acme/viewedItemDetails/jsonschema/3-0-2",
)


def _tstamp(rng: random.Random) -> str:
    fraction = rng.choice(("", ".123", ".000", ".5", ".123456", ".999"))
    return (
        f"{rng.randint(2013, 2031):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} "
        f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}{fraction}"
    )


def _json_value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(9 if depth < 2 else 6)
    if kind == 0:
        return rng.choice(TEXTS)
    if kind == 1:
        return rng.randint(-(2**63), 2**64 - 1) if rng.random() < 0.1 else rng.randint(-1000, 10**13)
    if kind == 2:
        return round(rng.uniform(-1e6, 1e6), rng.randrange(8))
    if kind == 3:
        return rng.choice((True, False))
    if kind == 4:
        return None
    if kind == 5:
        return str(uuid.UUID(int=rng.getrandbits(128)))
    if kind == 6:
        return [_json_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {f"k{i}_{rng.choice(TEXTS)[:4]}": _json_value(rng, depth + 1) for i in range(rng.randrange(4))}


def _payload(rng: random.Random, schema: str) -> object:
    if schema.endswith("/web_page/jsonschema/1-0-0"):
        return {"id": str(uuid.UUID(int=rng.getrandbits(128)))}
    if "PerformanceTiming" in schema:
        start = rng.randint(1_500_000_000_000, 1_800_000_000_000)
        names = ("navigationStart", "fetchStart", "domainLookupStart", "connectEnd", "loadEventEnd")
        return {name: start + i * rng.randint(0, 50) for i, name in enumerate(names)}
    if rng.random() < 0.05:
        return _json_value(rng)  # the data of a self-describing JSON need not be an object
    return {f"field_{i}": _json_value(rng) for i in range(rng.randint(1, 6))}


def _dumps(rng: random.Random, value: object) -> str:
    compact = rng.random() < 0.8
    return json.dumps(
        value, ensure_ascii=rng.random() < 0.3, separators=(",", ":") if compact else (", ", ": ")
    )


def _contexts(rng: random.Random, envelope: str, schemas: tuple[str, ...], most: int) -> str:
    data = [
        {"schema": schema, "data": _payload(rng, schema)}
        for schema in (rng.choice(schemas) for _ in range(rng.randint(0, most)))
    ]
    document = (
        {"schema": envelope, "data": data} if rng.random() < 0.5 else {"data": data, "schema": envelope}
    )
    return _dumps(rng, document)


def _unstruct(rng: random.Random) -> str:
    schema = rng.choice(UNSTRUCT_SCHEMAS)
    return _dumps(rng, {"schema": UNSTRUCT_URI, "data": {"schema": schema, "data": _payload(rng, schema)}})


def _int(rng: random.Random) -> str:
    return str(rng.choice((0, 1, -1, rng.randint(0, 5000), rng.randint(-(2**63), 2**63 - 1))))


def _double(rng: random.Random) -> str:
    return rng.choice(
        (
            f"{rng.uniform(-90, 90):.6f}",
            repr(rng.uniform(-1e9, 1e9)),
            "0",
            "-0.0",
            "12",
            "1.0E-4",
            "2.5e+10",
            f"{rng.randint(0, 99999)}.{rng.randint(0, 99)}",
        )
    )


def valid_fields(rng: random.Random) -> list[str]:
    """One valid enriched event as its 131 field values (no line terminator)."""
    event = rng.choice(("page_view", "page_ping", "struct", "unstruct", "transaction", "transaction_item"))
    sparse = rng.random() < 0.15  # a few events with almost nothing in them
    values = [""] * len(FIELD_NAMES)

    def put(name: str, value: str, probability: float = 1.0) -> None:
        if rng.random() < probability and not (sparse and rng.random() < 0.7):
            values[INDEX[name]] = value

    put("app_id", rng.choice(("shop", "blog", "ünï-app")))
    put("platform", rng.choice(("web", "mob", "srv")))
    for name in TSTAMP_FIELDS:
        put(name, _tstamp(rng), 0.85)
    put("event", event)
    put("event_id", str(uuid.UUID(int=rng.getrandbits(128))))
    put("name_tracker", "cf")
    put("v_tracker", "js-2.17.2")
    put("v_collector", "ssc-2.3.0-kinesis")
    put("v_etl", "spark-1.16.0-common-0.35.0")
    put("user_id", rng.choice(TEXTS), 0.3)
    put("user_ipaddress", f"10.{rng.randrange(256)}.{rng.randrange(256)}.x")
    put("domain_userid", uuid.UUID(int=rng.getrandbits(128)).hex[:16])
    put("network_userid", str(uuid.UUID(int=rng.getrandbits(128))))
    put("geo_country", rng.choice(("DE", "US", "JP")), 0.8)
    put("geo_city", rng.choice(("München", "New York", "東京")), 0.8)
    put("geo_region_name", rng.choice(TEXTS), 0.3)
    put("page_url", "https://shop.example.com/p/ü?x=1&y=%20#top")
    put("page_title", rng.choice(TEXTS))
    put("page_urlscheme", "https")
    put("page_urlhost", "shop.example.com")
    put("page_urlpath", "/p/ü")
    put("page_urlquery", "x=1&y=%20", 0.5)
    put("refr_medium", rng.choice(("search", "internal", "unknown")), 0.5)
    put("useragent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)")
    put("br_lang", "de-DE")
    put("br_colordepth", "24")
    put("os_timezone", "Europe/Berlin")
    put("doc_charset", "UTF-8")
    put("etl_tags", "[]", 0.2)
    put("domain_sessionid", str(uuid.UUID(int=rng.getrandbits(128))))
    put("event_vendor", "com.snowplowanalytics.snowplow")
    put("event_name", event)
    put("event_format", "jsonschema")
    put("event_version", "1-0-0")
    put("event_fingerprint", uuid.UUID(int=rng.getrandbits(128)).hex)
    for name in INT_FIELDS:
        put(name, _int(rng), 0.5)
    for name in DOUBLE_FIELDS:
        put(name, _double(rng), 0.9 if name.startswith("geo_") else 0.2)
    for name in BOOL_FIELDS:
        put(name, rng.choice("01"), 0.7)
    if event == "struct":
        put("se_category", rng.choice(TEXTS))
        put("se_action", "click")
        put("se_value", "12.5", 0.5)
    put("contexts", _contexts(rng, CONTEXTS_URI, CONTEXT_SCHEMAS, 5), 0.9)
    put("derived_contexts", _contexts(rng, DERIVED_CONTEXTS_URI, DERIVED_SCHEMAS, 3), 0.8)
    if event == "unstruct":
        put("unstruct_event", _unstruct(rng))
    return values


def valid_lines(count: int, seed: int = 0) -> Iterator[str]:
    """``count`` valid enriched-event lines, without line terminators, the same for the same seed."""
    rng = random.Random(seed)
    for _ in range(count):
        yield "\t".join(valid_fields(rng))


@dataclass(frozen=True)
class BadLine:
    """A line that must be rejected, with the field the rejection must name (None: the whole line)."""

    line: str
    field: str | None
    why: str


def _with(rng: random.Random, **changes: str) -> str:
    values = valid_fields(rng)
    for name, value in changes.items():
        values[INDEX[name]] = value
    return "\t".join(values)


BAD_IGLU_URIS = (
    "iglu:com.acme/a/jsonschema/0-0-0",
    "com.acme/a/jsonschema/1-0-0",
    "iglu:com.acme/a/jsonschema/1-0",
    "iglu:com acme/a/jsonschema/1-0-0",
    "iglu:com.acme/a/jsonschema/1-0-0\n",
    "iglu:com.acme/a/jsonschema/1-01-0",
)


def bad_lines(seed: int = 1) -> Iterator[BadLine]:
    """Every kind of invalid line we promise to reject, several times over with different neighbours."""
    rng = random.Random(seed)
    good_context = {"schema": "iglu:com.acme/a/jsonschema/1-0-0", "data": {}}
    for _ in range(3):
        yield BadLine("\t".join(valid_fields(rng)[:100]), None, "too few fields")
        yield BadLine("\t".join(valid_fields(rng) + ["x"]), None, "too many fields")
        yield BadLine("", None, "empty line")
        yield BadLine(_with(rng, txn_id="12a"), "txn_id", "not an integer")
        yield BadLine(_with(rng, page_urlport=" 80"), "page_urlport", "integer with a space")
        yield BadLine(_with(rng, doc_width="1_000"), "doc_width", "integer with an underscore")
        yield BadLine(_with(rng, ti_quantity=str(2**63)), "ti_quantity", "integer beyond 64 bits")
        yield BadLine(_with(rng, geo_latitude="north"), "geo_latitude", "not a number")
        yield BadLine(_with(rng, tr_total="NaN"), "tr_total", "NaN")
        yield BadLine(_with(rng, tr_tax="1e999"), "tr_tax", "infinite double")
        yield BadLine(_with(rng, br_cookies="true"), "br_cookies", "bool not 0/1")
        yield BadLine(_with(rng, dvce_ismobile="2"), "dvce_ismobile", "bool not 0/1")
        yield BadLine(_with(rng, collector_tstamp="garbage"), "collector_tstamp", "not a timestamp")
        yield BadLine(_with(rng, etl_tstamp="2024-02-30 10:00:00"), "etl_tstamp", "no such day")
        yield BadLine(_with(rng, derived_tstamp="2024-01-01T10:00:00Z"), "derived_tstamp", "ISO, not TSV")
        yield BadLine(_with(rng, true_tstamp="2024-01-01 24:00:00"), "true_tstamp", "hour 24")
        yield BadLine(_with(rng, contexts='{"schema": "x", "data": ['), "contexts", "broken JSON")
        yield BadLine(_with(rng, unstruct_event="not json"), "unstruct_event", "broken JSON")
        yield BadLine(_with(rng, derived_contexts="[1, 2]"), "derived_contexts", "not an object")
        uri = rng.choice(BAD_IGLU_URIS)
        contexts = json.dumps({"schema": CONTEXTS_URI, "data": [{**good_context, "schema": uri}]})
        yield BadLine(_with(rng, contexts=contexts), "contexts", f"bad Iglu URI {uri!r}")
        yield BadLine(
            _with(rng, contexts=json.dumps({"data": [good_context]})), "contexts", "envelope without schema"
        )
        yield BadLine(
            _with(rng, contexts=json.dumps({"schema": CONTEXTS_URI, "data": ""})),
            "contexts",
            "data not a list",
        )
        yield BadLine(
            _with(
                rng,
                contexts=json.dumps({"schema": CONTEXTS_URI, "data": [{"schema": good_context["schema"]}]}),
            ),
            "contexts",
            "context without data",
        )
        yield BadLine(
            _with(
                rng,
                unstruct_event=json.dumps({"schema": UNSTRUCT_URI, "data": {"schema": "iglu:x/y/z/1-0-0"}}),
            ),
            "unstruct_event",
            "unstruct without inner data",
        )
        yield BadLine(
            _with(rng, unstruct_event=json.dumps({"schema": "iglu:bad", "data": good_context})),
            "unstruct_event",
            "bad envelope schema",
        )
        yield BadLine(
            _with(
                rng,
                unstruct_event='{"schema": "%s", "data": {"schema": "iglu:a/b/c/1-0-0", "data": NaN}}'
                % UNSTRUCT_URI,
            ),
            "unstruct_event",
            "NaN is not JSON",
        )
        long_title = "x" * 2_000_000
        yield BadLine(_with(rng, page_title=long_title, txn_id="-"), "txn_id", "very long line")
