"""Output and input codecs for per-run processing: CPU and ratio on the transformer's real output.

The candidates are well-kept libraries with wheels: the stdlib's ``gzip`` (zlib), python-isal
(Intel ISA-L's igzip), python-zlib-ng (``gzip_ng``) and, for ``.jsonl.zst``, zstandard. On the
JSON Lines our transformer makes of the benchmark corpus (``valid_lines(10000, seed=2024)``, as in
``bench/transform.py``), each writer compresses the output in the transformer's blocks of about a
megabyte, and each gzip reader decompresses the corpus's TSV gzipped at level 6, as archives hold
it. Figures are the best CPU time (``time.process_time``) of interleaved rounds, with the
transformation's own CPU for scale: a codec's share of a run is its time over both.

Usage: ``.venv/bin/python bench/codecs.py [--lines 10000] [--rounds 5]``
"""

from __future__ import annotations

import argparse
import functools
import gzip
import io
import sys
import time
from collections.abc import Callable
from typing import IO, Any

from common import print_header, print_table

from airflow_provider_snowplow.event_transformer import transform_stream
from airflow_provider_snowplow.testing.events import valid_lines

BLOCK = 1 << 20


def writers() -> dict[str, Callable[[IO[bytes]], Any]]:
    """Every candidate writer (name -> factory taking the target file)."""
    import zstandard
    from isal import igzip
    from zlib_ng import gzip_ng

    gzips: list[tuple[str, Any, tuple[int, ...]]] = [
        ("stdlib gzip", gzip, (1, 6, 9)),
        ("isal igzip", igzip, (0, 1, 2, 3)),
        ("zlib-ng gzip", gzip_ng, (1, 2, 3, 6)),
    ]
    found: dict[str, Callable[[IO[bytes]], Any]] = {}
    for name, module, levels in gzips:
        for level in levels:
            found[f"{name} {level}"] = functools.partial(gzip_writer, module, level)
    for level in (1, 3):
        found[f"zstd {level}"] = functools.partial(zstd_writer, zstandard, level)
    return found


def gzip_writer(module: Any, level: int, target: IO[bytes]) -> Any:
    return module.GzipFile(fileobj=target, mode="wb", compresslevel=level, mtime=0)


def zstd_writer(zstandard: Any, level: int, target: IO[bytes]) -> Any:
    return zstandard.ZstdCompressor(level=level).stream_writer(target, closefd=False)


def readers() -> dict[str, Callable[[IO[bytes]], Any]]:
    from isal import igzip
    from zlib_ng import gzip_ng

    modules: dict[str, Any] = {"stdlib gzip": gzip, "isal igzip": igzip, "zlib-ng gzip": gzip_ng}
    return {name: functools.partial(gzip_reader, module) for name, module in modules.items()}


def gzip_reader(module: Any, source: IO[bytes]) -> Any:
    return module.GzipFile(fileobj=source, mode="rb")


def cpu(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.process_time()
    result = action()
    return time.process_time() - started, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000, help="corpus size (default 10000)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    args = parser.parse_args()
    print_header("Codecs for per-run processing: CPU and ratio")

    tsv = b"".join(line.encode() + b"\n" for line in valid_lines(args.lines, seed=2024))
    archived = gzip.compress(tsv, 6)
    out = io.BytesIO()
    transform_cpu = min(cpu(lambda: transform_stream(io.BytesIO(tsv), io.BytesIO()))[0] for _ in range(3))
    transform_stream(io.BytesIO(tsv), out)
    json_lines = out.getvalue()
    blocks = [json_lines[i : i + BLOCK] for i in range(0, len(json_lines), BLOCK)]
    print(
        f"corpus: {args.lines:,} events, {len(tsv) / 1e6:.1f} MB of TSV ({len(archived) / 1e6:.1f} MB gzipped),"
        f" {len(json_lines) / 1e6:.1f} MB of JSON Lines; transform_stream {transform_cpu:.3f} s of CPU\n"
    )

    def write(factory: Callable[[IO[bytes]], Any]) -> bytes:
        target = io.BytesIO()
        with factory(target) as writer:
            for block in blocks:
                writer.write(block)
        return target.getvalue()

    def read(factory: Callable[[IO[bytes]], Any]) -> int:
        reader, size = factory(io.BytesIO(archived)), 0
        while data := reader.read(BLOCK):
            size += len(data)
        return size

    candidates = writers()
    write_cpu: dict[str, list[float]] = {name: [] for name in candidates}
    sizes: dict[str, int] = {}
    read_cpu: dict[str, list[float]] = {name: [] for name in readers()}
    for round_number in range(args.rounds):
        names = list(candidates)
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            seconds, data = cpu(functools.partial(write, candidates[name]))
            write_cpu[name].append(seconds)
            sizes[name] = len(data)
        for name, factory in readers().items():
            seconds, size = cpu(functools.partial(read, factory))
            assert size == len(tsv), name
            read_cpu[name].append(seconds)

    print("### Writing the JSON Lines\n")
    rows = []
    for name in candidates:
        best = min(write_cpu[name])
        rows.append(
            [
                name,
                f"{best:.3f}",
                f"{len(json_lines) / sizes[name]:.2f}",
                f"{best / (best + transform_cpu):.1%}",
            ]
        )
    print_table(["writer, level", "CPU s (best)", "ratio", "share of transform + compression"], rows)
    print("### Reading the archive's gzip\n")
    print_table(
        ["reader", "CPU s (best)", "MB/s"],
        [[name, f"{min(s):.3f}", f"{len(tsv) / 1e6 / min(s):,.0f}"] for name, s in read_cpu.items()],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
