"""Streaming: lazy, one result per line, bad rows that keep the line recoverable."""

from __future__ import annotations

import base64
import io
import itertools
import json
from collections.abc import Iterator

import orjson
import pytest

from airflow_provider_snowplow.event_transformer import (
    BadRow,
    GoodEvent,
    stream,
    transform,
    transform_lines,
    transform_stream,
)
from airflow_provider_snowplow.testing.events import INDEX, scala_valid_lines, valid_lines

LINES = list(valid_lines(20, seed=41))


def test_lines_may_be_bytes_or_text_with_or_without_terminators() -> None:
    inputs: list[bytes | str] = [LINES[0], LINES[1] + "\n", LINES[2].encode(), LINES[3].encode() + b"\r\n"]
    results = list(transform_lines(inputs, source="s"))
    assert all(type(result) is GoodEvent for result in results)
    assert [result.line_number for result in results] == [1, 2, 3, 4]
    assert [result.event for result in results] == [transform(line) for line in LINES[:4]]  # type: ignore[union-attr]


def test_results_are_produced_lazily_so_memory_stays_flat() -> None:
    def endless() -> Iterator[bytes]:
        while True:
            yield from (line.encode() for line in LINES)

    first = list(itertools.islice(transform_lines(endless()), 50))
    assert len(first) == 50


def test_a_line_that_is_not_utf8_is_a_bad_row_with_the_raw_bytes() -> None:
    raw = LINES[0].encode()[:30] + b"\xe9t\xe9\t" + LINES[0].encode()[30:]
    [row] = transform_lines([raw + b"\r\n"], source="part-0")
    assert isinstance(row, BadRow)
    assert base64.b64decode(row.line_base64 or "") == raw
    assert "\\xe9t\\xe9" in row.line
    record = json.loads(row.to_json())
    assert record["source"] == "part-0"
    assert record["line_number"] == 1
    assert record["errors"] == [
        {"field": None, "value": None, "reason": "not valid UTF-8: invalid continuation byte at byte 30"}
    ]


def test_a_bad_row_keeps_the_line_and_all_errors_in_json() -> None:
    fields = LINES[0].split("\t")
    fields[INDEX["txn_id"]], fields[INDEX["br_cookies"]] = "x", "y"
    line = "\t".join(fields)
    [row] = transform_lines([line + "\r\n"])
    assert isinstance(row, BadRow)
    assert row.line == line
    record = json.loads(row.to_json())
    assert set(record) == {"line_number", "line", "errors"}
    assert [(error["field"], error["value"]) for error in record["errors"]] == [
        ("txn_id", "x"),
        ("br_cookies", "y"),
    ]


def test_transform_stream_writes_json_lines_and_counts() -> None:
    source = io.BytesIO(b"".join(line.encode() + b"\n" for line in LINES[:5]) + b"oops\n")
    good, bad = io.BytesIO(), io.BytesIO()
    stats = transform_stream(source, good, bad, add_geolocation_data=False, source_name="f.tsv")
    assert (stats.lines, stats.good, stats.bad, stats.sources) == (6, 5, 1, ["f.tsv"])
    assert [json.loads(line) for line in good.getvalue().splitlines()] == [
        json.loads(json.dumps(transform(line, add_geolocation_data=False))) for line in LINES[:5]
    ]
    assert good.getvalue().endswith(b"}\n")
    assert json.loads(bad.getvalue())["source"] == "f.tsv"


def test_without_a_bad_rows_output_bad_rows_are_only_counted() -> None:
    stats = transform_stream(io.BytesIO(b"a\nb\n"), io.BytesIO(), None)
    assert (stats.lines, stats.good, stats.bad) == (2, 0, 2)


@pytest.mark.parametrize("read_size", [1, 7, 4096, 1 << 20])
def test_transform_stream_reads_blocks_yet_agrees_with_transform_lines(
    read_size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lines across block edges, CRLF split by an edge, bad bytes, blank lines, a final lone CR."""
    monkeypatch.setattr(stream, "READ_SIZE", read_size)
    raw_lines = [
        LINES[0].encode() + b"\r\n",
        LINES[1].encode() + b"\n",
        b"\n",  # a blank line is a bad row, not nothing
        b"\xff\xfe not utf-8\t" + LINES[2].encode()[:50] + b"\r\n",
        LINES[3].encode() + b"\r\r\n",  # the first CR belongs to the line: a bad true_tstamp
        LINES[4].encode() + b"\n",
        LINES[5].encode() + b"\r",  # last line: a lone CR is its terminator
    ]
    good, bad = io.BytesIO(), io.BytesIO()
    stats = transform_stream(io.BytesIO(b"".join(raw_lines)), good, bad, source_name="s")

    expected = list(transform_lines(raw_lines, source="s"))
    assert (stats.lines, stats.good, stats.bad) == (7, 4, 3)  # 2, 3 and 4 are bad
    assert good.getvalue() == b"".join(
        orjson.dumps(result.event, option=orjson.OPT_APPEND_NEWLINE)
        for result in expected
        if isinstance(result, GoodEvent)
    )
    assert bad.getvalue() == b"".join(result.to_json() for result in expected if isinstance(result, BadRow))


def test_a_line_longer_than_a_block_and_no_final_terminator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "READ_SIZE", 100)
    good = io.BytesIO()
    stats = transform_stream(io.BytesIO("\n".join(LINES).encode()), good)
    assert (stats.lines, stats.good) == (len(LINES), len(LINES))
    assert [orjson.loads(line) for line in good.getvalue().splitlines()] == [
        orjson.loads(orjson.dumps(transform(line))) for line in LINES
    ]


def test_the_scala_shape_streams_as_transform_makes_it_and_refuses_what_the_scala_sdk_refuses() -> None:
    lines = list(scala_valid_lines(6, seed=42))
    no_event_id = "\t".join(v if i != INDEX["event_id"] else "" for i, v in enumerate(lines[5].split("\t")))
    raw = b"".join(line.encode() + b"\n" for line in [*lines[:5], no_event_id])
    good, bad = io.BytesIO(), io.BytesIO()
    stats = transform_stream(io.BytesIO(raw), good, bad, shape="scala")
    events = [json.loads(line) for line in good.getvalue().splitlines()]
    scala = [json.loads(json.dumps(transform(line, shape="scala"))) for line in lines[:5]]
    assert events == scala and events != [json.loads(json.dumps(transform(line))) for line in lines[:5]]
    assert (stats.lines, stats.good, stats.bad) == (6, 5, 1)
    assert json.loads(bad.getvalue())["errors"][0]["field"] == "event_id"
    lazily = list(transform_lines(io.BytesIO(raw), shape="scala"))
    assert [r.event for r in lazily if isinstance(r, GoodEvent)] == [
        transform(line, shape="scala") for line in lines[:5]
    ]
    with pytest.raises(ValueError, match="shape must be"):
        transform_stream(io.BytesIO(b""), io.BytesIO(), None, shape="tsv")  # type: ignore[arg-type]
