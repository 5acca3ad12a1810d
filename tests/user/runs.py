"""What a user runs in their environment: the local endpoint, the testing kit, ``airflow dags test``.

Every program here runs in a user environment (:class:`~tests.user.envs.UserEnv`), never in the test
process: the local endpoint is the ``[local]`` environment's ``python -m
airflow_provider_snowplow.testing.local_aws``; seeding and reading the manifest are
``tests/user/user_kit.py`` run by the environment's ``python`` (the testing kit and boto3 as
installed there); DAGs run with its ``airflow dags test``, whose outcome is read back from the SQLite
metadata DB it wrote.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airflow_provider_snowplow.testing.local_aws import LOCAL_CREDENTIALS, LocalAws
from tests.user.envs import UserEnv, airflow_settings

HERE = Path(__file__).resolve().parent
USER_KIT = HERE / "user_kit.py"
LANE_DAGS = HERE / "dags"
# The DAG files the development environment runs with dag.test(): the lane runs some of them too.
TEST_DAGS = HERE.parent / "dags"
DAGS_TEST_TIMEOUT = 480.0
POLL_SECONDS = 0.2


class UserEndpoint(LocalAws):
    """The embedded S3 + DynamoDB endpoint, served by a user environment's own python (``[local]``).

    ``-P``: the working directory (the repository, under pytest) is not put on ``sys.path``, so the
    server is the installed package's.
    """

    def __init__(self, env: UserEnv) -> None:
        super().__init__()
        self.env = env

    def server_command(self) -> list[str]:
        return [str(self.env.python), "-P", "-m", "airflow_provider_snowplow.testing.local_aws", "0"]


def aws_environment(endpoint_url: str) -> dict[str, str]:
    """What a user's local test sets: the local credentials, and ``aws_default`` pointing at the endpoint."""
    connection = {
        "conn_type": "aws",
        "login": LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "password": LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "extra": {"endpoint_url": endpoint_url, "region_name": LOCAL_CREDENTIALS["AWS_DEFAULT_REGION"]},
    }
    return {
        **LOCAL_CREDENTIALS,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(connection),
    }


@dataclass(frozen=True)
class Kit:
    """``tests/user/user_kit.py`` in a user environment, against an endpoint; each call returns its JSON."""

    env: UserEnv
    endpoint_url: str
    cwd: Path

    def __call__(self, command: str, *args: str) -> Any:
        done = self.env.run(
            ["python", USER_KIT, command, "--endpoint", self.endpoint_url, *args],
            cwd=self.cwd,
            env=aws_environment(self.endpoint_url),
            timeout=180,
        )
        assert done.returncode == 0, f"user_kit.py {command} failed:\n{done.stdout}\n{done.stderr}"
        return json.loads(done.stdout)


@dataclass
class DagTest:
    """One ``airflow dags test`` and what it left in the metadata DB.

    Attributes:
        dag_id: the DAG.
        returncode: the command's exit code (1 when the DAG run failed).
        output: what it printed (stdout and stderr, as they interleaved).
        state: the DAG run's state (``""`` if it never started).
        states: task instance states by (task id, map index).
        labels: each mapped task instance's label (``map_index_template``) by (task id, map index).
        tries: try numbers by (task id, map index).
        xcoms: return values by (task id, map index).
        reschedules: how often each (task id, map index) was rescheduled.
    """

    dag_id: str
    returncode: int
    output: str
    state: str = ""
    states: dict[tuple[str, int], str] = field(default_factory=dict)
    labels: dict[tuple[str, int], str | None] = field(default_factory=dict)
    tries: dict[tuple[str, int], int] = field(default_factory=dict)
    xcoms: dict[tuple[str, int], Any] = field(default_factory=dict)
    reschedules: dict[tuple[str, int], int] = field(default_factory=dict)

    def mapped(self, task_id: str) -> dict[str, str]:
        """State by label of the mapped instances of ``task_id`` (the label is the run id)."""
        return {
            str(self.labels[key]): state
            for key, state in self.states.items()
            if key[0] == task_id and key[1] >= 0
        }

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output.splitlines()[-lines:])

    def __str__(self) -> str:
        return f"`airflow dags test {self.dag_id}`: exit {self.returncode}, DAG run {self.state!r}; output ends:\n{self.tail()}"


def read_outcome(result: DagTest, database: Path) -> None:
    """Fill ``result`` from the DAG's newest run in the SQLite metadata DB."""
    with sqlite3.connect(database) as db:
        row = db.execute(
            "SELECT run_id, state FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (result.dag_id,)
        ).fetchone()
        if row is None:
            return
        run_id, result.state = row
        where = "WHERE dag_id = ? AND run_id = ?"
        for task_id, map_index, label, state, try_number, ti_id in db.execute(
            f"SELECT task_id, map_index, rendered_map_index, state, try_number, id FROM task_instance {where}",
            (result.dag_id, run_id),
        ):
            key = (task_id, map_index)
            result.states[key], result.labels[key], result.tries[key] = state, label, try_number
            (result.reschedules[key],) = db.execute(
                "SELECT count(*) FROM task_reschedule WHERE ti_id = ?", (ti_id,)
            ).fetchone()
        for task_id, map_index, value in db.execute(
            f"SELECT task_id, map_index, value FROM xcom {where} AND key = 'return_value'",
            (result.dag_id, run_id),
        ):
            result.xcoms[(task_id, map_index)] = json.loads(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class UserAirflow:
    """A user's Airflow: an environment, a private AIRFLOW_HOME (SQLite) and the local endpoint.

    Attributes:
        env: the environment whose ``airflow`` runs.
        home: the AIRFLOW_HOME (its ``dags`` folder is the DAGs folder).
        endpoint_url: the local endpoint ``aws_default`` points at.
    """

    env: UserEnv
    home: Path
    endpoint_url: str

    @property
    def dags(self) -> Path:
        return self.home / "dags"

    def add_dags(self, *files: Path) -> None:
        """Copy DAG files into the DAGs folder, as a user copies a template."""
        for dag_file in files:
            shutil.copyfile(dag_file, self.dags / dag_file.name)

    def environ(self, settings: Mapping[str, str]) -> dict[str, str]:
        return {**airflow_settings(self.home), **aws_environment(self.endpoint_url), **settings}

    def dags_test(
        self,
        dag_id: str,
        settings: Mapping[str, str],
        when: Sequence[tuple[Callable[[str], bool], Callable[[], None]]] = (),
        timeout: float = DAGS_TEST_TIMEOUT,
    ) -> DagTest:
        """``airflow dags test DAG_ID`` with ``settings`` (the DAG files' ``SNOWPLOW_*`` variables).

        ``when``: (condition on the output so far, action) pairs; each action runs once, as soon as
        its condition holds, while the DAG runs (e.g. finish a run once the sensor said it is not
        ready). The command is killed after ``timeout`` seconds (a failure, never a wait that passes).
        """
        log = self.home / f"dags-test-{dag_id}-{time.monotonic_ns()}.log"
        waiting = list(when)
        with log.open("w") as out:
            process = subprocess.Popen(
                [str(self.env.bin / "airflow"), "dags", "test", dag_id],
                cwd=self.home,
                env=self.env.environ(self.environ(settings)),
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,  # its own process group: the task's worker processes go with it
            )
            deadline = time.monotonic() + timeout
            try:
                while process.poll() is None:
                    if time.monotonic() > deadline:
                        raise AssertionError(
                            f"`airflow dags test {dag_id}` still running after {timeout:.0f} s; output ends:\n"
                            + "\n".join(log.read_text().splitlines()[-60:])
                        )
                    if waiting:
                        output = log.read_text()
                        for pair in [p for p in waiting if p[0](output)]:
                            pair[1]()
                            waiting.remove(pair)
                    time.sleep(POLL_SECONDS)
            finally:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=60)
        result = DagTest(dag_id, process.returncode, log.read_text())
        read_outcome(result, self.home / "airflow.db")
        return result


def import_errors(result: DagTest) -> list[str]:
    """The DagBag's lines about DAG files that failed to import (it parses the whole DAGs folder)."""
    return [
        line
        for line in result.output.splitlines()
        if "Error loading DAG from" in line or "Failed to import" in line
    ]


def said_not_ready(run_id: str) -> Callable[[str], bool]:
    """A condition on a DAG's output: the sensor (or its trigger) logged that ``run_id`` is not ready."""

    def condition(output: str) -> bool:
        return any(f"{run_id}: " in line and "waiting for" in line for line in output.splitlines())

    return condition


SENSOR_MODES = ("poke", "reschedule", "deferrable")
SENSOR_DAG = "snowplow_user_sensor_modes"


@dataclass(frozen=True)
class SensorRun:
    """``snowplow_user_sensor_modes`` run once: its outcome, and per mode the runs it should return.

    Attributes:
        result: the DAG test.
        late: per mode, the run that was not ready at the sensor's first look.
        ready: per mode, the runs that were ready from the start, oldest first.
    """

    result: DagTest
    late: dict[str, str]
    ready: dict[str, list[str]]


def run_sensor_modes(airflow: UserAirflow, kit: Kit, root: str, table: str) -> SensorRun:
    """Seed each mode's archives under ``root`` (a run without its marker; two complete), run the DAG.

    Each late run gets its marker once the sensor has logged that it is not ready: its first look
    is over by then, whatever the machine's load, so the run is ready only at a later look.
    """
    airflow.add_dags(LANE_DAGS / f"{SENSOR_DAG}.py")
    waiting = {mode: f"{root}{mode}/waiting/" for mode in SENSOR_MODES}
    spec = [{"archive": waiting[mode], "hours_ago": [1], "marker": False} for mode in SENSOR_MODES] + [
        {"archive": f"{root}{mode}/ready/", "hours_ago": [3, 2]} for mode in SENSOR_MODES
    ]
    seeded = kit("seed", "--spec", json.dumps(spec))
    late = {mode: runs[0] for mode, runs in zip(SENSOR_MODES, seeded[:3], strict=True)}
    ready = dict(zip(SENSOR_MODES, seeded[3:], strict=True))

    def write_marker(mode: str) -> Callable[[], None]:
        return lambda: kit("put", "--archive", waiting[mode], "--run", late[mode], "--name", "_SUCCESS")

    when = [(said_not_ready(late[mode]), write_marker(mode)) for mode in SENSOR_MODES]
    result = airflow.dags_test(
        SENSOR_DAG, {"SNOWPLOW_ARCHIVE_ROOT": root, "SNOWPLOW_MANIFEST_TABLE": table}, when=when
    )
    return SensorRun(result, late, ready)
