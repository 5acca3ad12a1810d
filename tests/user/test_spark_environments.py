"""The two environments of the Spark hand-off, each installed as a user installs it, then run for real.

* The Airflow side: the wheel with the ``spark`` extra (the Spark provider, which brings
  pyspark-client, and no full pyspark).
* The job's side: not the wheel at all, but ``pyspark`` and the ``requirements.txt`` that
  ``python -m airflow_provider_snowplow.spark.bundle`` writes beside the job's zip.

Both are the user lane's environments (:mod:`tests.user.envs`), versions .ci/lock/dev.txt's. Each
passes ``uv pip check`` and has no file that two distributions install (every dist-info's RECORD
read). Then each does its part against the moto server: the job environment's ``spark-submit
--py-files snowplow_spark_job.zip spark_submit.py`` processes a seeded run, and ``airflow dags
test`` in the Airflow side's environment hands a run to that ``spark-submit`` through mapped
``SnowplowSparkSubmitRunOperator`` tasks, those of tests/dags/snowplow_mapped_spark_submit.py
(which tests/spark/test_mapped_spark_submit.py runs in the development environment).
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing.archive import Archive
from airflow_provider_snowplow.testing.events import valid_lines
from airflow_provider_snowplow.testing.local_aws import LOCAL_CREDENTIALS, LocalAws
from tests.integration.conftest import manifest  # noqa: F401  (the integration tests' fixture)
from tests.support import OUTPUT_URL, TABLE, output_summary
from tests.user.envs import DEV_LOCK, Lane, UserEnv, file_ownership, lock_pins
from tests.user.runs import TEST_DAGS, UserAirflow, import_errors

pytestmark = pytest.mark.spark

GOOD = [line.encode() + b"\n" for line in valid_lines(30, seed=71)]
BAD = b"not\tan\tenriched\tevent\n"
# A subprocess that runs this long is stuck, not slow: fail with its output instead of hanging.
SUBPROCESS_TIMEOUT = 480


def check_environment(lane: Lane, env: UserEnv) -> None:
    """``uv pip check`` passes, and no file is installed by two distributions."""
    done = lane.pip_check(env)
    assert done.returncode == 0, f"`uv pip check` in {env.name}:\n{done.stdout}{done.stderr}"
    twice = file_ownership(env).collisions
    assert not twice, f"{len(twice)} files owned twice, e.g. {sorted(twice.items())[:3]}"


def run_in(env: UserEnv, command: list[str | Path], cwd: Path, **settings: str) -> str:
    """``command`` in ``env`` with ``settings``; its output, or the test fails with the output's tail."""
    done = env.run(command, cwd=cwd, env=settings, timeout=SUBPROCESS_TIMEOUT)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-4000:]
        pytest.fail(f"{' '.join(map(str, command))} exited {done.returncode}:\n{tail}", pytrace=False)
    return done.stdout


@pytest.fixture(scope="module")
def airflow_side(lane: Lane) -> UserEnv:
    """The wheel with the ``spark`` extra: Airflow, the Amazon and Spark providers, pyspark-client."""
    return lane.env("spark", extras=["spark"])


@pytest.fixture(scope="module")
def bundle(airflow_side: UserEnv, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The job bundle as the installed wheel writes it, and what it printed."""
    out = tmp_path_factory.mktemp("bundle")
    printed = run_in(airflow_side, ["python", "-m", "airflow_provider_snowplow.spark.bundle", out], cwd=out)
    return out, printed


@pytest.fixture(scope="module")
def job_side(lane: Lane, bundle: tuple[Path, str]) -> UserEnv:
    """The job's environment: pyspark (the dev lock's, as a local Spark) and the bundle's requirements."""
    pyspark = f"pyspark=={lock_pins(DEV_LOCK.read_text())['pyspark']}"
    return lane.venv("spark-job", [pyspark, "-r", str(bundle[0] / "requirements.txt")])


@pytest.fixture(scope="module")
def airflow_home(lane: Lane, airflow_side: UserEnv, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An AIRFLOW_HOME with a migrated SQLite metadata DB, for the Airflow side's ``airflow``."""
    return lane.home(airflow_side, tmp_path_factory.mktemp("airflow-home"))


def spark_home(job_side: UserEnv) -> Path:
    """The job environment's Spark installation (pyspark's own bin/, conf and jars)."""
    return job_side.site_packages / "pyspark"


def seed_run(archive: Archive, timestamp: str) -> str:
    return archive.add_run(
        timestamp,
        {"part-00000.gz": gzip.compress(b"".join(GOOD[:20])), "part-00001": b"".join(GOOD[20:]) + BAD},
    )


def test_the_dev_lock_keeps_pyspark_at_the_spark_providers_pyspark_client_version() -> None:
    pins = lock_pins(DEV_LOCK.read_text())
    assert pins["pyspark"] == pins["pyspark-client"], (
        "pyspark and pyspark-client install the same files: pin pyspark (pyproject's dev extra) to the "
        "lock's pyspark-client"
    )


def test_the_spark_extra_is_the_airflow_side_only_and_installs_cleanly(
    lane: Lane, airflow_side: UserEnv
) -> None:
    installed = airflow_side.distributions()
    assert {"airflow-provider-snowplow", "apache-airflow", "apache-airflow-providers-apache-spark"} <= set(
        installed
    )
    assert "pyspark" not in installed, "the spark extra brings no full pyspark beside pyspark-client"
    assert installed["pyspark-client"] == lock_pins(DEV_LOCK.read_text())["pyspark-client"]
    check_environment(lane, airflow_side)


def test_the_job_environment_is_pyspark_and_the_bundles_requirements_and_installs_cleanly(
    lane: Lane, job_side: UserEnv, bundle: tuple[Path, str]
) -> None:
    out, printed = bundle
    assert sorted(p.name for p in out.iterdir()) == [
        "requirements.txt",
        "snowplow_spark_job.zip",
        "spark_submit.py",
    ]
    assert "pyspark" in printed and "boto3" in printed and "orjson" in printed
    installed = job_side.distributions()
    assert {"pyspark", "boto3", "orjson"} <= set(installed)
    assert not {"apache-airflow", "apache-airflow-core", "airflow-provider-snowplow", "pyspark-client"} & set(
        installed
    ), "the job's environment has neither Airflow nor this package: the job comes in the zip"
    check_environment(lane, job_side)


def test_spark_submit_of_the_job_environment_runs_the_bundled_job(
    job_side: UserEnv, bundle: tuple[Path, str], archive: Archive, s3: Any, aws: LocalAws, tmp_path: Path
) -> None:
    out, _ = bundle
    run_id = seed_run(archive, "2017-02-01-00-00-00")
    python = str(job_side.python)
    printed = run_in(
        job_side,
        [
            job_side.bin / "spark-submit",
            "--master",
            "local[2]",
            "--conf",
            "spark.ui.enabled=false",
            "--py-files",
            out / "snowplow_spark_job.zip",
            out / "spark_submit.py",
            "--archive-url",
            archive.url,
            "--run-id",
            run_id,
            "--output-url",
            OUTPUT_URL,
            "--s3-endpoint-url",
            aws.endpoint_url,
            "--region",
            "us-east-1",
        ],
        cwd=tmp_path,
        **LOCAL_CREDENTIALS,
        PYSPARK_PYTHON=python,
        PYSPARK_DRIVER_PYTHON=python,
    )
    [line] = [json.loads(line) for line in printed.splitlines() if line.startswith("{")]
    assert (line["snowplow_run_id"], line["lines"], line["good"], line["bad"]) == (run_id, 31, 30, 1)
    written = output_summary(s3, run_id)
    assert written is not None and written["engine"] == "spark" and written["good"] == 30


@pytest.mark.parametrize(
    ("dag_id", "tasks", "times"),
    [
        # The sensor's run for ``spark``, and the same run again for ``spark_kwargs``.
        ("snowplow_mapped_spark_submit", ("spark", "spark_kwargs"), 1),
        ("snowplow_mapped_spark_group", ("one_run.spark",), 2),
    ],
    ids=["partial", "task-group"],
)
def test_airflow_dags_test_hands_a_mapped_run_to_the_job_environments_spark_submit(
    dag_id: str,
    tasks: tuple[str, ...],
    times: int,
    airflow_side: UserEnv,
    airflow_home: Path,
    job_side: UserEnv,
    archive: Archive,
    s3: Any,
    aws: LocalAws,
    manifest: LoadManifest,  # noqa: F811  (the fixture imported above)
) -> None:
    run_id = seed_run(archive, "2017-02-01-01-00-00")
    airflow = UserAirflow(airflow_side, airflow_home, aws.endpoint_url)
    airflow.add_dags(TEST_DAGS / "snowplow_mapped_spark_submit.py")
    home = spark_home(job_side)
    settings = {
        "AIRFLOW_CONN_SPARK_LOCAL": json.dumps({"conn_type": "spark", "host": "local[2]"}),
        # The Spark installation the connection's spark-submit comes from: the job environment's.
        "SPARK_HOME": str(home),
        "PATH": f"{home / 'bin'}{os.pathsep}{airflow_side.environ()['PATH']}",
        "SNOWPLOW_JOB_PYTHON": str(job_side.python),
        "SNOWPLOW_ARCHIVE_URL": archive.url,
        "SNOWPLOW_OTHER_ARCHIVE_URL": archive.url,
        "SNOWPLOW_OUTPUT_URL": OUTPUT_URL,
        "SNOWPLOW_MANIFEST_TABLE": TABLE,
        # The same run twice: the first task processes and records it, the second finds it recorded.
        "SNOWPLOW_OTHER_RUN_IDS": ",".join([run_id] * times),
    }
    result = airflow.dags_test(dag_id, settings)
    assert not import_errors(result), "\n".join(import_errors(result))
    assert (result.returncode, result.state) == (0, "success"), result
    states = [state for (task, index), state in result.states.items() if task in tasks and index >= 0]
    assert sorted(states) == ["skipped", "success"], (states, result.tail())
    assert result.output.count("Spark-Submit cmd") == 1, "one spark-submit for the run"
    written = output_summary(s3, run_id)
    assert (
        written is not None and written["engine"] == "spark" and (written["lines"], written["bad"]) == (31, 1)
    )
    record = manifest.get_record(run_id)
    assert record is not None and record.status == "LOADED"
    assert manifest.get_claim(run_id) is None
