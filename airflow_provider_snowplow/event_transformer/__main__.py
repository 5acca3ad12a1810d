"""Command line: enriched TSV files in, JSON Lines out.

Usage::

    python -m airflow_provider_snowplow.event_transformer [FILE ...] [-o OUT] [--bad-rows FILE]
        [--fail-on-bad-rows] [--no-geolocation] [--shape {python,scala}]

FILE is an enriched-event file, ``-`` or nothing for stdin (with a note on stderr when stdin is a
terminal, so that nobody waits on it unknowingly); gzip input is recognised by its content (as in the
per-run processing step), whatever the file is called. Good events go to stdout (or ``-o``; a ``.gz``
name is compressed), bad rows to stderr (or ``--bad-rows``), and one summary line to stderr at the
end: ``event_transformer: 1000 lines, 998 good, 2 bad``. Output files appear only when complete: an
input that cannot be read (truncated gzip...) is named in the one error line, and no partial ``-o``
or ``--bad-rows`` file is left behind. ``--shape scala`` writes the Scala Analytics
SDK's JSON (``Event.toJson(lossy = true)``) instead of the Python SDK's.

Exit codes:
    0: every file was read; bad rows, if any, were reported.
    1: ``--fail-on-bad-rows`` was given and at least one line was bad (all lines still processed).
    2: wrong arguments, or a file could not be read or written.
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, cast

from airflow_provider_snowplow.event_transformer.shapes import DEFAULT_SHAPE, SHAPES
from airflow_provider_snowplow.event_transformer.sources import open_enriched
from airflow_provider_snowplow.event_transformer.stream import TransformStats, transform_stream

EXIT_OK, EXIT_BAD_ROWS, EXIT_ERROR = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    args = _parser().parse_args(argv)
    totals = TransformStats()
    try:
        with ExitStack() as files:
            good_out = files.enter_context(_output(args.output, sys.stdout.buffer))
            bad_out = files.enter_context(_output(args.bad_rows, sys.stderr.buffer))
            for name in args.files or ["-"]:
                try:
                    with _input(name) as source:
                        stats = transform_stream(
                            source,
                            good_out,
                            bad_out,
                            add_geolocation_data=args.geolocation,
                            source_name=None if name == "-" else name,
                            shape=args.shape,
                        )
                except (EOFError, gzip.BadGzipFile, zlib.error) as error:
                    raise _Unreadable(name, f"truncated or corrupt gzip data ({error})") from None
                totals.add(stats)
                bad_out.flush()
    except _Unreadable as unreadable:
        written = [name for name in (args.output, args.bad_rows) if name not in (None, "-")]
        nothing = f"; nothing was written to {' or '.join(written)}" if written else ""
        print(f"event_transformer: {unreadable}{nothing}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as error:
        print(f"event_transformer: {error.filename or 'output'}: {error.strerror or error}", file=sys.stderr)
        return EXIT_ERROR
    print(f"event_transformer: {totals.lines} lines, {totals.good} good, {totals.bad} bad", file=sys.stderr)
    return EXIT_BAD_ROWS if args.fail_on_bad_rows and totals.bad else EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_snowplow.event_transformer",
        description="Turn Snowplow enriched events (TSV) into JSON Lines, one object per event.",
        epilog="Exit codes: 0 done, 1 bad rows with --fail-on-bad-rows, 2 usage or I/O error.",
    )
    parser.add_argument(
        "files", nargs="*", metavar="FILE", help="enriched TSV file, plain or gzip, or - (stdin)"
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write good events here, not to stdout")
    parser.add_argument("--bad-rows", metavar="FILE", help="write bad rows (JSON Lines) here, not to stderr")
    parser.add_argument(
        "--fail-on-bad-rows", action="store_true", help="exit with 1 when any line is bad (after all lines)"
    )
    parser.add_argument(
        "--no-geolocation",
        dest="geolocation",
        action="store_false",
        help="do not add the geo_location field",
    )
    parser.add_argument(
        "--shape",
        choices=SHAPES,
        default=DEFAULT_SHAPE,
        help="python: the Python Analytics SDK's JSON (default); scala: the Scala Analytics SDK's "
        "Event.toJson(lossy = true)",
    )
    return parser


class _Unreadable(Exception):
    """An input that cannot be read; the message names it."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{'stdin' if name == '-' else name}: cannot read it: {reason}")


@contextmanager
def _input(name: str) -> Iterator[IO[bytes]]:
    if name == "-":
        if not sys.stdin.isatty():
            yield open_enriched(sys.stdin.buffer)
            return
        print(
            "event_transformer: reading enriched events from stdin (end with Ctrl-D; "
            "pass FILE... to read files, --help for more)",
            file=sys.stderr,
        )
        # Unbuffered: a terminal's Ctrl-D ends a single read, which a buffered read would swallow.
        yield open_enriched(getattr(sys.stdin.buffer, "raw", sys.stdin.buffer))
    else:
        try:
            raw = open(name, "rb")  # noqa: SIM115 - closed below; the error must name the input
        except OSError as error:
            raise _Unreadable(name, error.strerror or str(error)) from None
        with raw:
            yield open_enriched(raw)


@contextmanager
def _output(name: str | None, default: IO[bytes]) -> Iterator[IO[bytes]]:
    """Where output goes: ``default`` for none or ``-``, else the file ``name``, once complete.

    A regular file is written under a temporary name beside it and renamed at the end, so a run
    that fails leaves neither a partial file nor a clobbered previous one. Anything else that
    exists (``/dev/null``, a FIFO) is written to directly: renaming over it would replace it.
    """
    if name is None or name == "-":
        try:
            yield default
        finally:
            default.flush()
        return
    target = Path(os.path.realpath(name))  # through a symlink, to the file it names
    if target.exists() and not target.is_file():
        with open(target, "wb") as special, _gzipped_if_named_so(special, name) as out:
            yield out
        return
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    except OSError as error:
        raise OSError(error.errno, error.strerror, name) from None
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)  # as open() would have made it, not mkstemp's 0600
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as plain, _gzipped_if_named_so(plain, name) as out:
            yield out
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


@contextmanager
def _gzipped_if_named_so(raw: IO[bytes], name: str) -> Iterator[IO[bytes]]:
    """``raw``, through gzip when ``name`` ends in ``.gz``."""
    if not name.endswith(".gz"):
        yield raw
        return
    with gzip.GzipFile(filename=Path(name).name, fileobj=raw, mode="wb") as compressed:
        yield cast(IO[bytes], compressed)


if __name__ == "__main__":
    sys.exit(main())
