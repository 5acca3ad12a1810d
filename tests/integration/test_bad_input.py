"""Bad input at the CLI never reports success, never shows a traceback, and names what to do.

Each test is one of the cases a new user met by hand against the embedded endpoint.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from airflow_provider_snowplow.load_manifests import LoadManifest
from airflow_provider_snowplow.testing.archive import Archive
from airflow_provider_snowplow.testing.local_aws import LocalAws
from tests.integration.cli_runs import Cli, lines

WRITES = {"PutItem", "DeleteItem", "UpdateItem", "TransactWriteItems", "CreateTable", "PutObject"}
# No credential from anywhere: not the environment, not a config file, not instance metadata.
NO_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": None,
    "AWS_SECRET_ACCESS_KEY": None,
    "AWS_SESSION_TOKEN": None,
    "AWS_PROFILE": None,
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
    "AWS_CONFIG_FILE": "/nonexistent/config",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def writes(aws: LocalAws) -> list[str]:
    return [op for op in aws.request_counts() if op.partition(":")[2] in WRITES]


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a failed command (no traceback, no usage block)."""
    assert "Traceback" not in done.stderr, done.stderr
    assert len(lines(done.stderr)) == 1, done.stderr
    return done.stderr.strip()


@pytest.mark.parametrize(
    ("mistype", "says"),
    [
        (lambda run: "/" + run, "drop the leading slash"),
        (lambda run: run.replace("/", "//", 1), "it has an empty path segment '//'"),
        (lambda run: " " + run, "remove the whitespace around it"),
        (lambda run: run + "\n", "remove the whitespace around it"),
    ],
    ids=["leading slash", "double slash", "pasted space", "trailing newline"],
)
def test_run_ids_no_listing_can_return_are_refused_and_nothing_is_written(
    mistype: Callable[[str], str], says: str, cli: Cli, aws: LocalAws, archive: Archive
) -> None:
    run = archive.add_run("2026-01-01-00-00-00")
    bad = mistype(run)
    aws.request_counts(reset=True)
    for command in (("mark-loaded", bad), ("skip", bad), ("unmark", bad, "--yes"), ("release", bad)):
        done = cli(*command)
        assert done.returncode == 2, (command, done.stderr)
        assert says in one_error_line(done) and "loaded" not in done.stdout
    assert aws.request_counts() == {}, "refused before any request"
    assert lines(cli("pending", archive.url).stdout) == [run], "the real run is still pending"


def test_a_run_not_in_the_archive_is_refused_with_archive_url_and_noted_without(
    cli: Cli, aws: LocalAws, archive: Archive, manifest: LoadManifest
) -> None:
    run = archive.add_run("2026-01-01-00-00-00")
    elsewhere = "other/run=2026-01-01-00-00-00/"
    no_folder = archive.run_id("2026-01-02-00-00-00")
    aws.request_counts(reset=True)
    for command in ("mark-loaded", "skip"):
        for missing, says in (
            (elsewhere, "its runs are 'enriched/archive/run="),
            (no_folder, "no object of it is stored there in the enriched-archive layout"),
        ):
            done = cli(command, run, missing, "--archive-url", archive.url)
            assert done.returncode == 2, done.stderr
            assert f"run {missing!r} is not in archive {archive.url}" in one_error_line(done)
            assert says in done.stderr and done.stdout == ""
    assert writes(aws) == [], "nothing is written when one of the runs is not in the archive"
    unchecked = cli("mark-loaded", elsewhere, "--no-archive-check")
    assert unchecked.returncode == 0
    assert unchecked.stderr == "note: runs not checked against any archive (--no-archive-check)\n"
    checked = cli("mark-loaded", run, "--archive-url", archive.url)
    assert (checked.returncode, checked.stdout, checked.stderr) == (0, f"loaded          {run}\n", "")


def test_an_endpoint_url_without_a_scheme_is_a_usage_error(cli: Cli, archive: Archive) -> None:
    done = cli("status", archive.url, connection=["-t", cli.table, "--endpoint-url", "127.0.0.1:45666"])
    assert done.returncode == 2
    assert (
        "argument --endpoint-url: endpoint URL '127.0.0.1:45666' must start with http:// or https://"
        in one_error_line(done)
    )


def test_key_reads_and_writes_on_a_table_keyed_otherwise_say_so(
    cli: Cli, aws: LocalAws, archive: Archive, dynamodb: Any
) -> None:
    dynamodb.create_table(
        TableName="keyed-by-id",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    run = archive.add_run("2026-01-01-00-00-00")
    aws.request_counts(reset=True)
    for command in (
        ("mark-loaded", run, "--no-archive-check"),
        ("unmark", run, "--yes"),
        ("unmark", run),
        ("release", run),
        ("skip", run, "--archive-url", archive.url),
    ):
        done = cli(*command, table="keyed-by-id")
        assert done.returncode == 3, (command, done.stderr)
        assert one_error_line(done) == (
            "error: manifest table 'keyed-by-id' has key schema HASH id (S); a Snowplow load manifest "
            "needs exactly one HASH key RunId of type S: use another table name or create a new table"
        )
    assert writes(aws) == []


def test_missing_credentials_say_how_to_provide_them_and_claim_no_retries(cli: Cli, archive: Archive) -> None:
    remote = ["-t", cli.table, "--region", "eu-west-1", "--endpoint-url", "http://dynamodb.example.invalid"]
    done = cli("status", archive.url, connection=remote, environment=NO_CREDENTIALS)
    assert done.returncode == 3
    line = one_error_line(done)
    assert line.startswith("error: no AWS credentials for ListObjectsV2 on bucket 'acme-snowplow'"), line
    assert "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or a profile" in line
    assert "retries" not in line and "retry" not in line


def test_a_local_endpoint_needs_no_region_or_credentials(cli: Cli, archive: Archive) -> None:
    run = archive.add_run("2026-01-01-00-00-00")
    done = cli("pending", archive.url, environment={**NO_CREDENTIALS, "AWS_DEFAULT_REGION": None})
    assert (done.returncode, lines(done.stdout), done.stderr) == (0, [run], "")


def test_a_misspelt_region_against_the_local_endpoint_is_named_without_pasting_a_page(
    cli: Cli, archive: Archive
) -> None:
    done = cli(
        "status",
        archive.url,
        connection=["-t", cli.table, "--endpoint-url", cli.endpoint_url, "--region", "us-eest-1"],
    )
    assert done.returncode == 3
    line = one_error_line(done)
    assert "answered HTTP 500 with a page that is not an AWS error" in line
    assert line.endswith("region 'us-eest-1' is not one botocore knows: check its spelling")
    assert "<" not in line
    malformed = cli("status", archive.url, connection=["-t", cli.table, "--region", "us east 1"])
    assert malformed.returncode == 2
    assert "region 'us east 1' is not an AWS region name" in one_error_line(malformed)


def test_status_of_a_prefix_without_runs_says_what_is_there_instead(cli: Cli, archive: Archive) -> None:
    archive.add_run("2026-01-01-00-00-00")
    typo = archive.url.replace("archive/", "archve/")
    done = cli("status", typo)
    assert done.returncode == 0
    assert lines(done.stdout)[-1] == (
        f"note            no runs: nothing is stored under {typo}; s3://{archive.bucket}/enriched/ holds the "
        "folder archive/: check the archive URL"
    )
    report = cli.json("pending", typo)
    assert report["pending"] == [] and "holds the folder archive/" in report["hint"]  # type: ignore[index]
    pending = cli("pending", typo)
    assert pending.stdout == "" and pending.stderr.startswith("note: no runs: nothing is stored under")
    run_folder = cli("status", archive.url + "run=2026-01-01-00-00-00/")
    assert f"is itself a run folder: the archive is {archive.url}" in run_folder.stdout


def test_folders_named_like_runs_that_are_not_are_named(cli: Cli, archive: Archive) -> None:
    run = archive.add_run("2026-01-01-00-00-00")
    archive.add_folder("run=2026-13-01-00-00-00/")
    archive.add_folder("run=2026-01-01/")
    archive.add_folder("logs/")
    done = cli("status", archive.url)
    assert "ignored         2  folders named like runs that are not runs" in done.stdout
    assert f"  {archive.prefix}run=2026-13-01-00-00-00/  not a valid run timestamp" in done.stdout
    report = cli.json("status", archive.url)
    assert report["runs"] == 1  # type: ignore[index]
    assert [i["folder"] for i in report["ignored"]] == [  # type: ignore[index]
        f"{archive.prefix}run=2026-01-01/",
        f"{archive.prefix}run=2026-13-01-00-00-00/",
    ]
    pending = cli("pending", archive.url)
    assert lines(pending.stdout) == [run]
    assert (
        f"note: ignored {archive.prefix}run=2026-13-01-00-00-00/: not a valid run timestamp" in pending.stderr
    )


def test_the_local_endpoint_without_moto_says_which_extra_to_install() -> None:
    blocked = (
        "import sys, runpy; sys.modules['moto'] = None; sys.argv = ['local_aws']; "
        "runpy.run_module('airflow_provider_snowplow.testing.local_aws', run_name='__main__')"
    )
    done = subprocess.run(
        [sys.executable, "-c", blocked], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode != 0
    assert done.stderr == (
        "error: the local AWS endpoint needs moto's server, which is not installed: "
        "pip install 'airflow-provider-snowplow[local]' (from a checkout: pip install '.[local]')\n"
    )


def test_an_airflow_connection_whose_endpoint_cannot_work_is_an_exit_3_line(
    cli: Cli, archive: Archive
) -> None:
    connection = '{"conn_type": "aws", "login": "testing", "password": "testing", "extra": {"endpoint_url": "localhost:4566"}}'
    done = cli(
        "status",
        archive.url,
        connection=["-t", cli.table, "--conn-id", "typo"],
        environment={"AIRFLOW_CONN_TYPO": connection},
    )
    assert done.returncode == 3 and "Traceback" not in done.stderr
    assert lines(done.stderr)[-1] == (
        "error: Airflow connection 'typo': endpoint URL 'localhost:4566' must start with http:// or https:// "
        "(for example 'http://127.0.0.1:4566')"
    )
