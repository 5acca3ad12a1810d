"""Where enriched TSV comes from: files, stdin or S3 bodies, plain or gzip.

Snowplow archives hold both gzipped and plain part files, and names do not always say which, so
gzip is recognised by its magic bytes. The per-run processing step and the command line share this.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable
from typing import IO, Any

GZIP_MAGIC = b"\x1f\x8b"


class _Peeked(io.RawIOBase):
    """A byte stream readable by ``gzip`` and ``io`` after we peeked at its first two bytes."""

    def __init__(self, body: Any) -> None:
        self._body = body
        self._head = body.read(2)
        self._ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = len(self._head[: len(buffer)])
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        if self._ended:  # a terminal's Ctrl-D ends one read only: asking again would wait for more
            return 0
        chunk = self._body.read(len(buffer))
        buffer[: len(chunk)] = chunk
        self._ended = not chunk
        return len(chunk)

    @property
    def is_gzip(self) -> bool:
        return bool(self._head == GZIP_MAGIC)


def open_enriched(body: Any, gunzip: Callable[[IO[bytes]], IO[bytes]] | None = None) -> IO[bytes]:
    """Any readable byte source (an S3 body, a file, stdin) as a buffered binary stream of lines.

    Gunzipped when it is gzip: by content, not by name, so a gzip part without ``.gz`` (or a plain
    one with it) reads right. ``gunzip`` opens a gzip reader on a stream (the stdlib's by default;
    per-run processing passes a faster one).
    """
    raw = _Peeked(body)
    stream: IO[bytes] = io.BufferedReader(raw, buffer_size=1024 * 1024)
    if raw.is_gzip:
        if gunzip is not None:
            return gunzip(stream)
        return gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[return-value]
    return stream
