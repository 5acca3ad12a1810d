"""Importing the package, and using its core, costs no Airflow and (for the package) no boto3."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.support import block_imports

BLOCK_AIRFLOW = block_imports("airflow")


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_the_package_loads_neither_airflow_nor_boto3() -> None:
    loaded = run(
        "import sys, airflow_provider_snowplow, airflow_provider_snowplow.provider_info; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'airflow', 'boto3', 'botocore', 'moto'}))"
    )
    assert loaded == "[]"


def test_the_core_works_where_airflow_cannot_be_imported() -> None:
    code = BLOCK_AIRFLOW + textwrap.dedent(
        """
        import importlib, pkgutil
        import airflow_provider_snowplow as package
        core = (
            "archive", "aws", "errors", "event_transformer", "load_manifests", "manifest", "processing",
            "snowplow_analytics_sdk",
            "validation",
        )
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if info.name.split(".")[1] in core and not info.name.endswith("__main__"):
                importlib.import_module(info.name)
        from airflow_provider_snowplow.archive.urls import parse_archive_url
        print(parse_archive_url("s3a://acme/enriched/archive").prefix)
        """
    )
    assert run(code) == "enriched/archive/"


def test_parsing_a_dag_file_with_our_operators_imports_no_aws_sdk_and_no_spark() -> None:
    loaded = run(
        "import sys\n"
        "from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor\n"
        "from airflow_provider_snowplow.operators.transform import SnowplowTransformRunOperator\n"
        "from airflow_provider_snowplow.operators.manifest import SnowplowMarkRunLoadedOperator\n"
        "from airflow_provider_snowplow.operators.spark import SnowplowSparkSubmitRunOperator\n"
        "from airflow_provider_snowplow.operators.emr_serverless import SnowplowEmrServerlessRunOperator\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'boto3', 'botocore', 'aiobotocore', 'pyspark', 'py4j'}))"
    )
    assert loaded == "[]"


def test_only_the_spark_job_imports_pyspark() -> None:
    code = textwrap.dedent(
        """
        import importlib, pkgutil, sys
        import airflow_provider_snowplow as package
        # forkserver_preload is for the workers' forkserver: importing it makes a boto3 client
        # (whose log lines Airflow's logging would print here); what it imports is imported anyway.
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not info.name.endswith(("__main__", ".spark.job", ".spark_job", ".forkserver_preload")):
                importlib.import_module(info.name)
        print(sorted({m.split('.')[0] for m in sys.modules} & {'pyspark', 'py4j'}))
        """
    )
    assert run(code) == "[]"
