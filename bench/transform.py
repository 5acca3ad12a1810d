"""Benchmark: our enriched-event transformer against snowplow-analytics-sdk 0.2.3 and the floor.

Run with ``./dev bench`` or ``.venv/bin/python bench/transform.py [--lines N] [--repeat R]``.

On one realistic corpus (tests/event_corpus.py: contexts, derived contexts, unstruct events), it
measures single-core events per second of

* ours: ``transform(line)``;
* the SDK: its ``transform(line)``, in its own venv (``.venv-sdk``, made by ``./dev setup``);
* the floor: splitting each line on tabs and parsing its three JSON fields with orjson, the
  least any transformer must do;

and end to end, an enriched TSV file in and a JSON Lines file out: our ``transform_stream``
against the SDK's ``transform`` + ``json.dumps`` loop. Every figure is the best of ``--repeat``
runs of CPU time (``time.process_time``), each process pinned to one CPU, so that other work on
the machine disturbs the figures as little as possible.

Targets: ours >= 3x the SDK, ours within 2x of the floor (floor rate / ours <= 2), end to end
>= 4x the SDK; each is printed as PASS or FAIL. The exit code is 0 unless ``--strict`` is given
and a target is missed (so ``./dev bench`` runs every benchmark).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import orjson  # noqa: E402

from airflow_provider_snowplow.event_transformer import transform, transform_stream  # noqa: E402
from tests.event_corpus import valid_lines, write_lines  # noqa: E402
from tests.support import sdk_python  # noqa: E402

TARGET_SDK, TARGET_FLOOR, TARGET_END_TO_END = 3.0, 2.0, 4.0

# Timed in the SDK's venv; prints {"transform": seconds, "end_to_end": seconds}, each a best of N.
SDK_SCRIPT = """
import json, os, sys, time
from snowplow_analytics_sdk.event_transformer import transform
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
path, out_path, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path, "rb") as f:
    lines = [raw.decode().removesuffix("\\n") for raw in f]

def best(run):
    times = []
    for _ in range(repeat):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times)

def transform_only():
    for line in lines:
        transform(line)

def end_to_end():
    with open(path, "rb") as source, open(out_path, "w", encoding="utf-8") as out:
        for raw in source:
            out.write(json.dumps(transform(raw.decode().removesuffix("\\n"))) + "\\n")

print(json.dumps({"transform": best(transform_only), "end_to_end": best(end_to_end)}))
"""


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The smallest CPU time of ``repeat`` runs: the run least disturbed by anything else."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times)


def floor(lines: list[str]) -> None:
    """Split on tabs, parse contexts, unstruct_event and derived_contexts: nothing less will do."""
    loads = orjson.loads
    for line in lines:
        values = line.split("\t")
        for text in (values[52], values[58], values[122]):
            if text:
                loads(text)


def ours(lines: list[str]) -> None:
    for line in lines:
        transform(line)


def ours_end_to_end(tsv: Path, out: Path) -> None:
    with tsv.open("rb") as source, out.open("wb") as good:
        transform_stream(source, good)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10_000, help="corpus size (default 10000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure, best kept (default 5)")
    parser.add_argument("--strict", action="store_true", help="exit with 1 when a target is missed")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    lines = list(valid_lines(args.lines, seed=2024))
    with tempfile.TemporaryDirectory(prefix="bench-transform-") as tmp:
        tsv = write_lines(Path(tmp) / "enriched.tsv", lines)
        size_mb = tsv.stat().st_size / 1e6
        sdk = subprocess.run(
            [sdk_python(), "-c", SDK_SCRIPT, str(tsv), str(Path(tmp) / "sdk.jsonl"), str(args.repeat)],
            check=True,
            capture_output=True,
            text=True,
        )
        sdk_seconds = json.loads(sdk.stdout)
        floor_seconds = best_of(args.repeat, lambda: floor(lines))
        ours_seconds = best_of(args.repeat, lambda: ours(lines))
        ours_e2e_seconds = best_of(args.repeat, lambda: ours_end_to_end(tsv, Path(tmp) / "ours.jsonl"))

    count = len(lines)
    rate = {
        "ours": count / ours_seconds,
        "sdk": count / sdk_seconds["transform"],
        "floor": count / floor_seconds,
        "ours end to end": count / ours_e2e_seconds,
        "sdk end to end": count / sdk_seconds["end_to_end"],
    }
    vs_sdk = rate["ours"] / rate["sdk"]
    vs_floor = rate["floor"] / rate["ours"]
    end_to_end = rate["ours end to end"] / rate["sdk end to end"]
    checks = [
        (f"ours / SDK            {vs_sdk:5.2f}x  (target >= {TARGET_SDK}x)", vs_sdk >= TARGET_SDK),
        (f"floor / ours          {vs_floor:5.2f}x  (target <= {TARGET_FLOOR}x)", vs_floor <= TARGET_FLOOR),
        (
            f"end to end ours / SDK {end_to_end:5.2f}x  (target >= {TARGET_END_TO_END}x)",
            end_to_end >= TARGET_END_TO_END,
        ),
    ]
    print(f"corpus: {count} lines, {size_mb:.1f} MB, {size_mb * 1e6 / count:.0f} bytes/line")
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, one used")
    print(f"events per second (best of {args.repeat}):")
    for name, value in rate.items():
        print(f"  {name:16s} {value:>10,.0f}")
    for text, passed in checks:
        print(f"{'PASS' if passed else 'FAIL'}  {text}")
    return 1 if args.strict and not all(passed for _, passed in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
