"""How many worker processes a run may use: the CPUs this process may run on, or what the user says.

Light to import (no boto3, no transformer): the operator checks ``workers`` with
:func:`check_workers` when a DAG file is parsed.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def check_workers(value: object) -> int | None:
    """A worker count: a positive whole number, or None for :func:`available_cpus`.

    Raises:
        ValueError: anything else (a rendered template arrives as a string of digits, which is fine).
    """
    if value is None:
        return None
    digits = str(value).strip()
    if isinstance(value, bool | float) or not digits.isdigit() or int(digits) < 1:
        raise ValueError(f"workers must be a positive whole number, or None for every CPU, got {value!r}")
    return int(digits)


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
