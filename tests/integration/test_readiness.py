"""A run folder that is still being copied is never offered: the sensor waits for its marker or its
quiet period, then offers it whole (poke and deferrable), and says meanwhile what it waits for."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from airflow_provider_snowplow.archive.layouts.readiness import ReadinessRule
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing.archive import Archive
from airflow_provider_snowplow.testing.local_aws import LocalAws
from tests.integration.airflow_runs import run_dag

LISTINGS_PER_POKE = 2  # the archive's run folders, then the run's own folder
DEADLINE_SECONDS = 60.0


class SlowCopy(threading.Thread):
    """Writes a run's objects one at a time, as S3DistCp does, each once a poke has seen the last.

    The copy starts once the sensor is polling (it has listed the archive), and a poke has seen an
    object once the server counted the listings of one discovery after it was written: the gaps
    between writes are a poke long, whatever the machine's load before the sensor started.
    ``started_last`` is set just before the last object is written: if the sensor offered the run
    before then, it offered it in part.
    """

    def __init__(self, aws: LocalAws, archive: Archive, timestamp: str, names: list[str]) -> None:
        super().__init__(daemon=True)
        self.aws, self.archive, self.names = aws, archive, names
        self.run_id = archive.run_id(timestamp)
        self.started_last = threading.Event()
        self.pokes_between_writes = 0
        self.error: str | None = None

    def run(self) -> None:
        if not self._wait_for_listings(1):  # the sensor is looking: the copy starts
            self.error = f"the sensor did not list the archive within {DEADLINE_SECONDS:.0f} s"
            return
        self.pokes_between_writes = 0
        for index, name in enumerate(self.names):
            if index == len(self.names) - 1:
                self.started_last.set()
            listed = self.aws.request_counts()["s3:ListObjectsV2"]
            self.archive.s3.put_object(Bucket=self.archive.bucket, Key=self.run_id + name, Body=b"x\n")
            if index < len(self.names) - 1 and not self._wait_for_listings(listed + LISTINGS_PER_POKE):
                self.error = f"no poke listed the run within {DEADLINE_SECONDS:.0f} s after {name}"
                return

    def _wait_for_listings(self, count: int) -> bool:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            if self.aws.request_counts()["s3:ListObjectsV2"] >= count:
                self.pokes_between_writes += 1
                return True
            time.sleep(0.02)
        return False


# How a run folder gets written, and what the sensor must wait for: a job whose committer writes
# the marker last (the marker alone decides), or S3DistCp copying the marker first (the parts still
# arrive, each a poke, a fraction of a second, after the last; the quiet period outlasts that by far).
COPIES = {
    "marker-last": ("0", ["part-00000", "part-00001", "part-00002", "_SUCCESS"], "marker '_SUCCESS'"),
    "marker-first": ("8", ["_SUCCESS", "part-00000", "part-00001", "part-00002"], "a 8 s quiet period"),
}


@pytest.mark.parametrize("copy_kind", sorted(COPIES))
@pytest.mark.parametrize("mode", ["poke", "deferrable"])
def test_a_run_being_copied_is_offered_only_once_complete_and_whole(
    mode: str,
    copy_kind: str,
    sensor_env: Archive,
    aws: LocalAws,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    settle, names, waits_for = COPIES[copy_kind]
    monkeypatch.setenv("SNOWPLOW_SETTLE_SECONDS", settle)
    monkeypatch.setenv("SNOWPLOW_WAIT_SECONDS", str(DEADLINE_SECONDS))
    monkeypatch.setenv("SNOWPLOW_POKE_INTERVAL", "0.2")
    copy = SlowCopy(aws, sensor_env, "2017-04-01-10-00-00", names)
    copy.start()
    outcome = run_dag(f"snowplow_sensor_{mode}")
    assert copy.started_last.is_set(), "the run was offered while it was still being copied"
    copy.join(DEADLINE_SECONDS)
    assert copy.error is None
    assert copy.pokes_between_writes == len(names) - 1, "the sensor poked while the objects arrived"
    assert outcome.xcoms[("wait_for_runs", -1)] == [copy.run_id]
    logs = "".join(capfd.readouterr())
    assert f"{copy.run_id}: newest object" in logs and f"waiting for {waits_for}" in logs
    listed = sensor_env.s3.list_objects_v2(Bucket=sensor_env.bucket, Prefix=copy.run_id)["Contents"]
    assert len(listed) == len(names), "offered whole"


def test_discovery_judges_the_quiet_period_by_the_clock_it_is_given(
    s3: Any,
    dynamodb: Any,
    table: str,
    archive: Archive,
) -> None:
    run = archive.add_run("2017-04-01-10-00-00")
    newest = max(o["LastModified"] for o in s3.list_objects_v2(Bucket=archive.bucket, Prefix=run)["Contents"])
    clock = [newest.timestamp() + 59.5]
    manifest = LoadManifest(
        s3, dynamodb, table, clock=lambda: clock[0], readiness=ReadinessRule(settle_seconds=60)
    )
    early = manifest.find_pending_runs(archive.url)
    assert early.pending == []
    assert [(r.run_id, r.waiting_for, round(r.age_seconds or 0, 1)) for r in early.not_ready] == [
        (run, "a 60 s quiet period", 59.5)
    ]
    clock[0] += 0.5
    assert manifest.find_pending_runs(archive.url).pending == [run]
