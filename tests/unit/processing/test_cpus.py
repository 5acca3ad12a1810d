"""How many workers a run gets: the CPUs this process may use, within its container's CPU quota."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from airflow_provider_snowplow.processing.cpus import (
    BYTES_PER_WORKER,
    available_cpus,
    cgroup_cpu_quota,
    check_workers,
    worker_count,
)

AFFINITY = len(os.sched_getaffinity(0))


def cgroup(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize(
    ("files", "quota"),
    [
        ({"cpu.max": "150000 100000\n"}, 1.5),
        ({"cpu.max": "max 100000\n"}, None),
        ({"cpu/cpu.cfs_quota_us": "50000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 0.5),
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
        ({"cpu.max": "garbage"}, None),
        ({}, None),
    ],
)
def test_cgroup_quota_is_read_from_v2_or_v1(
    tmp_path: Path, files: dict[str, str], quota: float | None
) -> None:
    assert cgroup_cpu_quota(cgroup(tmp_path, files)) == quota


def test_a_quota_caps_the_affinity_and_rounds_up(tmp_path: Path) -> None:
    assert available_cpus(tmp_path) == AFFINITY  # no cgroup files: the affinity alone
    assert available_cpus(cgroup(tmp_path, {"cpu.max": "50000 100000"})) == 1
    assert available_cpus(cgroup(tmp_path, {"cpu.max": f"{AFFINITY * 100000 + 1} 100000"})) == AFFINITY
    if AFFINITY > 1:
        assert available_cpus(cgroup(tmp_path, {"cpu.max": "100001 100000"})) == 2


def test_available_cpus_follows_this_process_affinity(tmp_path: Path) -> None:
    before = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, {min(before)})
        assert available_cpus(tmp_path) == 1
    finally:
        os.sched_setaffinity(0, before)


@pytest.mark.parametrize(("value", "expected"), [(None, None), (1, 1), (8, 8), ("3", 3)])
def test_workers_accepts_a_count_or_none(value: object, expected: int | None) -> None:
    assert check_workers(value) == expected


@pytest.mark.parametrize("value", [0, -2, "two", 1.5, True, ""])
def test_workers_rejects_anything_else_naming_the_value(value: object) -> None:
    with pytest.raises(
        ValueError, match=f"workers must be a positive whole number, or None for every CPU, got {value!r}"
    ):
        check_workers(value)


def test_a_requested_count_is_capped_by_the_parts_only(tmp_path: Path) -> None:
    cgroup(tmp_path, {"cpu.max": "100000 100000"})  # one CPU: a request may still ask for more
    assert worker_count(4, [1, 1, 1], tmp_path) == 3
    assert worker_count(2, [1, 1, 1], tmp_path) == 2
    assert worker_count(3, [], tmp_path) == 1


def test_by_default_a_run_gets_a_worker_per_share_of_input_up_to_the_cpus(tmp_path: Path) -> None:
    cgroup(tmp_path, {"cpu.max": "400000 100000"})
    expected = min(4, AFFINITY)
    small, big = [BYTES_PER_WORKER // 3] * 6, [BYTES_PER_WORKER] * 6
    assert worker_count(None, small, tmp_path) == 1, "2 MB of input: starting a worker would not pay"
    assert worker_count(None, small + small, tmp_path) == min(2, expected)
    assert worker_count(None, big, tmp_path) == expected
    assert worker_count(None, [BYTES_PER_WORKER * 10], tmp_path) == 1, "one part: one worker"
