"""A run folder that is still being copied is never offered: the sensor waits for its marker or its
quiet period, then offers it whole (poke and deferrable), and says meanwhile what it waits for."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from airflow_provider_snowplow.archive.readiness import ReadinessRule
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing.archive import Archive
from airflow_provider_snowplow.testing.local_aws import LocalAws
from tests.integration.airflow_runs import run_dag

LISTINGS_PER_POKE = 2  # the archive's run folders, then the run's own folder
DEADLINE_SECONDS = 60.0


class SlowCopy(threading.Thread):
    """Writes a run's objects one at a time, as S3DistCp does, each once a poke has seen the last.

    A poke has seen an object once the server counted the listings of one discovery after it was
    written. ``started_last`` is set just before the last object is written: if the sensor offered
    the run before then, it offered it in part.
    """

    def __init__(self, aws: LocalAws, archive: Archive, timestamp: str, names: list[str]) -> None:
        super().__init__(daemon=True)
        self.aws, self.archive, self.names = aws, archive, names
        self.run_id = archive.run_id(timestamp)
        self.started_last = threading.Event()
        self.pokes_between_writes = 0
        self.error: str | None = None

    def run(self) -> None:
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


@pytest.fixture
def sensor_env(
    test_dags: Path, aws_connection: str, table: str, archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> Archive:
    monkeypatch.setenv("SNOWPLOW_ARCHIVE_URL", archive.url)
    monkeypatch.setenv("AIRFLOW_VAR_SNOWPLOW_TABLE", table)
    monkeypatch.setenv("SNOWPLOW_WAIT_SECONDS", str(DEADLINE_SECONDS))
    monkeypatch.setenv("SNOWPLOW_POKE_INTERVAL", "0.2")
    return archive


@pytest.mark.parametrize("mode", ["poke", "deferrable"])
def test_a_run_is_offered_only_once_its_marker_is_written_last(
    mode: str,
    sensor_env: Archive,
    aws: LocalAws,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SNOWPLOW_SETTLE_SECONDS", "0")  # the marker alone decides
    copy = SlowCopy(
        aws, sensor_env, "2017-04-01-10-00-00", ["part-00000", "part-00001", "part-00002", "_SUCCESS"]
    )
    copy.start()
    outcome = run_dag(f"snowplow_sensor_{mode}")
    assert copy.started_last.is_set(), "the run was offered before its marker was written"
    copy.join(DEADLINE_SECONDS)
    assert copy.error is None
    assert copy.pokes_between_writes == 3
    assert outcome.xcoms[("wait_for_runs", -1)] == [copy.run_id]
    logs = "".join(capfd.readouterr())
    assert f"{copy.run_id}: newest object" in logs and "waiting for marker '_SUCCESS'" in logs


@pytest.mark.parametrize("mode", ["poke", "deferrable"])
def test_a_run_is_offered_only_after_its_quiet_period(
    mode: str,
    sensor_env: Archive,
    aws: LocalAws,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    # S3DistCp may copy _SUCCESS first: the marker is there while the parts still arrive, each a
    # poke (a fraction of a second) after the last; the quiet period outlasts that by far.
    monkeypatch.setenv("SNOWPLOW_SETTLE_SECONDS", "8")
    copy = SlowCopy(
        aws, sensor_env, "2017-04-01-10-00-00", ["_SUCCESS", "part-00000", "part-00001", "part-00002"]
    )
    copy.start()
    outcome = run_dag(f"snowplow_sensor_{mode}")
    assert copy.started_last.is_set(), "the run was offered while its part files were still arriving"
    copy.join(DEADLINE_SECONDS)
    assert copy.error is None
    assert outcome.xcoms[("wait_for_runs", -1)] == [copy.run_id]
    assert "waiting for a 8 s quiet period" in "".join(capfd.readouterr())
    s3 = sensor_env.s3
    listed = s3.list_objects_v2(Bucket=sensor_env.bucket, Prefix=copy.run_id)["Contents"]
    assert len(listed) == 4, "offered whole"


def test_discovery_judges_the_quiet_period_by_the_clock_it_is_given(
    s3,
    dynamodb,
    table: str,
    archive: Archive,  # type: ignore[no-untyped-def]
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
