"""Command line: enriched TSV files in, JSON Lines out.

Usage::

    python -m airflow_provider_snowplow.event_transformer [FILE ...] [-o OUT] [--bad-rows FILE]
        [--fail-on-bad-rows] [--no-geolocation] [--shape {python,scala}]

FILE is an enriched-event file, ``-`` or nothing for stdin; gzip input is recognised by its content
(as in the per-run processing step), whatever the file is called. Good
events go to stdout (or ``-o``; a ``.gz`` name is compressed), bad rows to stderr (or
``--bad-rows``), and one summary line to stderr at the end:
``event_transformer: 1000 lines, 998 good, 2 bad``. ``--shape scala`` writes the Scala Analytics
SDK's JSON (``Event.toJson(lossy = true)``) instead of the Python SDK's.

Exit codes:
    0: every file was read; bad rows, if any, were reported.
    1: ``--fail-on-bad-rows`` was given and at least one line was bad (all lines still processed).
    2: wrong arguments, or a file could not be read or written.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
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
                with _input(name) as source:
                    stats = transform_stream(
                        source,
                        good_out,
                        bad_out,
                        add_geolocation_data=args.geolocation,
                        source_name=None if name == "-" else name,
                        shape=args.shape,
                    )
                totals.add(stats)
                bad_out.flush()
    except (OSError, EOFError) as error:
        print(f"event_transformer: {error}", file=sys.stderr)
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


@contextmanager
def _input(name: str) -> Iterator[IO[bytes]]:
    if name == "-":
        yield open_enriched(sys.stdin.buffer)
    else:
        with open(name, "rb") as raw:
            yield open_enriched(raw)


@contextmanager
def _output(name: str | None, default: IO[bytes]) -> Iterator[IO[bytes]]:
    if name is None or name == "-":
        try:
            yield default
        finally:
            default.flush()
    elif name.endswith(".gz"):
        with gzip.open(name, "wb") as compressed:
            yield cast(IO[bytes], compressed)
    else:
        with open(name, "wb", buffering=1 << 20) as plain:
            yield plain


if __name__ == "__main__":
    sys.exit(main())
