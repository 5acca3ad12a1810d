"""How many parts a run processes at once: what the user says, or as many CPUs as the run keeps busy.

Light to import (no boto3, no transformer): the operator checks ``workers`` with
:func:`check_workers` when a DAG file is parsed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

from airflow_provider_snowplow.errors import InvalidValueError
from airflow_provider_snowplow.validation import positive_int

CGROUP_ROOT = Path("/sys/fs/cgroup")
# Input (as listed: gzip bytes, mostly) that makes a worker worth starting: about 0.35 s of CPU
# on the benchmark machine, what starting one costs. Measured in bench/run_processing.py: a run of
# 2.5 MB took 0.56x the time with 2 workers than with 1; 7.4 MB about the same; 59 MB 1.6x less.
BYTES_PER_WORKER = 4 * 1024 * 1024


def check_workers(value: object) -> int | None:
    """A worker count: a positive whole number, or None for :func:`available_cpus`.

    Raises:
        InvalidValueError: anything else (a rendered template arrives as a string of digits, which
            is fine).
    """
    if value is None:
        return None
    try:
        return positive_int(value)
    except InvalidValueError:
        raise InvalidValueError(
            f"workers must be a positive whole number, or None for every CPU, got {value!r}"
        ) from None


def worker_count(requested: int | None, part_bytes: Sequence[int], cgroup_root: Path = CGROUP_ROOT) -> int:
    """How many parts of a run to process at once: never more than it has parts.

    Args:
        requested: the caller's ``workers``; ``None`` for as many as pay, up to
            :func:`available_cpus`: one per :data:`BYTES_PER_WORKER` of input, so a small run
            is not slowed down by starting processes it cannot keep busy.
        part_bytes: the size of each part, as listed.
        cgroup_root: where the cgroup file system is mounted (tests point it elsewhere).
    """
    if requested is not None:
        return max(1, min(requested, len(part_bytes)))
    paying = sum(part_bytes) // BYTES_PER_WORKER
    return max(1, min(available_cpus(cgroup_root), len(part_bytes), paying))


def available_cpus(cgroup_root: Path = CGROUP_ROOT) -> int:
    """How many CPUs this process may use: its CPU affinity, capped by a cgroup CPU quota.

    A container limited to 1.5 CPUs (``cpu.max`` ``150000 100000``) counts 2, as a limit is a
    share of time, not of cores, and two workers use it fully.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    quota = cgroup_cpu_quota(cgroup_root)
    return max(1, min(cpus, math.ceil(quota))) if quota else cpus


def cgroup_cpu_quota(cgroup_root: Path = CGROUP_ROOT) -> float | None:
    """CPUs' worth of time this cgroup may use: ``cpu.max`` (cgroup v2) or the CFS quota (v1).

    None when unlimited (``max``, ``-1``) or unknown (no cgroup file system, not Linux).
    """
    v2 = _read(cgroup_root / "cpu.max")
    v1 = cgroup_root / "cpu"
    fields = (
        v2.split() if v2 is not None else [_read(v1 / "cpu.cfs_quota_us"), _read(v1 / "cpu.cfs_period_us")]
    )
    try:
        quota, period = int(fields[0]), int(fields[1])  # type: ignore[arg-type]
    except (IndexError, TypeError, ValueError):
        return None
    return quota / period if quota > 0 and period > 0 else None


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None
