"""Whole-run processing: S3 gzip parts in, JSON Lines in S3 out; ours against the SDK 0.2.3 loop.

What a user waits for is one run, from the archive's part files to JSON Lines in S3. On the local
endpoint (one moto server, requests counted server-side), for runs of several part counts and
sizes (seeded from ``testing.events.valid_lines``, gzip level 6 like the archives), it times:

* the SDK loop, the code a snowplow-analytics-sdk 0.2.3 user writes, in its own venv: for each part,
  GetObject, gunzip, ``transform`` each line, ``json.dumps``, gzip, PutObject;
* ours with one worker: ``process_run(..., workers=1)``;
* ours by default: ``process_run(...)``: ``workers=None``, as many as the run keeps busy (one per
  4 MB of input), up to every CPU this process may use; the count is printed with each run.

Each is a fresh process, timed around the loop or the ``process_run`` call alone (interpreter
start and imports excluded for both; our worker processes start inside the call, as in a task).
Rounds are interleaved (each round runs every measure once, in an order that rotates), and a ratio
is the median of the per-round ratios, its range printed too: the machine is shared. Each run's
measures wait until the machine is quiet (``--quiet``; the share of CPU others kept busy at the
start is printed), since 2 workers on a 2-core machine only show their worth when both cores are
ours. After timing, the events of every output are compared with the SDK's, event by event.

It also measures what compression costs: the CPU of gunzipping the input and of compressing the
output with our codec, as a share of a one-worker run's CPU (``time.process_time`` of that
process). The local endpoint's CPU is printed too: it shares the machine's cores with the run
(AWS would not), so 2 workers on 2 cores also wait for it.

Targets: on runs of 6 or more parts, ours (by default: every core, when the run is big enough)
>= 8x the SDK loop and >= 1.7x ours with one worker; compression <= 15% of a run's CPU. Exit status 0 unless ``--strict`` and one is missed.

Usage: ``.venv/bin/python bench/run_processing.py [--runs 1x2000,6x2000,8x12000] [--rounds 3] [--quiet 0.35]``
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from common import check, format_requests, print_footer, print_header, print_table

from airflow_provider_snowplow.processing.codecs import (
    decompress,
    gzip_implementation,
    open_gzip_reader,
    open_writer,
)
from airflow_provider_snowplow.processing.cpus import available_cpus, worker_count
from airflow_provider_snowplow.testing.archive import Archive
from airflow_provider_snowplow.testing.events import valid_lines
from airflow_provider_snowplow.testing.local_aws import LocalAws
from airflow_provider_snowplow.testing.sdk import run_sdk

BUCKET = "acme-snowplow"
ARCHIVE = "enriched/archive/"
TARGET_SDK, TARGET_CORES, TARGET_COMPRESSION_SHARE, TARGET_MIN_PARTS = 8.0, 1.7, 0.15, 6
MEASURES = ("sdk", "ours, 1 worker", "ours, default")
OUTPUTS = {"sdk": "out/sdk/", "ours, 1 worker": "out/ours-1/", "ours, default": "out/ours-default/"}
WRITE_BLOCK = 1 << 20  # the transformer writes about a megabyte of JSON Lines at a time

# Run by the SDK's interpreter (testing.sdk.run_sdk gives it s3 and args): the plain loop.
SDK_LOOP = """
import gzip, json, time
from snowplow_analytics_sdk.event_transformer import transform
started = time.perf_counter()
listing = s3.list_objects_v2(Bucket=args["bucket"], Prefix=args["run_id"])["Contents"]
for obj in listing:
    if not obj["Key"].endswith(".gz"):  # the part files, not the run's _SUCCESS marker
        continue
    body = s3.get_object(Bucket=args["bucket"], Key=obj["Key"])["Body"].read()
    events = [json.dumps(transform(line)) for line in gzip.decompress(body).decode().split("\\n") if line]
    name = obj["Key"][len(args["run_id"]):].removesuffix(".gz")
    data = gzip.compress(("\\n".join(events) + "\\n").encode())
    s3.put_object(Bucket=args["bucket"], Key=args["output"] + "good/" + name + ".jsonl.gz", Body=data)
result = {"seconds": time.perf_counter() - started}
"""

# Run by our interpreter in a fresh process, like a task: one process_run call, timed alone. Its
# CPU is this process's plus, when there were worker processes, the forkserver's: its own (the
# imports) and its reaped children's, i.e. the workers'.
OURS = """
import json, os, sys, time
import boto3
from multiprocessing import forkserver
from airflow_provider_snowplow.processing.run import process_run
from airflow_provider_snowplow.testing.archive import READY_WHEN_SEEDED
endpoint, archive_url, run_id, output_url, workers = sys.argv[1:6]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id="testing", aws_secret_access_key="testing")
started, cpu = time.perf_counter(), time.process_time()
result = process_run(s3, archive_url, run_id, output_url, workers=None if workers == "all" else int(workers),
                     readiness=READY_WHEN_SEEDED)
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
server = forkserver._forkserver._forkserver_pid
if server:
    with open(f"/proc/{server}/stat") as stat:
        ticks = stat.read().rpartition(")")[2].split()[11:15]  # utime stime cutime cstime
    cpu += sum(map(int, ticks)) / os.sysconf("SC_CLK_TCK")
print(json.dumps({"seconds": seconds, "cpu": cpu, "lines": result.counts.lines}))
"""


@dataclass
class Run:
    """One seeded run and what each measure made of it."""

    parts: int
    lines_per_part: int
    run_id: str = ""
    input_bytes: int = 0
    default_workers: int = 1
    seconds: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in MEASURES})
    cpu: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in MEASURES})
    server_cpu: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in MEASURES})
    requests: dict[str, Counter[str]] = field(default_factory=dict)

    @property
    def folder(self) -> str:
        """The run's output folder name, ``run=.../``."""
        return self.run_id[len(ARCHIVE) :]

    @property
    def label(self) -> str:
        return f"{self.parts} part{'s' * (self.parts > 1)} x {self.lines_per_part:,} events"

    def ratios(self, slow: str, fast: str) -> list[float]:
        return [s / f for s, f in zip(self.seconds[slow], self.seconds[fast], strict=True)]


def seed(archive: Archive, run: Run, index: int) -> None:
    """Put the run's gzip parts (distinct events in each) into the archive."""
    parts = {}
    for part in range(run.parts):
        lines = valid_lines(run.lines_per_part, seed=1000 * index + part)
        parts[f"part-{part:05d}.gz"] = gzip.compress(b"".join(line.encode() + b"\n" for line in lines), 6)
    run.run_id = archive.add_run(f"2017-01-01-00-00-{index:02d}", parts)
    run.input_bytes = sum(map(len, parts.values()))
    run.default_workers = worker_count(None, [len(body) for body in parts.values()])


def measure(aws: LocalAws, run: Run, name: str) -> None:
    """One timed run of measure ``name`` on ``run``, with its requests counted."""
    aws.request_counts(reset=True)
    server_cpu = process_cpu(aws.server_pid)
    if name == "sdk":
        output = OUTPUTS[name] + run.folder
        out = run_sdk(SDK_LOOP, aws.endpoint_url, bucket=BUCKET, run_id=run.run_id, output=output)
        cpu = float("nan")
    else:
        workers = "1" if name == "ours, 1 worker" else "all"
        args = [
            aws.endpoint_url,
            f"s3://{BUCKET}/{ARCHIVE}",
            run.run_id,
            f"s3://{BUCKET}/{OUTPUTS[name]}",
            workers,
        ]
        done = subprocess.run([sys.executable, "-c", OURS, *args], capture_output=True, text=True, check=True)
        out = json.loads(done.stdout.splitlines()[-1])
        cpu = out["cpu"]
    run.server_cpu[name].append(process_cpu(aws.server_pid) - server_cpu)
    requests = aws.request_counts(reset=True)
    assert run.requests.get(name, requests) == requests, f"{name}: requests differ between rounds"
    run.requests[name] = requests
    run.seconds[name].append(out["seconds"])
    run.cpu[name].append(cpu)


def process_cpu(pid: int | None) -> float:
    """CPU seconds a process has used so far (Linux); 0 without one."""
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/stat") as stat:
        utime, stime = stat.read().rpartition(")")[2].split()[11:13]
    return (int(utime) + int(stime)) / os.sysconf("SC_CLK_TCK")


def good_outputs(s3: Any, run: Run, name: str) -> list[bytes]:
    """The decompressed good output objects measure ``name`` wrote for ``run``, in key order."""
    prefix = OUTPUTS[name] + run.folder + "good/"
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)["Contents"]
    keys = sorted(obj["Key"] for obj in listing)
    return [decompress(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read(), "gzip") for key in keys]


def output_events(s3: Any, run: Run, name: str) -> list[Any]:
    """Every event measure ``name`` wrote for ``run``, in order."""
    return [json.loads(line) for data in good_outputs(s3, run, name) for line in data.splitlines()]


def same_events(s3: Any, run: Run) -> bool:
    """Whether every output of the run holds the SDK's events, in order."""
    theirs = output_events(s3, run, "sdk")
    ours = [output_events(s3, run, m) for m in MEASURES[1:]]
    return len(theirs) == run.parts * run.lines_per_part and all(events == theirs for events in ours)


def best_cpu(action: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.process_time()
        action()
        times.append(time.process_time() - started)
    return min(times)


def codec_shares(s3: Any, run: Run) -> tuple[float, float]:
    """CPU of gunzipping the input and of compressing the output, as shares of a 1-worker run's CPU."""
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix=run.run_id)["Contents"]
    inputs = [s3.get_object(Bucket=BUCKET, Key=obj["Key"])["Body"].read() for obj in listing]
    outputs = good_outputs(s3, run, "ours, 1 worker")

    def gunzip() -> None:
        for data in inputs:
            reader = open_gzip_reader(io.BytesIO(data))
            while reader.read(WRITE_BLOCK):
                pass

    def compress() -> None:
        for data in outputs:
            with open_writer(io.BytesIO(), "gzip") as writer:
                for start in range(0, len(data), WRITE_BLOCK):
                    writer.write(data[start : start + WRITE_BLOCK])

    run_cpu = statistics.median(run.cpu["ours, 1 worker"])
    return best_cpu(gunzip) / run_cpu, best_cpu(compress) / run_cpu


def report(run: Run, same: bool, shares: tuple[float, float]) -> bool:
    """The run's table and its checks; True if every target that applies to it holds."""
    events = run.parts * run.lines_per_part
    print(f"## {run.label} ({events:,} events, {run.input_bytes / 1e6:.1f} MB of gzip in)\n")
    rows = []
    for name in MEASURES:
        per_round = run.ratios("sdk", name)
        cpu = run.cpu[name]
        rows.append(
            [
                name,
                f"{statistics.median(run.seconds[name]):.3f} ({min(run.seconds[name]):.3f})",
                "" if name == "sdk" else f"{statistics.median(cpu):.3f}",
                f"{statistics.median(run.server_cpu[name]):.3f}",
                format_requests(run.requests[name]),
                ""
                if name == "sdk"
                else f"{statistics.median(per_round):.1f}x ({min(per_round):.1f}-{max(per_round):.1f})",
            ]
        )
    print_table(
        [
            "implementation",
            "wall s median (best)",
            "CPU s, our processes",
            "CPU s, local endpoint",
            "requests by operation",
            "SDK/ours (rounds)",
        ],
        rows,
    )
    cores = run.ratios("ours, 1 worker", "ours, default")
    gunzip, compress = shares
    print(
        f"ours default ({workers_label(run)}) / ours 1 worker: {statistics.median(cores):.2f}x (rounds {min(cores):.2f}-{max(cores):.2f});"
        f" gunzip {gunzip:.1%} and compression {compress:.1%} of a 1-worker run's CPU\n"
    )
    ok = check(f"{run.label}: events", same, "every output holds the SDK's events, in order")
    applies = run.parts >= TARGET_MIN_PARTS
    scope = "" if applies else " (informational: the targets are for runs of 6+ parts)"
    speedup = statistics.median(run.ratios("sdk", "ours, default"))
    passed = check(
        f"{run.label}: vs SDK{scope}", speedup >= TARGET_SDK, f"{speedup:.1f}x (target >= {TARGET_SDK:.0f}x)"
    )
    cores_ok = check(
        f"{run.label}: default ({workers_label(run)}) vs 1 worker{scope}",
        statistics.median(cores) >= TARGET_CORES,
        f"{statistics.median(cores):.2f}x (target >= {TARGET_CORES}x)",
    )
    share_ok = check(
        f"{run.label}: compression share",
        compress <= TARGET_COMPRESSION_SHARE,
        f"{compress:.1%} of the run's CPU, {gunzip + compress:.1%} with the input's gunzip (target <= 15%)",
    )
    print()
    return ok and share_ok and (not applies or (passed and cores_ok))


def busy_share(seconds: float = 1.0) -> float:
    """The share of the machine's CPU time that was not idle over the next ``seconds`` (Linux)."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            ticks = [int(n) for n in stat.readline().split()[1:]]
        return sum(ticks), ticks[3] + ticks[4]  # all, idle + iowait

    total, idle = sample()
    time.sleep(seconds)
    total_after, idle_after = sample()
    return 1 - (idle_after - idle) / max(1, total_after - total)


def wait_until_quiet(share: float, patience: float = 600.0) -> float:
    """Wait until less than ``share`` of the CPU is busy (or ``patience`` s passed); the share then."""
    deadline = time.monotonic() + patience
    while (busy := busy_share()) >= share and time.monotonic() < deadline:
        time.sleep(2)
    return busy


def workers_label(run: Run) -> str:
    return f"{run.default_workers} worker{'s' * (run.default_workers > 1)}"


def parse_runs(text: str) -> list[Run]:
    """``"1x2000,8x6000"`` -> runs of 1 part of 2,000 events and of 8 parts of 6,000."""
    runs = []
    for item in text.split(","):
        parts, _, lines = item.strip().partition("x")
        runs.append(Run(int(parts), int(lines.replace("_", ""))))
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=parse_runs, default=parse_runs("1x2000,1x12000,2x2000,6x2000,8x2000,8x12000")
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--strict", action="store_true", help="exit with 1 when a target is missed")
    parser.add_argument(
        "--quiet",
        type=float,
        default=0.35,
        metavar="SHARE",
        help="before each run's measures, wait (up to 10 min) until other work keeps less than this"
        " share of the machine's CPU busy (default 0.35; 1 to never wait)",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    print_header("Whole-run processing: ours vs the Snowplow SDK 0.2.3 loop")
    print(f"gzip by {gzip_implementation()}; this process may use {available_cpus()} CPUs\n")
    with LocalAws() as aws:
        s3 = aws.client("s3")
        archive = Archive.create(s3, BUCKET, ARCHIVE)
        for index, run in enumerate(args.runs):
            seed(archive, run, index)
        busy_at_start = []
        for round_number in range(args.rounds):
            shift = round_number % len(MEASURES)
            for run in args.runs:
                busy_at_start.append(wait_until_quiet(args.quiet))
                for name in MEASURES[shift:] + MEASURES[:shift]:
                    measure(aws, run, name)
        print(
            f"Other work kept {statistics.median(busy_at_start):.0%} of the CPU busy (median; up to"
            f" {max(busy_at_start):.0%}) when each run's measures began.\n"
        )
        passed = True
        for run in args.runs:
            passed &= report(run, same_events(s3, run), codec_shares(s3, run))
    print_footer(started)
    print(f"{'PASS' if passed else 'FAIL'}: overall")
    return 1 if args.strict and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
