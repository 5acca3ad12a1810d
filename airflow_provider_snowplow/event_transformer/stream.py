r"""Whole files: enriched TSV lines in, good events and bad rows out, one line at a time.

Every input line ends up as exactly one good event or one bad row (``lines == good + bad``), so
nothing is lost silently: a line that is not UTF-8, has the wrong number of fields or an invalid
value becomes a bad row holding the line and its errors. Memory stays flat: lines are read,
transformed and written one by one (by :func:`transform_stream`, a block of lines at a time).

Bad rows are JSON objects, one per line::

    {"line_number": 7, "line": "<the line, without its terminator>", "errors": [
        {"field": "txn_id", "value": "12a", "reason": "not an integer"}]}

plus ``"source"`` when the stream has a name, and ``"line_base64"`` (the raw bytes) when the line
is not valid UTF-8, in which case ``"line"`` shows the bad bytes as ``\xNN`` escapes.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from io import BytesIO
from typing import IO, Any, NamedTuple

import orjson

from airflow_provider_snowplow.event_transformer.errors import (
    FieldError,
    SnowplowEventTransformationException,
    line_error,
)
from airflow_provider_snowplow.event_transformer.fastpath import transform_valid
from airflow_provider_snowplow.event_transformer.fields import FIELD_COUNT
from airflow_provider_snowplow.event_transformer.shapes import Shape, check_shape
from airflow_provider_snowplow.event_transformer.transform import transform

READ_SIZE = 1 << 20  # bytes read from the source at a time; lines longer than this still work


class GoodEvent(NamedTuple):
    """A line that transformed: its 1-based number in the input and its event."""

    line_number: int
    event: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BadRow:
    r"""A line that did not transform, with everything needed to find, fix or replay it.

    Attributes:
        line_number: 1-based position of the line in its input.
        line: the line without its terminator; bytes that are not UTF-8 appear as ``\xNN``.
        errors: every problem of the line.
        line_base64: the raw line (without terminator), only when it is not valid UTF-8.
        source: the name of the input (a file path), when known.
    """

    line_number: int
    line: str
    errors: tuple[FieldError, ...]
    line_base64: str | None = None
    source: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The bad row as a plain dict; optional keys only when set."""
        row: dict[str, Any] = {}
        if self.source is not None:
            row["source"] = self.source
        row["line_number"] = self.line_number
        row["line"] = self.line
        if self.line_base64 is not None:
            row["line_base64"] = self.line_base64
        row["errors"] = [error.as_dict() for error in self.errors]
        return row

    def to_json(self) -> bytes:
        """The bad row as one JSON Lines record (UTF-8, with its newline)."""
        return orjson.dumps(self.as_dict(), option=orjson.OPT_APPEND_NEWLINE)


@dataclass
class TransformStats:
    """How many lines a stream had, and what became of them (``lines == good + bad``)."""

    lines: int = 0
    good: int = 0
    bad: int = 0
    sources: list[str] = field(default_factory=list)

    def add(self, other: TransformStats) -> None:
        """Count another stream's lines into these totals."""
        self.lines += other.lines
        self.good += other.good
        self.bad += other.bad
        self.sources.extend(other.sources)


def transform_lines(
    lines: Iterable[bytes | str],
    add_geolocation_data: bool = True,
    source: str | None = None,
    shape: Shape = "python",
) -> Iterator[GoodEvent | BadRow]:
    r"""Transform lines lazily, yielding one :class:`GoodEvent` or :class:`BadRow` per line, in order.

    Args:
        lines: lines as read from a file, binary (decoded here as UTF-8; preferred, so that a line
            that is not UTF-8 becomes a bad row instead of failing the read) or text, with or
            without their terminators. Iterating over a binary file object splits lines on
            ``\n`` only, as the TSV format requires; text files split on other characters too.
        add_geolocation_data: see :func:`~airflow_provider_snowplow.event_transformer.transform`.
        source: a name for the input, copied into bad rows.
        shape: ``"python"`` (default) or ``"scala"``: see
            :func:`~airflow_provider_snowplow.event_transformer.transform`.
    """
    check_shape(shape)
    for line_number, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            try:
                line = raw.decode()
            except UnicodeDecodeError as error:
                yield _not_utf8(line_number, raw, error, source)
                continue
        else:
            line = raw
        try:
            yield GoodEvent(line_number, transform(line, add_geolocation_data, shape))
        except SnowplowEventTransformationException as invalid:
            yield BadRow(line_number, _without_terminator(line), tuple(invalid.errors), source=source)


def transform_stream(
    source: IO[bytes],
    good_out: IO[bytes],
    bad_out: IO[bytes] | None = None,
    add_geolocation_data: bool = True,
    source_name: str | None = None,
    shape: Shape = "python",
) -> TransformStats:
    """Transform a binary stream of enriched TSV into JSON Lines of good events and of bad rows.

    The same results as :func:`transform_lines`, written out, but read and written a block of
    about a megabyte at a time: memory stays flat, and the per-line work is only the transformation
    and the JSON encoding.

    Args:
        source: a binary file object (a file, ``gzip.open(..., "rb")``, ``sys.stdin.buffer``).
        good_out: binary file object receiving one JSON object per good event, in input order.
        bad_out: binary file object receiving one JSON bad row per rejected line; None to only
            count them.
        add_geolocation_data: see :func:`~airflow_provider_snowplow.event_transformer.transform`.
        source_name: a name for the input, copied into bad rows and the stats.
        shape: ``"python"`` (default) or ``"scala"``: see
            :func:`~airflow_provider_snowplow.event_transformer.transform`.

    Returns:
        The line counts. Nothing is closed or flushed: the caller owns the files.

    Raises:
        ValueError: an unknown ``shape``.
    """
    # The fast path makes the Python SDK's shape; the Scala shape goes through transform() always.
    fast = transform_valid if check_shape(shape) == "python" else None
    stats = TransformStats(sources=[source_name] if source_name is not None else [])
    dumps, newline = orjson.dumps, orjson.OPT_APPEND_NEWLINE
    for block in _line_blocks(source):
        good: list[bytes] = []
        bad: list[BadRow] = []
        append = good.append
        # The hot loop, the same as transform_lines() but without its layers: lines are found with
        # memchr (BytesIO; bytes.split compares byte by byte) and decoded one by one (decoding the
        # block would make every line as wide as its widest character). After the split, only the
        # last value carries the line terminator; without it, the values go through
        # transform_valid(), and only the lines it leaves through transform(), which raises for a
        # bad line. Given a "\n" when it has none, a line means to transform() what it did in the input.
        for raw in BytesIO(block):
            try:
                line = raw.decode()
            except UnicodeDecodeError as error:
                bad.append(_not_utf8(stats.lines + len(good) + len(bad) + 1, raw, error, source_name))
                continue
            values = line.split("\t")
            last = values[-1]
            values[-1] = last[:-2] if last[-2:] == "\r\n" else last.removesuffix("\n")
            if fast is not None and len(values) == FIELD_COUNT:
                event = fast(values, add_geolocation_data)
                if event is not None:
                    append(dumps(event, option=newline))
                    continue
            if line[-1:] != "\n":
                line += "\n"
            try:
                append(dumps(transform(line, add_geolocation_data, shape), option=newline))
            except SnowplowEventTransformationException as invalid:
                number = stats.lines + len(good) + len(bad) + 1
                bad.append(
                    BadRow(number, _without_terminator(line), tuple(invalid.errors), source=source_name)
                )
        if good:
            good_out.write(b"".join(good))
        if bad_out is not None:
            for row in bad:
                bad_out.write(row.to_json())
        stats.good += len(good)
        stats.bad += len(bad)
        stats.lines = stats.good + stats.bad
    return stats


def _line_blocks(source: IO[bytes]) -> Iterator[bytes]:
    r"""Whole lines of ``source`` with their terminators, about ``READ_SIZE`` bytes at a time.

    Every block but the last ends with ``\n``; the last line of the input may have none.
    """
    partial: list[bytes] = []  # the start of a line that continues in the next read
    while data := source.read(READ_SIZE):
        end = data.rfind(b"\n") + 1
        if not end:
            partial.append(data)
            continue
        yield b"".join([*partial, data[:end]]) if partial else data[:end]
        partial = [data[end:]]
    last = b"".join(partial)
    if last:
        yield last


def _without_terminator(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    return line[:-1] if line[-1:] in ("\n", "\r") else line


def _not_utf8(line_number: int, raw: bytes, error: UnicodeDecodeError, source: str | None) -> BadRow:
    raw = raw.removesuffix(b"\n").removesuffix(b"\r")
    return BadRow(
        line_number,
        raw.decode(errors="backslashreplace"),
        (line_error(f"not valid UTF-8: {error.reason} at byte {error.start}"),),
        line_base64=base64.b64encode(raw).decode(),
        source=source,
    )
