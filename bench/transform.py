"""Benchmark: our enriched-event transformer against snowplow-analytics-sdk 0.2.3 and the floor.

Run with ``./dev bench`` or ``.venv/bin/python bench/transform.py [--lines N] [--rounds R]``.

On one realistic corpus (tests/event_corpus.py: contexts, derived contexts, unstruct events), it
measures single-core events per second of

* ours: ``transform(line)``;
* the SDK: its ``transform(line)``, in its own venv (``.venv-sdk``, made by ``./dev setup``);
* the floor: splitting each line on tabs and parsing its three JSON fields with orjson, the
  least any transformer must do;

and end to end, an enriched TSV file in and a JSON Lines file out: our ``transform_stream``
against the SDK's ``transform`` + ``json.dumps`` loop.

The machine is usually shared, so the five measures are interleaved: each round runs every one
once (the SDK in a worker process that waits for its turn), in an order that rotates from round
to round, all on one CPU (the least busy one at the start). Events per second come from the best
CPU time (``time.process_time``) over the rounds, the run least disturbed by anything else. A
ratio is the median of the per-round ratios (neighbours in time share the machine's state, and
the median ignores a lucky or unlucky round); its range over the rounds and the ratio of the best
times are printed too. After timing, both end-to-end outputs are compared event by event.

Targets: ours >= 3x the SDK, ours within 2x of the floor (floor rate / ours <= 2), end to end
>= 4x the SDK; each is printed as PASS or FAIL. The exit code is 0 unless ``--strict`` is given
and a target is missed (so ``./dev bench`` runs every benchmark).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median

import orjson

from airflow_provider_snowplow.event_transformer import transform, transform_stream
from airflow_provider_snowplow.testing.events import valid_lines, write_lines
from airflow_provider_snowplow.testing.sdk import sdk_python

TARGET_SDK, TARGET_FLOOR, TARGET_END_TO_END = 3.0, 2.0, 4.0
MEASURES = ("ours", "sdk", "floor", "ours end to end", "sdk end to end")

# Runs in the SDK's venv: reads the file once, then times one run per command read from stdin
# ("transform" or "end_to_end") and answers with its CPU seconds, until stdin closes.
SDK_WORKER = """
import json, sys, time
from snowplow_analytics_sdk.event_transformer import transform
path, out_path = sys.argv[1], sys.argv[2]
with open(path, "rb") as f:
    lines = [raw.decode().removesuffix("\\n") for raw in f]

def transform_only():
    for line in lines:
        transform(line)

def end_to_end():
    with open(path, "rb") as source, open(out_path, "w", encoding="utf-8") as out:
        for raw in source:
            out.write(json.dumps(transform(raw.decode().removesuffix("\\n"))) + "\\n")

runs = {"transform": transform_only, "end_to_end": end_to_end}
for command in sys.stdin:
    start = time.process_time()
    runs[command.strip()]()
    print(time.process_time() - start, flush=True)
"""


class SdkWorker:
    """The SDK in its own interpreter, timing one run whenever asked."""

    def __init__(self, tsv: Path, out: Path) -> None:
        self.process = subprocess.Popen(
            [sdk_python(), "-c", SDK_WORKER, str(tsv), str(out)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, command: str) -> float:
        """CPU seconds of one run of ``command`` ("transform" or "end_to_end")."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError(f"the SDK worker died (exit code {self.process.wait()})")
        return float(answer)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


def cpu_seconds(run: Callable[[], object]) -> float:
    start = time.process_time()
    run()
    return time.process_time() - start


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


def quietest_cpu() -> int:
    """The CPU (of those we may use) that was idle longest over the last 0.2 s."""
    allowed = os.sched_getaffinity(0)

    def idle() -> dict[int, int]:
        with open("/proc/stat") as stat:
            rows = [line.split() for line in stat if line.startswith("cpu") and line[3].isdigit()]
        return {int(row[0][3:]): int(row[4]) + int(row[5]) for row in rows}

    before = idle()
    time.sleep(0.2)
    after = idle()
    return max(allowed, key=lambda cpu: after.get(cpu, 0) - before.get(cpu, 0))


def same_events(ours_jsonl: Path, sdk_jsonl: Path) -> bool:
    """Whether both JSON Lines files hold equal events, line by line."""
    mine, theirs = ours_jsonl.read_bytes().splitlines(), sdk_jsonl.read_bytes().splitlines()
    return len(mine) == len(theirs) and all(
        orjson.loads(a) == orjson.loads(b) for a, b in zip(mine, theirs, strict=True)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10_000, help="corpus size (default 10000)")
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds (default 9)")
    parser.add_argument("--strict", action="store_true", help="exit with 1 when a target is missed")
    args = parser.parse_args()
    cpu = None
    if hasattr(os, "sched_setaffinity"):
        cpu = quietest_cpu()
        os.sched_setaffinity(0, {cpu})  # the SDK worker inherits it

    lines = list(valid_lines(args.lines, seed=2024))
    times: dict[str, list[float]] = {name: [] for name in MEASURES}
    with tempfile.TemporaryDirectory(prefix="bench-transform-") as tmp:
        tsv = write_lines(Path(tmp) / "enriched.tsv", lines)
        ours_out, sdk_out = Path(tmp) / "ours.jsonl", Path(tmp) / "sdk.jsonl"
        size_mb = tsv.stat().st_size / 1e6
        sdk = SdkWorker(tsv, sdk_out)
        try:
            runs: dict[str, Callable[[], float]] = {
                "ours": lambda: cpu_seconds(lambda: ours(lines)),
                "sdk": lambda: sdk.run("transform"),
                "floor": lambda: cpu_seconds(lambda: floor(lines)),
                "ours end to end": lambda: cpu_seconds(lambda: ours_end_to_end(tsv, ours_out)),
                "sdk end to end": lambda: sdk.run("end_to_end"),
            }
            for round_number in range(args.rounds):
                shift = round_number % len(MEASURES)
                for name in MEASURES[shift:] + MEASURES[:shift]:
                    times[name].append(runs[name]())
        finally:
            sdk.close()
        same = same_events(ours_out, sdk_out)

    count = len(lines)
    rate = {name: count / min(seconds) for name, seconds in times.items()}
    ratios = {
        "ours / SDK": (rate["ours"] / rate["sdk"], ("sdk", "ours")),
        "floor / ours": (rate["floor"] / rate["ours"], ("ours", "floor")),
        "end to end ours / SDK": (
            rate["ours end to end"] / rate["sdk end to end"],
            ("sdk end to end", "ours end to end"),
        ),
    }
    targets = {
        "ours / SDK": TARGET_SDK,
        "floor / ours": TARGET_FLOOR,
        "end to end ours / SDK": TARGET_END_TO_END,
    }

    print(f"corpus: {count} lines, {size_mb:.1f} MB, {size_mb * 1e6 / count:.0f} bytes/line")
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs,"
        f" pinned to CPU {cpu}, load average {os.getloadavg()[0]:.1f}"
    )
    print(f"events per second (best of {args.rounds} interleaved rounds):")
    for name, value in rate.items():
        print(f"  {name:16s} {value:>10,.0f}")
    print(f"end-to-end outputs equal to the SDK's, event by event: {'yes' if same else 'NO'}")
    passed_all = same
    for name, (best_ratio, (slow, fast)) in ratios.items():
        per_round = [s / f for s, f in zip(times[slow], times[fast], strict=True)]
        ratio, target = median(per_round), targets[name]
        passed = ratio <= target if name == "floor / ours" else ratio >= target
        passed_all = passed_all and passed
        sign = "<=" if name == "floor / ours" else ">="
        print(
            f"{'PASS' if passed else 'FAIL'}  {name:22s} {ratio:5.2f}x  (target {sign} {target}x;"
            f" rounds {min(per_round):.2f}-{max(per_round):.2f}, from the best times {best_ratio:.2f})"
        )
    return 1 if args.strict and not passed_all else 0


if __name__ == "__main__":
    sys.exit(main())
