"""The enriched-event TSV format: 131 tab-separated fields, in this order, each with its parser.

This table is the transformer: :func:`~airflow_provider_snowplow.event_transformer.transform` walks
it once per line. The order and the types are those of Snowplow's enriched event (and of the
reference Python Analytics SDK 0.2.3); ``shredded`` fields hold self-describing JSON and turn
into one key per schema instead of a key of their own. Every loop over a table (the default shape,
the Scala SDK's shape in :mod:`.scala`, a table an SDK user passes) splits a line with
:func:`split_line` and parses each value with :func:`parse_into`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from airflow_provider_snowplow.event_transformer.errors import (
    FieldError,
    InvalidValue,
    SnowplowEventTransformationException,
    line_error,
)
from airflow_provider_snowplow.event_transformer.parsers import (
    parse_bool,
    parse_double,
    parse_int,
    parse_string,
    parse_timestamp,
)
from airflow_provider_snowplow.event_transformer.shredding import (
    merge_shredded,
    shred_contexts,
    shred_unstruct,
)


class Field(NamedTuple):
    """One column of the TSV.

    Attributes:
        name: the key in the output (for a plain field).
        parse: value (never empty) to output value; raises ``InvalidValue``.
        shredded: ``parse`` returns a dict of shredded keys to merge into the event.
    """

    name: str
    parse: Callable[[str], Any]
    shredded: bool = False


FIELDS: tuple[Field, ...] = (
    Field("app_id", parse_string),
    Field("platform", parse_string),
    Field("etl_tstamp", parse_timestamp),
    Field("collector_tstamp", parse_timestamp),
    Field("dvce_created_tstamp", parse_timestamp),
    Field("event", parse_string),
    Field("event_id", parse_string),
    Field("txn_id", parse_int),
    Field("name_tracker", parse_string),
    Field("v_tracker", parse_string),
    Field("v_collector", parse_string),
    Field("v_etl", parse_string),
    Field("user_id", parse_string),
    Field("user_ipaddress", parse_string),
    Field("user_fingerprint", parse_string),
    Field("domain_userid", parse_string),
    Field("domain_sessionidx", parse_int),
    Field("network_userid", parse_string),
    Field("geo_country", parse_string),
    Field("geo_region", parse_string),
    Field("geo_city", parse_string),
    Field("geo_zipcode", parse_string),
    Field("geo_latitude", parse_double),
    Field("geo_longitude", parse_double),
    Field("geo_region_name", parse_string),
    Field("ip_isp", parse_string),
    Field("ip_organization", parse_string),
    Field("ip_domain", parse_string),
    Field("ip_netspeed", parse_string),
    Field("page_url", parse_string),
    Field("page_title", parse_string),
    Field("page_referrer", parse_string),
    Field("page_urlscheme", parse_string),
    Field("page_urlhost", parse_string),
    Field("page_urlport", parse_int),
    Field("page_urlpath", parse_string),
    Field("page_urlquery", parse_string),
    Field("page_urlfragment", parse_string),
    Field("refr_urlscheme", parse_string),
    Field("refr_urlhost", parse_string),
    Field("refr_urlport", parse_int),
    Field("refr_urlpath", parse_string),
    Field("refr_urlquery", parse_string),
    Field("refr_urlfragment", parse_string),
    Field("refr_medium", parse_string),
    Field("refr_source", parse_string),
    Field("refr_term", parse_string),
    Field("mkt_medium", parse_string),
    Field("mkt_source", parse_string),
    Field("mkt_term", parse_string),
    Field("mkt_content", parse_string),
    Field("mkt_campaign", parse_string),
    Field("contexts", shred_contexts, shredded=True),
    Field("se_category", parse_string),
    Field("se_action", parse_string),
    Field("se_label", parse_string),
    Field("se_property", parse_string),
    Field("se_value", parse_string),
    Field("unstruct_event", shred_unstruct, shredded=True),
    Field("tr_orderid", parse_string),
    Field("tr_affiliation", parse_string),
    Field("tr_total", parse_double),
    Field("tr_tax", parse_double),
    Field("tr_shipping", parse_double),
    Field("tr_city", parse_string),
    Field("tr_state", parse_string),
    Field("tr_country", parse_string),
    Field("ti_orderid", parse_string),
    Field("ti_sku", parse_string),
    Field("ti_name", parse_string),
    Field("ti_category", parse_string),
    Field("ti_price", parse_double),
    Field("ti_quantity", parse_int),
    Field("pp_xoffset_min", parse_int),
    Field("pp_xoffset_max", parse_int),
    Field("pp_yoffset_min", parse_int),
    Field("pp_yoffset_max", parse_int),
    Field("useragent", parse_string),
    Field("br_name", parse_string),
    Field("br_family", parse_string),
    Field("br_version", parse_string),
    Field("br_type", parse_string),
    Field("br_renderengine", parse_string),
    Field("br_lang", parse_string),
    Field("br_features_pdf", parse_bool),
    Field("br_features_flash", parse_bool),
    Field("br_features_java", parse_bool),
    Field("br_features_director", parse_bool),
    Field("br_features_quicktime", parse_bool),
    Field("br_features_realplayer", parse_bool),
    Field("br_features_windowsmedia", parse_bool),
    Field("br_features_gears", parse_bool),
    Field("br_features_silverlight", parse_bool),
    Field("br_cookies", parse_bool),
    Field("br_colordepth", parse_string),
    Field("br_viewwidth", parse_int),
    Field("br_viewheight", parse_int),
    Field("os_name", parse_string),
    Field("os_family", parse_string),
    Field("os_manufacturer", parse_string),
    Field("os_timezone", parse_string),
    Field("dvce_type", parse_string),
    Field("dvce_ismobile", parse_bool),
    Field("dvce_screenwidth", parse_int),
    Field("dvce_screenheight", parse_int),
    Field("doc_charset", parse_string),
    Field("doc_width", parse_int),
    Field("doc_height", parse_int),
    Field("tr_currency", parse_string),
    Field("tr_total_base", parse_double),
    Field("tr_tax_base", parse_double),
    Field("tr_shipping_base", parse_double),
    Field("ti_currency", parse_string),
    Field("ti_price_base", parse_double),
    Field("base_currency", parse_string),
    Field("geo_timezone", parse_string),
    Field("mkt_clickid", parse_string),
    Field("mkt_network", parse_string),
    Field("etl_tags", parse_string),
    Field("dvce_sent_tstamp", parse_timestamp),
    Field("refr_domain_userid", parse_string),
    Field("refr_device_tstamp", parse_timestamp),
    Field("derived_contexts", shred_contexts, shredded=True),
    Field("domain_sessionid", parse_string),
    Field("derived_tstamp", parse_timestamp),
    Field("event_vendor", parse_string),
    Field("event_name", parse_string),
    Field("event_format", parse_string),
    Field("event_version", parse_string),
    Field("event_fingerprint", parse_string),
    Field("true_tstamp", parse_timestamp),
)

FIELD_NAMES: tuple[str, ...] = tuple(field.name for field in FIELDS)
FIELD_INDEX: dict[str, int] = {name: index for index, name in enumerate(FIELD_NAMES)}
FIELD_COUNT = len(FIELDS)
LATITUDE_INDEX = FIELD_INDEX["geo_latitude"]
LONGITUDE_INDEX = FIELD_INDEX["geo_longitude"]
TRUE_TSTAMP_INDEX = FIELD_INDEX["true_tstamp"]
LINE_TERMINATORS = ("\n", "\r")


def split_line(line: str) -> list[str]:
    r"""The field values of a line, after dropping one line terminator (``\n``, ``\r\n`` or ``\r``).

    Raises:
        SnowplowEventTransformationException: the line does not have exactly 131 fields.
    """
    if line[-1:] in LINE_TERMINATORS:
        line = line[:-2] if line.endswith("\r\n") else line[:-1]
    return check_field_count(line.split("\t"))


def check_field_count(values: list[str], expected: int = FIELD_COUNT) -> list[str]:
    """``values`` if there are as many as the format (or a table of ``expected`` fields) has.

    Raises:
        SnowplowEventTransformationException: ``Expected 131 fields, received N fields``.
    """
    if len(values) != expected:
        raise SnowplowEventTransformationException(
            [line_error(f"Expected {expected} fields, received {len(values)} fields")]
        )
    return values


def parse_into(event: dict[str, Any], errors: list[FieldError], field: Field, value: str) -> None:
    """Parse one non-empty value into ``event``, or add its problems to ``errors``.

    A shredded field (contexts, unstruct event) goes in as its shredded keys.
    """
    try:
        parsed = field.parse(value)
    except InvalidValue as problem:
        errors.extend(problem.field_errors(field.name, value))
        return
    if field.shredded:
        merge_shredded(event, parsed)
    else:
        event[field.name] = parsed
