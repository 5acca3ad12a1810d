"""Deterministic Snowplow enriched-event TSV lines, for our tests and benchmarks and for yours.

The lines look like what Snowplow Enrich writes to the archive: page views, page pings, structured
events, self-describing (unstruct) events and transactions, with contexts, derived contexts, unicode
and many empty fields. :func:`valid_lines` yields only lines that the reference SDK
(snowplow-analytics-sdk 0.2.3) and our transformer must turn into the same dict: no key collision
between ``contexts`` and ``derived_contexts``, no JSON integers beyond 64 bits, no line terminator.
:func:`bad_lines` yields lines that must be rejected, each with the field it is wrong in.
"""

from __future__ import annotations

import datetime
import json
import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TypedDict

from airflow_provider_snowplow.event_transformer import fields, parsers

FIELD_NAMES = fields.FIELD_NAMES
INDEX = fields.FIELD_INDEX


def _names(parser: object) -> tuple[str, ...]:
    return tuple(field.name for field in fields.FIELDS if field.parse is parser)


INT_FIELDS = _names(parsers.parse_int)
DOUBLE_FIELDS = _names(parsers.parse_double)
BOOL_FIELDS = _names(parsers.parse_bool)
TSTAMP_FIELDS = _names(parsers.parse_timestamp)

CONTEXTS_URI = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0"
DERIVED_CONTEXTS_URI = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1"
UNSTRUCT_URI = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0"

TEXTS = (
    "Home",
    "Checkout \u2013 step 2",
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
CONTEXT_SCHEMAS = (  # the first three: what the JavaScript tracker usually sends
    "iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0",
    "iglu:org.w3/PerformanceTiming/jsonschema/1-0-0",
    "iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-1",
    "iglu:com.google.analytics/cookies/jsonschema/1-0-0",
    "iglu:com.acme/product/jsonschema/1-0-0",
    "iglu:com.acme/product/jsonschema/1-1-0",
    "iglu:com.acme/product/jsonschema/2-0-0",
    "iglu:com.Acme-Corp_eu/ABTest-variant2D/jsonschema/10-2-13",
)
DERIVED_SCHEMAS = (  # the first three: what a usual Enrich configuration adds
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
    """A timestamp as Enrich writes it; any day of the month, now and then a leap day."""
    fraction = rng.choice(("", ".123", ".000", ".5", ".123456", ".999"))
    if rng.random() < 0.01:
        day = datetime.date(rng.choice((2016, 2020, 2024)), 2, 29)
    else:
        day = datetime.date(rng.randint(2013, 2031), 1, 1) + datetime.timedelta(days=rng.randrange(365))
    return f"{day.isoformat()} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}{fraction}"


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


_NAVIGATION_TIMING = [
    "navigationStart",
    "unloadEventStart",
    "unloadEventEnd",
    "redirectStart",
    "redirectEnd",
    "fetchStart",
    "domainLookupStart",
    "domainLookupEnd",
    "connectStart",
    "connectEnd",
    "secureConnectionStart",
    "requestStart",
    "responseStart",
    "responseEnd",
    "domLoading",
    "domInteractive",
    "domContentLoadedEventStart",
    "domContentLoadedEventEnd",
    "domComplete",
    "loadEventStart",
    "loadEventEnd",
]
_YAUAA_FIELDS = [
    "deviceClass",
    "deviceName",
    "deviceBrand",
    "deviceCpu",
    "deviceCpuBits",
    "operatingSystemClass",
    "operatingSystemName",
    "operatingSystemVersion",
    "operatingSystemVersionMajor",
    "operatingSystemNameVersion",
    "layoutEngineClass",
    "layoutEngineName",
    "layoutEngineVersion",
    "layoutEngineVersionMajor",
    "layoutEngineNameVersion",
    "agentClass",
    "agentName",
    "agentVersion",
    "agentVersionMajor",
    "agentNameVersion",
    "agentNameVersionMajor",
    "webviewAppName",
]


def _payload(rng: random.Random, schema: str) -> object:
    """The data of a context or event: the real shape for well-known schemas, random otherwise."""
    name = schema.split("/")[1]
    if name == "web_page":
        return {"id": _uuid(rng)}
    if name == "PerformanceTiming":
        start = rng.randint(1_500_000_000_000, 1_800_000_000_000)
        return {key: start + i * rng.randint(0, 90) for i, key in enumerate(_NAVIGATION_TIMING)}
    if name == "client_session":
        return {
            "userId": _uuid(rng),
            "sessionId": _uuid(rng),
            "sessionIndex": rng.randint(1, 500),
            "previousSessionId": rng.choice((None, _uuid(rng))),
            "storageMechanism": "COOKIE_1",
            "firstEventId": _uuid(rng),
            "firstEventTimestamp": "2024-03-05T12:34:56.789Z",
            "eventIndex": rng.randint(1, 90),
        }
    if name == "ua_parser_context":
        return {
            "useragentFamily": "Chrome",
            "useragentMajor": "122",
            "useragentMinor": "0",
            "useragentPatch": str(rng.randint(0, 9999)),
            "useragentVersion": "Chrome 122.0.6261",
            "osFamily": rng.choice(("Windows", "Mac OS X", "Linux", "Android")),
            "osMajor": "10",
            "osMinor": None,
            "osPatch": None,
            "osPatchMinor": None,
            "osVersion": "Windows 10",
            "deviceFamily": "Other",
        }
    if name == "yauaa_context":
        return {
            key: rng.choice(("Desktop", "Linux Desktop", "Unknown", "122.0", "Chrome 122", "??"))
            for key in _YAUAA_FIELDS
        }
    if name == "spiders_and_robots":
        return {
            "spiderOrRobot": False,
            "category": "BROWSER",
            "reason": "PASSED_ALL",
            "primaryImpact": "NONE",
        }
    if rng.random() < 0.05:
        return _json_value(rng)  # the data of a self-describing JSON need not be an object
    return {f"field_{i}": _json_value(rng) for i in range(rng.randint(1, 6))}


def _dumps(rng: random.Random, value: object) -> str:
    compact = rng.random() < 0.8
    return json.dumps(
        value, ensure_ascii=rng.random() < 0.3, separators=(",", ":") if compact else (", ", ": ")
    )


def _contexts(rng: random.Random, envelope: str, usual: tuple[str, ...], others: tuple[str, ...]) -> str:
    """A contexts array: the usual contexts (each most of the time), then a few others."""
    schemas = [schema for schema in usual if rng.random() < 0.8]
    schemas += [rng.choice(others) for _ in range(rng.choice((0, 0, 1, 2, 3)))]
    data = [{"schema": schema, "data": _payload(rng, schema)} for schema in schemas]
    document = (
        {"schema": envelope, "data": data} if rng.random() < 0.5 else {"data": data, "schema": envelope}
    )
    return _dumps(rng, document)


def _unstruct(rng: random.Random) -> str:
    schema = rng.choice(UNSTRUCT_SCHEMAS)
    return _dumps(rng, {"schema": UNSTRUCT_URI, "data": {"schema": schema, "data": _payload(rng, schema)}})


def _int(rng: random.Random) -> str:
    if rng.random() < 0.005:
        return str(rng.choice((-(2**63), 2**63 - 1, rng.randint(-(2**63), 2**63 - 1))))
    return str(rng.choice((0, 1, -1, rng.randint(0, 5000), rng.randint(-(2**31), 2**31 - 1))))


def _double(rng: random.Random) -> str:
    """Mostly what Enrich writes (``37.774929``, ``12.99``); now and then exponent notation."""
    if rng.random() < 0.01:
        return rng.choice(("1.0E-4", "2.5e+10", "-0.0", "0", "12", repr(rng.uniform(-1e300, 1e300))))
    if rng.random() < 0.5:
        return f"{rng.uniform(-90, 90):.6f}"
    return f"{rng.randint(0, 99999)}.{rng.randint(0, 99)}"


# Plain string fields: (name, the values to choose from, how often the field is set).
STRING_FIELDS: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("app_id", ("shop", "blog", "ünï-app"), 1.0),
    ("platform", ("web", "mob", "srv"), 1.0),
    ("name_tracker", ("cf",), 1.0),
    ("v_tracker", ("js-2.17.2", "py-0.8.0"), 1.0),
    ("v_collector", ("ssc-2.3.0-kinesis",), 1.0),
    ("v_etl", ("spark-1.16.0-common-0.35.0",), 1.0),
    ("user_id", TEXTS, 0.3),
    ("user_ipaddress", ("10.1.2.x", "2001:db8::x"), 1.0),
    ("geo_country", ("DE", "US", "JP"), 0.8),
    ("geo_city", ("München", "New York", "東京"), 0.8),
    ("geo_region_name", TEXTS, 0.3),
    ("page_url", ("https://shop.example.com/p/ü?x=1&y=%20#top",), 1.0),
    ("page_title", TEXTS, 1.0),
    ("page_urlscheme", ("https",), 1.0),
    ("page_urlhost", ("shop.example.com",), 1.0),
    ("page_urlpath", ("/p/ü",), 1.0),
    ("page_urlquery", ("x=1&y=%20",), 0.5),
    ("refr_medium", ("search", "internal", "unknown"), 0.5),
    ("useragent", ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)",), 1.0),
    ("br_lang", ("de-DE", "ja"), 1.0),
    ("br_colordepth", ("24",), 1.0),
    ("os_timezone", ("Europe/Berlin",), 1.0),
    ("doc_charset", ("UTF-8",), 1.0),
    ("etl_tags", ("[]",), 0.2),
    ("event_vendor", ("com.snowplowanalytics.snowplow",), 1.0),
    ("event_format", ("jsonschema",), 1.0),
    ("event_version", ("1-0-0",), 1.0),
    ("se_action", ("click",), 0.1),
    ("se_value", ("12.5", "x"), 0.1),
)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128)))


def valid_fields(rng: random.Random) -> list[str]:
    """One valid enriched event as its 131 field values (no line terminator)."""
    event = rng.choice(("page_view", "page_ping", "struct", "unstruct", "transaction", "transaction_item"))
    sparse = rng.random() < 0.15  # a few events with almost nothing in them
    values = [""] * len(FIELD_NAMES)

    def put(name: str, value: str, probability: float = 1.0) -> None:
        if rng.random() < probability and not (sparse and rng.random() < 0.7):
            values[INDEX[name]] = value

    for name, choices, probability in STRING_FIELDS:
        put(name, rng.choice(choices), probability)
    for name in ("event_id", "network_userid", "domain_sessionid", "domain_userid", "event_fingerprint"):
        put(name, _uuid(rng))
    put("event", event)
    put("event_name", event)
    for name in TSTAMP_FIELDS:
        put(name, _tstamp(rng), 0.85)
    for name in INT_FIELDS:
        put(name, _int(rng), 0.5)
    for name in DOUBLE_FIELDS:
        put(name, _double(rng), 0.9 if name.startswith("geo_") else 0.2)
    for name in BOOL_FIELDS:
        put(name, rng.choice("01"), 0.7)
    put("contexts", _contexts(rng, CONTEXTS_URI, CONTEXT_SCHEMAS[:3], CONTEXT_SCHEMAS[3:]), 0.95)
    put(
        "derived_contexts",
        _contexts(rng, DERIVED_CONTEXTS_URI, DERIVED_SCHEMAS[:3], DERIVED_SCHEMAS[3:]),
        0.9,
    )
    if event == "unstruct":
        put("unstruct_event", _unstruct(rng))
    return values


def valid_lines(count: int, seed: int = 0) -> Iterator[str]:
    """``count`` valid enriched-event lines, without line terminators, the same for the same seed."""
    rng = random.Random(seed)
    for _ in range(count):
        yield "\t".join(valid_fields(rng))


def scala_valid_lines(count: int, seed: int = 0) -> Iterator[str]:
    """Valid lines that Snowplow's Scala Analytics SDK also parses, as Enrich writes them.

    The Scala SDK's types are narrower than the enriched format: ``collector_tstamp``,
    ``event_id``, ``v_collector`` and ``v_etl`` are always set, integers fit in 32 bits and
    ``se_value`` is a number. Each line is a :func:`valid_lines` line brought within those types.
    """
    rng = random.Random(seed)
    for _ in range(count):
        values = valid_fields(rng)
        required = {
            "collector_tstamp": _tstamp(rng),
            "event_id": _uuid(rng),
            "v_collector": "ssc-2.3.0-kinesis",
            "v_etl": "spark-1.16.0-common-0.35.0",
        }
        for name, value in required.items():
            values[INDEX[name]] = values[INDEX[name]] or value
        for name in INT_FIELDS:
            if values[INDEX[name]] and not -(2**31) <= int(values[INDEX[name]]) < 2**31:
                values[INDEX[name]] = str(rng.randint(-(2**31), 2**31 - 1))
        if values[INDEX["se_value"]] == "x":
            values[INDEX["se_value"]] = "12.5"
        yield "\t".join(values)


def realistic_lines(count: int, archived_at: datetime.datetime, seed: int = 0) -> Iterator[str]:
    """``count`` valid lines as one batch run archived at ``archived_at`` (naive UTC) would hold.

    :func:`valid_lines` spreads timestamps over years and doubles over any range, which is what
    a parser test wants; an example a person reads wants events collected in the hour before
    their run folder's time, a device clock a few seconds earlier, enrichment just before the
    archive, and a latitude and longitude on Earth.
    """
    rng = random.Random(seed)
    etl = archived_at - datetime.timedelta(minutes=5)
    for _ in range(count):
        values = valid_fields(rng)
        collected = archived_at - datetime.timedelta(seconds=rng.uniform(600, 3600))
        created = collected - datetime.timedelta(seconds=rng.uniform(0.2, 5))
        sent = created + datetime.timedelta(seconds=rng.uniform(0, 0.2))
        moments = {
            "collector_tstamp": collected,
            "etl_tstamp": etl,
            "dvce_created_tstamp": created,
            "dvce_sent_tstamp": sent,
            "refr_device_tstamp": created,
            "derived_tstamp": collected - (sent - created),
            "true_tstamp": created,
        }
        for name, moment in moments.items():
            if values[INDEX[name]]:
                values[INDEX[name]] = moment.isoformat(sep=" ", timespec="milliseconds")
        for name, limit in (("geo_latitude", 90), ("geo_longitude", 180)):
            if values[INDEX[name]]:
                values[INDEX[name]] = f"{rng.uniform(-limit, limit):.6f}"
        yield "\t".join(values)


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


_GOOD_CONTEXT = {"schema": "iglu:com.acme/a/jsonschema/1-0-0", "data": {}}

# One field made invalid: (field, value, what is wrong), before and after the bad Iglu URI.
_BAD_FIELDS = (
    ("txn_id", "12a", "not an integer"),
    ("page_urlport", " 80", "integer with a space"),
    ("doc_width", "1_000", "integer with an underscore"),
    ("ti_quantity", str(2**63), "integer beyond 64 bits"),
    ("geo_latitude", "north", "not a number"),
    ("tr_total", "NaN", "NaN"),
    ("tr_tax", "1e999", "infinite double"),
    ("br_cookies", "true", "bool not 0/1"),
    ("dvce_ismobile", "2", "bool not 0/1"),
    ("collector_tstamp", "garbage", "not a timestamp"),
    ("etl_tstamp", "2024-02-30 10:00:00", "no such day"),
    ("derived_tstamp", "2024-01-01T10:00:00Z", "ISO, not TSV"),
    ("true_tstamp", "2024-01-01 24:00:00", "hour 24"),
    ("contexts", '{"schema": "x", "data": [', "broken JSON"),
    ("unstruct_event", "not json", "broken JSON"),
    ("derived_contexts", "[1, 2]", "not an object"),
)
_BAD_ENVELOPES = (
    ("contexts", json.dumps({"data": [_GOOD_CONTEXT]}), "envelope without schema"),
    ("contexts", json.dumps({"schema": CONTEXTS_URI, "data": ""}), "data not a list"),
    (
        "contexts",
        json.dumps({"schema": CONTEXTS_URI, "data": [{"schema": _GOOD_CONTEXT["schema"]}]}),
        "context without data",
    ),
    (
        "unstruct_event",
        json.dumps({"schema": UNSTRUCT_URI, "data": {"schema": "iglu:x/y/z/1-0-0"}}),
        "unstruct without inner data",
    ),
    ("unstruct_event", json.dumps({"schema": "iglu:bad", "data": _GOOD_CONTEXT}), "bad envelope schema"),
    (
        "unstruct_event",
        f'{{"schema": "{UNSTRUCT_URI}", "data": {{"schema": "iglu:a/b/c/1-0-0", "data": NaN}}}}',
        "NaN is not JSON",
    ),
)


def bad_lines(seed: int = 1) -> Iterator[BadLine]:
    """Every kind of invalid line we promise to reject, several times over with different neighbours."""
    rng = random.Random(seed)
    for _ in range(3):
        yield BadLine("\t".join(valid_fields(rng)[:100]), None, "too few fields")
        yield BadLine("\t".join([*valid_fields(rng), "x"]), None, "too many fields")
        yield BadLine("", None, "empty line")
        for name, value, reason in _BAD_FIELDS:
            yield BadLine(_with(rng, **{name: value}), name, reason)
        uri = rng.choice(BAD_IGLU_URIS)
        contexts = json.dumps({"schema": CONTEXTS_URI, "data": [{**_GOOD_CONTEXT, "schema": uri}]})
        yield BadLine(_with(rng, contexts=contexts), "contexts", f"bad Iglu URI {uri!r}")
        for name, value, reason in _BAD_ENVELOPES:
            yield BadLine(_with(rng, **{name: value}), name, reason)
        long_title = "x" * 2_000_000
        yield BadLine(_with(rng, page_title=long_title, txn_id="-"), "txn_id", "very long line")


def write_lines(path: Path, lines: Iterable[str], terminator: str = "\n") -> Path:
    """Write lines as UTF-8 with the given terminator; returns the path."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.writelines(line + terminator for line in lines)
    return path


# ``enriched-events.tsv``: one run's worth of realistic_lines, archived at this time.
class SampleEvents(TypedDict):
    """The arguments of :func:`realistic_lines` that made ``enriched-events.tsv``."""

    count: int
    archived_at: datetime.datetime
    seed: int


SAMPLE_EVENTS: SampleEvents = {"count": 60, "archived_at": datetime.datetime(2026, 11, 20, 10), "seed": 0}


def sample_lines(name: str) -> list[bytes]:
    r"""The lines of one of the package's sample files (``enriched-events.tsv``, ``bad-enriched-events.tsv``).

    ``enriched-events.tsv`` is ``realistic_lines(**SAMPLE_EVENTS)``.

    Only ``\n`` ends a line (fields may hold a ``\r``).
    """
    text = resources.files("airflow_provider_snowplow.testing.sample_data").joinpath(name).read_bytes()
    return [line + b"\n" for line in text.split(b"\n") if line]
