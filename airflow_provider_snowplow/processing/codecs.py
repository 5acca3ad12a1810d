"""Compression of a run's output and decompression of its gzip parts: fast libraries, standard formats.

Output is ``.jsonl.gz`` (the default: readable by every gzip reader) or ``.jsonl.zst`` (zstandard:
a better ratio at the same speed, for readers that have it). Both are written at a speed-oriented
level, because compression is CPU the whole run waits for: on the benchmark corpus the stdlib's
gzip at its default level 9 took more CPU than the transformation itself (``bench/RESULTS.md``).

gzip goes through python-isal (Intel's ISA-L igzip) when its wheel is installed, and through the
stdlib's ``gzip`` otherwise, at the level of about the same ratio (isal 1, stdlib 1). isal was
chosen over python-zlib-ng after measuring both (``bench/run_processing.py --codecs``): igzip
level 1 writes about 2x faster than zlib-ng level 2 at a similar ratio, and reads faster too.
Either way the output decompresses to the same JSON Lines; the bytes differ between the two
implementations (another deflate), but for one implementation and input they are always the same
(the gzip header's mtime is 0, zstd frames carry no time), so a retry rewrites identical objects.

Every writer returned here is a binary file object whose ``close()`` finishes the compressed stream
and leaves the underlying file open. Compression runs inline: compressing in a second thread (isal
and zstd release the GIL) was measured on a one-part run and did not pay (0.96-1.02x), since at
level 1 it is only about a tenth of the work, and the other core serves S3 or another part.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import types
from typing import IO, Any, Literal, cast

from airflow_provider_snowplow.errors import InvalidValueError

Compression = Literal["gzip", "zstd"]
COMPRESSIONS: tuple[Compression, ...] = ("gzip", "zstd")
SUFFIXES: dict[str, str] = {"gzip": ".jsonl.gz", "zstd": ".jsonl.zst"}
ISAL_GZIP_LEVEL = 1  # ratio ~4.2 on enriched events; level 2: 3-5% more CPU for 3% smaller
STDLIB_GZIP_LEVEL = 1  # the fallback: ratio ~4.1, ~4x the CPU of isal level 1
ZSTD_LEVEL = 1  # ratio ~5.3; level 3 was slower and no smaller on enriched events
ZSTD_PACKAGE_HINT = "pip install 'airflow-provider-snowplow[zstd]'"


@functools.cache
def _isal() -> Any | None:
    """python-isal's modules, or None where its wheel is missing (the stdlib does the same, slower)."""
    try:
        from isal import igzip, isal_zlib
    except ImportError:
        return None
    return types.SimpleNamespace(igzip=igzip, isal_zlib=isal_zlib)


def gzip_implementation() -> str:
    """``"isal"`` or ``"stdlib"``: which library writes and reads gzip here."""
    return "stdlib" if _isal() is None else "isal"


def gzip_read_errors() -> tuple[type[BaseException], ...]:
    """What reading corrupt or truncated gzip data raises, with the implementation in use."""
    isal = _isal()
    return (OSError, EOFError) if isal is None else (OSError, EOFError, isal.isal_zlib.error)


def check_compression(value: object) -> Compression:
    """An output compression name, usable here.

    Raises:
        InvalidValueError: not one of :data:`COMPRESSIONS`, or ``"zstd"`` without the zstandard
            package.
    """
    if value not in COMPRESSIONS:
        raise InvalidValueError(
            f"compression must be one of {', '.join(map(repr, COMPRESSIONS))}, got {value!r}"
        )
    if value == "zstd" and not _installed("zstandard"):
        raise InvalidValueError(
            f"compression 'zstd' needs the zstandard package, which is not installed: {ZSTD_PACKAGE_HINT}"
        )
    return value


def _installed(package: str) -> bool:
    """Whether ``package`` can be imported, without importing it (cheap enough for DAG parsing)."""
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def open_writer(target: IO[bytes], compression: Compression) -> IO[bytes]:
    """A binary writer compressing into ``target``; closing it finishes the stream, not ``target``.

    Args:
        target: where the compressed bytes go (a spool file).
        compression: ``"gzip"`` or ``"zstd"``.
    """
    if compression == "zstd":
        import zstandard

        compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=True)
        return cast(IO[bytes], compressor.stream_writer(target, closefd=False))
    isal = _isal()
    if isal is None:
        gzip_file = gzip.GzipFile(fileobj=target, mode="wb", compresslevel=STDLIB_GZIP_LEVEL, mtime=0)
    else:
        gzip_file = isal.igzip.GzipFile(fileobj=target, mode="wb", compresslevel=ISAL_GZIP_LEVEL, mtime=0)
    return cast(IO[bytes], gzip_file)


def open_gzip_reader(source: IO[bytes]) -> IO[bytes]:
    """A reader of the gzip stream ``source`` (all its members), decompressing as it goes."""
    isal = _isal()
    module: Any = gzip if isal is None else isal.igzip
    return cast(IO[bytes], module.GzipFile(fileobj=source, mode="rb"))


def decompress(data: bytes, compression: Compression) -> bytes:
    """The whole of a compressed output object, decompressed (for readers, tests and benchmarks)."""
    if compression == "zstd":
        import zstandard

        with zstandard.ZstdDecompressor().stream_reader(data) as reader:
            return reader.read()
    return gzip.decompress(data)
