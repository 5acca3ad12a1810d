"""The Spark job's bundle: our core in a zip for ``--py-files``, importable where Airflow is not."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from airflow_provider_snowplow.spark import bundle as spark_bundle
from airflow_provider_snowplow.spark.bundle import JobBundleError, build_bundle, main
from tests.support import block_imports

# The Airflow layer and what only it or the worker path uses: none of it is the job's.
NOT_THE_JOBS = ("cli", "hooks", "operators", "sensors", "tasks", "testing", "triggers", "demo", "local_aws")


def test_the_zip_holds_the_job_and_the_core_it_imports_and_nothing_of_the_airflow_layer(
    tmp_path: Path,
) -> None:
    bundle = build_bundle(tmp_path)
    names = zipfile.ZipFile(bundle.zip_path).namelist()
    assert names == sorted(names) and all(name.endswith(".py") for name in names)
    for needed in (
        "__init__.py",
        "processing/__init__.py",
        "spark/job.py",
        "event_transformer/parsers.py",
    ):
        assert f"airflow_provider_snowplow/{needed}" in names
    assert not [n for n in names if n.split("/")[1].removesuffix(".py") in NOT_THE_JOBS]
    assert bundle.script_path.read_bytes() == Path(spark_bundle.__file__).with_name("submit.py").read_bytes()
    assert [r.split(">=")[0] for r in bundle.requirements] == ["boto3", "isal", "orjson"]
    assert bundle.requirements_path.read_text().splitlines()[1:] == list(bundle.requirements)


def test_the_zip_is_the_same_bytes_every_time(tmp_path: Path) -> None:
    first = build_bundle(tmp_path / "a").zip_path.read_bytes()
    assert build_bundle(tmp_path / "b").zip_path.read_bytes() == first


def test_the_job_imports_from_the_zip_where_airflow_cannot_be_imported(tmp_path: Path) -> None:
    bundle = build_bundle(tmp_path)
    code = block_imports("airflow") + (
        f"sys.path.insert(0, {str(bundle.zip_path)!r})\n"
        "import airflow_provider_snowplow.spark.submit as script\n"
        "print(script.__file__)\n"
        "sys.exit(script.main(['--archive-url', 's3://a-b/x/', '--output-url', 's3://a-b/y/']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert done.stdout.startswith(f"{bundle.zip_path}/airflow_provider_snowplow/"), done.stderr
    assert done.returncode == 2 and done.stderr.startswith("error: the Spark job's arguments:")


def test_a_third_party_import_the_bundle_cannot_vouch_for_stops_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(spark_bundle._PROVIDERS, "orjson")
    with pytest.raises(
        JobBundleError, match="it imports orjson, which its environment is not told"
    ) as raised:
        build_bundle(tmp_path)
    assert "\n" not in str(raised.value)
    assert not (tmp_path / spark_bundle.ZIP_NAME).exists()


def test_the_command_writes_the_bundle_and_says_what_the_job_needs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "pyspark of the cluster's Spark" in printed and "orjson>=" in printed and "boto3>=" in printed
    assert f"--py-files {tmp_path / 'out' / spark_bundle.ZIP_NAME}" in printed
    assert main([]) == 2 and capsys.readouterr().err.startswith("usage: python -m ")
