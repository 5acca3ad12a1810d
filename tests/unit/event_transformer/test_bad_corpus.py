"""Bad lines among good ones: each rejected with its reason, none lost, good + bad == lines."""

from __future__ import annotations

import io
import json

from airflow_provider_snowplow.event_transformer import transform, transform_stream
from airflow_provider_snowplow.testing.events import BadLine, bad_lines, valid_lines


def test_bad_lines_are_reported_and_good_lines_kept() -> None:
    good = list(valid_lines(300, seed=21))
    bad = list(bad_lines(seed=22))
    # interleave: good, bad, good, bad... with assorted terminators, and raw bytes that are not UTF-8
    raw: list[bytes] = []
    expected: list[tuple[str, object]] = []  # ("good", event) or ("bad", field)
    for index, line in enumerate(good):
        raw.append(line.encode() + (b"\r\n" if index % 3 == 0 else b"\n"))
        expected.append(("good", transform(line)))
        if index < len(bad):
            raw.append(bad[index].line.encode() + b"\n")
            expected.append(("bad", bad[index]))
        if index % 50 == 0:
            raw.append(b"\xff\xfeis not utf-8\t" + line.encode()[:40] + b"\xc3\n")
            expected.append(("bad", None))
    source = b"".join(raw)[:-1]  # the last line has no terminator
    good_out, bad_out = io.BytesIO(), io.BytesIO()

    stats = transform_stream(io.BytesIO(source), good_out, bad_out)

    events = [json.loads(line) for line in good_out.getvalue().splitlines()]
    rows = [json.loads(line) for line in bad_out.getvalue().splitlines()]
    assert stats.lines == len(raw) == stats.good + stats.bad
    assert (stats.good, stats.bad) == (len(events), len(rows)) == (len(good), len(raw) - len(good))
    assert events == [json.loads(json.dumps(event)) for kind, event in expected if kind == "good"]
    bad_expected = [item for kind, item in expected if kind == "bad"]
    for row, bad_line in zip(rows, bad_expected, strict=True):
        assert row["errors"], row
        if bad_line is None:
            assert row["errors"][0]["reason"].startswith("not valid UTF-8")
            assert "line_base64" in row
        else:
            assert isinstance(bad_line, BadLine)
            assert row["line"] == bad_line.line, bad_line.why
            assert bad_line.field in [error["field"] for error in row["errors"]], bad_line.why
            assert all(error["reason"] for error in row["errors"])


def test_line_numbers_point_at_the_input_lines() -> None:
    lines = [*valid_lines(3, seed=23), "bad", *valid_lines(2, seed=24), "also\tbad"]
    bad_out = io.BytesIO()
    transform_stream(io.BytesIO("\n".join(lines).encode()), io.BytesIO(), bad_out)
    rows = [json.loads(line) for line in bad_out.getvalue().splitlines()]
    assert [(row["line_number"], row["line"]) for row in rows] == [(4, "bad"), (7, "also\tbad")]


def test_a_very_long_bad_value_is_clipped_in_the_error_but_kept_in_the_line() -> None:
    line = next(valid_lines(1, seed=25)).split("\t")
    line[7] = "9" * 100_000  # txn_id, far beyond 64 bits
    bad_out = io.BytesIO()
    stats = transform_stream(io.BytesIO("\t".join(line).encode()), io.BytesIO(), bad_out)
    row = json.loads(bad_out.getvalue())
    assert stats.bad == 1
    assert row["line"] == "\t".join(line)
    assert row["errors"][0]["field"] == "txn_id"
    assert len(row["errors"][0]["value"]) < 1100
