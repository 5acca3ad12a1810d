"""The two environments of the Spark hand-off, each installed as a user installs it, then run for real.

* The Airflow side: the wheel with the ``spark`` extra (the Spark provider, which brings
  pyspark-client, and no full pyspark).
* The job's side: not the wheel at all, but ``pyspark`` and the ``requirements.txt`` that
  ``python -m airflow_provider_snowplow.spark.bundle`` writes beside the job's zip.

Each passes ``uv pip check`` and has no file that two distributions install (every dist-info's
RECORD read). Then each does its part against the moto server: the job environment's
``spark-submit --py-files snowplow_spark_job.zip spark_submit.py`` processes a seeded run, and
``airflow dags test`` in the Airflow side's environment hands a run to that ``spark-submit``
through mapped ``SnowplowSparkSubmitRunOperator`` tasks. Versions are .ci/lock/dev.txt's.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections import defaultdict
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_snowplow.archive.urls import parse_output_url
from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.processing.run import output_folder, read_summary
from airflow_provider_snowplow.testing.archive import Archive
from airflow_provider_snowplow.testing.events import valid_lines
from airflow_provider_snowplow.testing.local_aws import LocalAws
from tests.integration.conftest import manifest  # noqa: F401  (the integration tests' fixture)
from tests.support import OUTPUT_URL, TABLE, aws_connection_json

pytestmark = pytest.mark.spark

REPO = Path(__file__).resolve().parents[2]
DEV_LOCK = REPO / ".ci" / "lock" / "dev.txt"
DAGS = Path(__file__).parent / "spark_dags"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.MULTILINE)
GOOD = [line.encode() + b"\n" for line in valid_lines(30, seed=71)]
BAD = b"not\tan\tenriched\tevent\n"
# A subprocess that runs this long is stuck, not slow: fail with its output instead of hanging.
SUBPROCESS_TIMEOUT = 480


def uv_command() -> list[str]:
    """uv as ./dev finds it: on PATH, importable, or in .venv-uv (which ./dev setup installs)."""
    found = shutil.which("uv")
    if found:
        return [found]
    probe = subprocess.run([sys.executable, "-m", "uv", "--version"], capture_output=True, check=False)
    if probe.returncode == 0:
        return [sys.executable, "-m", "uv"]
    local = REPO / ".venv-uv" / "bin" / "uv"
    if local.exists():
        return [str(local)]
    pytest.fail("uv is not on PATH, importable or in .venv-uv: run ./dev setup", pytrace=False)


def lock_pins() -> dict[str, str]:
    """The versions of .ci/lock/dev.txt by normalised name."""
    return {
        re.sub(r"[-_.]+", "-", name).lower(): version for name, version in PIN.findall(DEV_LOCK.read_text())
    }


def run(command: Sequence[str | Path], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a command to its end; fail the test with its output's tail if it fails."""
    done = subprocess.run(
        [str(c) for c in command],
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
        **kwargs,
    )
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-4000:]
        pytest.fail(f"{' '.join(map(str, command))} exited {done.returncode}:\n{tail}", pytrace=False)
    return done


def site_packages(venv: Path) -> Path:
    return venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"


def distributions(venv: Path) -> dict[str, str]:
    """Installed distributions, normalised name -> version, from the dist-info folder names."""
    found = {}
    for info in site_packages(venv).glob("*.dist-info"):
        name, _, version = info.name.removesuffix(".dist-info").partition("-")
        found[re.sub(r"[-_.]+", "-", name).lower()] = version
    return found


def files_owned_twice(venv: Path) -> dict[str, list[str]]:
    """Every file that more than one distribution's RECORD lists, with those distributions."""
    site = site_packages(venv)
    owners: dict[str, list[str]] = defaultdict(list)
    for record in sorted(site.glob("*.dist-info/RECORD")):
        with record.open(newline="") as rows:
            for row in csv.reader(rows):
                if row:
                    owners[os.path.normpath(site / row[0])].append(record.parent.name)
    return {path: dists for path, dists in owners.items() if len(dists) > 1}


def check_environment(uv: list[str], venv: Path) -> None:
    """``uv pip check`` passes, and no file is installed by two distributions."""
    run([*uv, "pip", "check", "--python", venv / "bin" / "python"])
    twice = files_owned_twice(venv)
    assert not twice, f"{len(twice)} files owned twice, e.g. {sorted(twice.items())[:3]}"


def run_uv(uv: list[str], *arguments: str | Path) -> None:
    """A uv command, from uv's cache alone if it can (./dev setup filled it), else from the index.

    Offline first because an index's answers can look modified to uv at every request (pyspark is
    an sdist: uv would download and build it again, a minute each time).
    """
    offline = subprocess.run(
        [*uv, *map(str, arguments), "--offline"],
        capture_output=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )
    if offline.returncode != 0:
        run([*uv, *arguments])


def make_venv(uv: list[str], venv: Path, constraints: Path, *requirements: str | Path) -> Path:
    """A venv of ``requirements`` (pip arguments), constrained to the dev lock's versions."""
    run([*uv, "venv", "--quiet", "--python", sys.executable, venv])
    run_uv(
        uv, "pip", "install", "--quiet", "--python", venv / "bin" / "python", "-c", constraints, *requirements
    )
    return venv


@pytest.fixture(scope="module")
def uv() -> list[str]:
    return uv_command()


@pytest.fixture(scope="module")
def constraints(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """.ci/lock/dev.txt as a constraints file: its pins without hashes."""
    path = tmp_path_factory.mktemp("constraints") / "dev-constraints.txt"
    path.write_text("".join(f"{name}=={version}\n" for name, version in PIN.findall(DEV_LOCK.read_text())))
    return path


@pytest.fixture(scope="module")
def wheel(uv: list[str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    run_uv(uv, "build", "--wheel", "--quiet", "--out-dir", out, REPO)
    [built] = out.glob("airflow_provider_snowplow-*.whl")
    return built


@pytest.fixture(scope="module")
def airflow_side(
    uv: list[str], wheel: Path, constraints: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The wheel with the ``spark`` extra: Airflow, the Amazon and Spark providers, pyspark-client."""
    return make_venv(uv, tmp_path_factory.mktemp("airflow-side") / "venv", constraints, f"{wheel}[spark]")


@pytest.fixture(scope="module")
def bundle(airflow_side: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The job bundle as the installed wheel writes it, and what it printed."""
    out = tmp_path_factory.mktemp("bundle")
    printed = run(
        [airflow_side / "bin" / "python", "-m", "airflow_provider_snowplow.spark.bundle", out],
        cwd=out,
    ).stdout
    return out, printed


@pytest.fixture(scope="module")
def job_side(
    uv: list[str], bundle: tuple[Path, str], constraints: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The job's environment: pyspark (the dev lock's, as a local Spark) and the bundle's requirements."""
    pyspark = f"pyspark=={lock_pins()['pyspark']}"
    venv = tmp_path_factory.mktemp("job-side") / "venv"
    return make_venv(uv, venv, constraints, pyspark, "-r", bundle[0] / "requirements.txt")


def spark_home(job_side: Path) -> Path:
    """The job environment's Spark installation (pyspark's own bin/, conf and jars)."""
    return site_packages(job_side) / "pyspark"


def clean_environment() -> dict[str, str]:
    """This process's environment without Airflow, Spark or test settings, and without a spark-submit on PATH."""
    path = os.pathsep.join(
        entry for entry in os.environ["PATH"].split(os.pathsep) if not (Path(entry) / "spark-submit").exists()
    )
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AIRFLOW", "PYSPARK", "SPARK_", "SNOWPLOW_"))
        and key not in ("PYTHONPATH", "VIRTUAL_ENV")
    } | {"PATH": path}


@pytest.fixture(scope="module")
def airflow_home(airflow_side: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An AIRFLOW_HOME with a migrated SQLite metadata DB, for the Airflow side's ``airflow``."""
    home = tmp_path_factory.mktemp("airflow-home")
    run([airflow_side / "bin" / "airflow", "db", "migrate"], env=airflow_environment(home), cwd=home)
    return home


def airflow_environment(home: Path) -> dict[str, str]:
    return clean_environment() | {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    }


def summary(s3: Any, run_id: str) -> dict[str, Any] | None:
    output = parse_output_url(OUTPUT_URL)
    return read_summary({"s3": s3}, output.bucket, output_folder(output, run_id))


def seed_run(archive: Archive, timestamp: str) -> str:
    return archive.add_run(
        timestamp,
        {"part-00000.gz": gzip.compress(b"".join(GOOD[:20])), "part-00001": b"".join(GOOD[20:]) + BAD},
    )


def test_the_dev_lock_keeps_pyspark_at_the_spark_providers_pyspark_client_version() -> None:
    pins = lock_pins()
    assert pins["pyspark"] == pins["pyspark-client"], (
        "pyspark and pyspark-client install the same files: pin pyspark (pyproject's dev extra) to the "
        "lock's pyspark-client"
    )


def test_the_spark_extra_is_the_airflow_side_only_and_installs_cleanly(
    uv: list[str], airflow_side: Path
) -> None:
    installed = distributions(airflow_side)
    assert {"airflow-provider-snowplow", "apache-airflow", "apache-airflow-providers-apache-spark"} <= set(
        installed
    )
    assert "pyspark" not in installed, "the spark extra brings no full pyspark beside pyspark-client"
    assert installed["pyspark-client"] == lock_pins()["pyspark-client"]
    check_environment(uv, airflow_side)


def test_the_job_environment_is_pyspark_and_the_bundles_requirements_and_installs_cleanly(
    uv: list[str], job_side: Path, bundle: tuple[Path, str]
) -> None:
    out, printed = bundle
    assert sorted(p.name for p in out.iterdir()) == [
        "requirements.txt",
        "snowplow_spark_job.zip",
        "spark_submit.py",
    ]
    assert "pyspark" in printed and "boto3" in printed and "orjson" in printed
    installed = distributions(job_side)
    assert {"pyspark", "boto3", "orjson"} <= set(installed)
    assert not {"apache-airflow", "apache-airflow-core", "airflow-provider-snowplow", "pyspark-client"} & set(
        installed
    ), "the job's environment has neither Airflow nor this package: the job comes in the zip"
    check_environment(uv, job_side)


def test_spark_submit_of_the_job_environment_runs_the_bundled_job(
    job_side: Path, bundle: tuple[Path, str], archive: Archive, s3: Any, aws: LocalAws, tmp_path: Path
) -> None:
    out, _ = bundle
    run_id = seed_run(archive, "2017-02-01-00-00-00")
    python = str(job_side / "bin" / "python")
    done = run(
        [
            job_side / "bin" / "spark-submit",
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
        env=clean_environment() | {"PYSPARK_PYTHON": python, "PYSPARK_DRIVER_PYTHON": python},
        cwd=tmp_path,
    )
    [line] = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert (line["snowplow_run_id"], line["lines"], line["good"], line["bad"]) == (run_id, 31, 30, 1)
    written = summary(s3, run_id)
    assert written is not None and written["engine"] == "spark" and written["good"] == 30


@pytest.mark.parametrize(
    ("dag_file", "dag_id", "task_id"),
    [
        ("snowplow_spark_partial.py", "snowplow_spark_partial", "spark"),
        ("snowplow_spark_task_group.py", "snowplow_spark_task_group", "one_run.spark"),
    ],
    ids=["partial", "task-group"],
)
def test_airflow_dags_test_hands_a_mapped_run_to_the_job_environments_spark_submit(
    dag_file: str,
    dag_id: str,
    task_id: str,
    airflow_side: Path,
    airflow_home: Path,
    job_side: Path,
    archive: Archive,
    s3: Any,
    aws: LocalAws,
    manifest: LoadManifest,  # noqa: F811  (the fixture imported above)
    tmp_path: Path,
) -> None:
    run_id = seed_run(archive, "2017-02-01-01-00-00")
    dags = tmp_path / "dags"
    dags.mkdir()
    shutil.copy(DAGS / dag_file, dags / dag_file)
    home = spark_home(job_side)
    environment = airflow_environment(airflow_home) | {
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW_CONN_AWS_DEFAULT": aws_connection_json(aws.endpoint_url),
        "AIRFLOW_CONN_SPARK_LOCAL": json.dumps({"conn_type": "spark", "host": "local[2]"}),
        # The Spark installation the connection's spark-submit comes from: the job environment's.
        "SPARK_HOME": str(home),
        "SNOWPLOW_JOB_PYTHON": str(job_side / "bin" / "python"),
        "SNOWPLOW_ARCHIVE_URL": archive.url,
        "SNOWPLOW_OUTPUT_URL": OUTPUT_URL,
        "SNOWPLOW_MANIFEST_TABLE": TABLE,
        # The same run twice: the first task processes and records it, the second finds it recorded.
        "SNOWPLOW_RUN_IDS": json.dumps([run_id, run_id]),
    }
    environment["PATH"] = f"{home / 'bin'}{os.pathsep}{environment['PATH']}"
    done = run([airflow_side / "bin" / "airflow", "dags", "test", dag_id], env=environment, cwd=tmp_path)
    with closing(sqlite3.connect(airflow_home / "airflow.db")) as db:
        states = db.execute(
            "SELECT map_index, state FROM task_instance WHERE dag_id = ? AND task_id = ? ORDER BY map_index",
            (dag_id, task_id),
        ).fetchall()
    output = done.stdout + done.stderr
    assert sorted(state for _, state in states) == ["skipped", "success"], (states, output[-3000:])
    assert output.count("Spark-Submit cmd") == 1, "one spark-submit for the run"
    written = summary(s3, run_id)
    assert (
        written is not None and written["engine"] == "spark" and (written["lines"], written["bad"]) == (31, 1)
    )
    record = manifest.get_record(run_id)
    assert record is not None and record.status == "LOADED"
    assert manifest.get_claim(run_id) is None
