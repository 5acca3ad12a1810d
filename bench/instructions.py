"""Instructions per line of the transformer, the SDK and the floor: a repeatable count under valgrind.

Run with ``.venv/bin/python bench/instructions.py [--lines N]`` (needs ``valgrind``; about 2 min).

Timings on a shared two-core machine move by 20% from run to run; instruction counts from
``valgrind --tool=callgrind`` do not (same binary, same input: the same count to about 0.1%,
whatever else the machine does). Each measure runs in its own interpreter over the same corpus as
``bench/transform.py`` (``tests/event_corpus.py``, seed 2024), once with one pass and once with
three; the difference divided by two passes of N lines is the cost of one line, with start-up and
corpus generation cancelled out. Ratios of these counts track the timed ratios, which come out a
little worse for us (we allocate more small objects than the SDK and the floor).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from transform import SDK_WORKER, TARGET_END_TO_END, TARGET_FLOOR, TARGET_SDK

from airflow_provider_snowplow.testing.sdk import sdk_python

# Our side of the measure, shaped like bench/transform.py's SDK worker (which is the SDK side):
# argv is the corpus and the output file; each line of stdin names one pass to run.
# Run with bench/ as the working directory, where ``python -c`` finds transform.py.
OURS_WORKER = """
import sys
from pathlib import Path
from transform import floor, ours, ours_end_to_end
tsv, out = Path(sys.argv[1]), Path(sys.argv[2])
lines = tsv.read_bytes().decode().split("\\n")[:-1]  # values may hold other line breaks
runs = {"floor": lambda: floor(lines), "ours": lambda: ours(lines),
        "ours end to end": lambda: ours_end_to_end(tsv, out)}
for command in sys.stdin:
    runs[command.strip()]()
"""
# measure: (which worker, the command it runs)
MEASURES = {
    "floor": ("ours", "floor"),
    "ours": ("ours", "ours"),
    "sdk": ("sdk", "transform"),
    "ours end to end": ("ours", "ours end to end"),
    "sdk end to end": ("sdk", "end_to_end"),
}


def instructions(worker: list[str], command: str, passes: int) -> int:
    """Instructions executed by one worker interpreter running ``passes`` passes of ``command``."""
    valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    result = subprocess.run(
        [*valgrind, *worker],
        input=f"{command}\n" * passes,
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        cwd=Path(__file__).resolve().parent,
    )
    if result.returncode:
        raise RuntimeError(f"{command} failed under valgrind:\n{result.stderr[-3000:]}")
    return int(re.search(r"Collected : (\d+)", result.stderr)[1])  # type: ignore[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=500, help="corpus size (default 500)")
    args = parser.parse_args()
    from airflow_provider_snowplow.testing.events import valid_lines, write_lines

    per_line: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-instructions-") as tmp:
        tsv = write_lines(Path(tmp) / "enriched.tsv", valid_lines(args.lines, seed=2024))
        out = Path(tmp) / "out.jsonl"
        workers = {
            "ours": [sys.executable, "-c", OURS_WORKER, str(tsv), str(out)],
            "sdk": [sdk_python(), "-c", SDK_WORKER, str(tsv), str(out)],
        }
        for measure, (worker, command) in MEASURES.items():
            once, thrice = (instructions(workers[worker], command, passes) for passes in (1, 3))
            per_line[measure] = (thrice - once) / (2 * args.lines)
            print(f"  {measure:16s} {per_line[measure]:>10,.0f} instructions a line", flush=True)
    ratios = {
        f"ours / SDK (target >= {TARGET_SDK}x)": per_line["sdk"] / per_line["ours"],
        f"floor / ours (target <= {TARGET_FLOOR}x)": per_line["ours"] / per_line["floor"],
        f"end to end ours / SDK (target >= {TARGET_END_TO_END}x)": (
            per_line["sdk end to end"] / per_line["ours end to end"]
        ),
    }
    for name, ratio in ratios.items():
        print(f"  {name:40s} {ratio:5.2f}x in instructions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
