"""Whatever is typed at a door, the answer is one line, the documented exit code or exception, and no write.

Hypothesis generates run ids, archive and output URLs, table names, regions, endpoint URLs, dates
and numbers, near misses of valid values among them, for every CLI command (run in-process through
the console entry point) and every argument of every operator (at parse time, and as rendered
before ``execute``). The local endpoint counts requests: input that one of the checks refuses must
never reach a write (or, for operators, any request at all).
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from airflow_provider_snowplow.archive.run_ids import validate_run_in_archive
from airflow_provider_snowplow.archive.urls import parse_archive_url, parse_output_url
from airflow_provider_snowplow.cli.console import main
from airflow_provider_snowplow.errors import SnowplowProviderError
from airflow_provider_snowplow.event_transformer.shapes import check_shape
from airflow_provider_snowplow.manifest.table import validate_table_name
from airflow_provider_snowplow.processing.codecs import check_compression
from airflow_provider_snowplow.processing.cpus import check_workers
from airflow_provider_snowplow.tasks.base import is_templated
from airflow_provider_snowplow.testing.archive import Archive
from airflow_provider_snowplow.testing.local_aws import LocalAws
from airflow_provider_snowplow.validation import (
    boolean,
    optional_string,
    parse_utc_time,
    positive_int,
    positive_number,
    validate_endpoint_url,
)
from tests.support import ARCHIVE_URL, OUTPUT_URL, TABLE

WRITES = {"PutItem", "DeleteItem", "UpdateItem", "TransactWriteItems", "CreateTable", "PutObject"}
# 4 (declined) cannot happen: every command that asks gets --yes; 6: a write that changed nothing.
EXIT_CODES = {0, 1, 2, 3, 6}
RUNS = [f"enriched/archive/run=2017-01-0{day}-00-00-00/" for day in (1, 2, 3)]
PROPERTY = settings(
    max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def mostly(usual: st.SearchStrategy[Any], other: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``usual`` three times in four: with several arguments, some examples must be all valid."""
    return st.sampled_from([True, True, True, False]).flatmap(lambda pick: usual if pick else other)


# Near misses of a valid run id: what a person pasting or typing one gets wrong.
MISTAKES: list[Callable[[str], str]] = [
    lambda r: "/" + r,
    lambda r: r.replace("/", "//", 1),
    lambda r: " " + r,
    lambda r: r + " ",
    lambda r: r.rstrip("/"),
    lambda r: r.replace("-01-00", "-13-00", 1),
    lambda r: "s3://acme-snowplow/" + r,
    lambda r: r.replace("run=", "RUN="),
    lambda r: "other/" + r.rpartition("/archive/")[2],
    lambda r: r.upper(),
]
run_ids = mostly(
    st.sampled_from(RUNS),
    st.one_of(
        st.builds(lambda mistake, run: mistake(run), st.sampled_from(MISTAKES), st.sampled_from(RUNS)),
        st.from_regex(r"[a-z/ ]{0,12}run=\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}/?", fullmatch=True),
        st.text(max_size=30),
    ),
)
archive_urls = mostly(
    st.just(ARCHIVE_URL),
    st.one_of(
        st.sampled_from(
            ["acme-snowplow/enriched/archive/", "http://acme/x/", "s3://", "s3://a/b//c/", "s3://a b/"]
        ),
        st.builds(
            "s3://{}/{}".format, st.from_regex(r"[a-z0-9.-]{1,12}", fullmatch=True), st.text(max_size=10)
        ),
        st.text(max_size=30),
    ),
)
output_urls = st.one_of(st.just(OUTPUT_URL), archive_urls)
table_names = mostly(
    st.just(TABLE), st.one_of(st.from_regex(r"[A-Za-z0-9_.-]{3,12}", fullmatch=True), st.text(max_size=20))
)
# A region or endpoint of the right shape but pointing nowhere would only make examples wait on
# retries: those are the local ones or malformed ones (wrong shapes are what the checks are about).
_REGION_SHAPE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
regions = st.one_of(
    st.just("us-east-1"), st.text(max_size=15).filter(lambda r: not _REGION_SHAPE.fullmatch(r))
)
numbers = st.one_of(
    st.integers(-5, 10**6).map(str),
    st.sampled_from(["0", "1.5", "ten", "", " 3", "1e3"]),
    st.text(max_size=5),
)
dates = st.one_of(
    st.sampled_from(["2017-01-02", "2017-01-02T12:00:00+02:00", "run=2017-01-02-00-00-00", "2017-02-30"]),
    st.text(max_size=20),
)


# The shape of a run id, written independently of the package's check: segments without
# whitespace or slashes (so no leading slash, no '//'), then run=<a real date and time>/.
_RUN_ID = re.compile(r"(?:[^\s/]+/)*run=(\d{4})-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)/")


def is_run_id(value: object) -> bool:
    match = _RUN_ID.fullmatch(value) if isinstance(value, str) else None
    if match is None or any(segment in (".", "..") for segment in match.group(0).split("/")):
        return False
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        datetime(year, month, day, hour, minute, second)
    except ValueError:
        return False
    return True


def accepts(check: Callable[..., object], *values: object) -> bool:
    try:
        check(*values)
    except (ValueError, SnowplowProviderError):
        return False
    return True


@pytest.fixture
def seeded(aws: LocalAws, archive: Archive, table: str) -> LocalAws:
    for run in RUNS:
        archive.add_run(run.removeprefix(archive.prefix).removeprefix("run=").rstrip("/"))
    return aws


@contextlib.contextmanager
def captured() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


def run_cli(aws: LocalAws, argv: list[str]) -> tuple[int, str, list[str]]:
    """``snowplow-manifest argv`` in this process: exit code, stderr, and the write requests made."""
    aws.request_counts(reset=True)
    with captured() as (_, err):
        code = main(argv)  # any exception escaping main fails the test: that would be a traceback
    made = [op for op in aws.request_counts() if op.partition(":")[2] in WRITES]
    return code, err.getvalue(), made


def connection(aws: LocalAws, table: str, region: str, endpoint: str | None) -> tuple[list[str], bool]:
    """The connection options, and whether every one of them is acceptable."""
    argv = ["-t", table, "--region", region, "--endpoint-url", endpoint or aws.endpoint_url]
    ok = accepts(validate_table_name, table) and bool(_REGION_SHAPE.fullmatch(region))
    return argv, ok and accepts(validate_endpoint_url, endpoint or aws.endpoint_url)


def looks_like_an_option(argv: list[str]) -> bool:
    """argparse reads a value that starts with ``-`` as an option: a usage error of its own."""
    return any(value.startswith("-") and value not in OPTIONS for value in argv)


OPTIONS = {
    "-t",
    "--region",
    "--endpoint-url",
    "--json",
    "--max",
    "--archive-url",
    "--yes",
    "--before",
    "--by",
    "--no-archive-check",
}


def check_outcome(code: int, stderr: str, writes: list[str], valid: bool, argv: list[str]) -> None:
    event(f"{'valid' if valid else 'refused'} input: exit code {code}")
    assert code in EXIT_CODES, (code, stderr)
    assert "Traceback" not in stderr
    if code in (2, 3):
        assert len(stderr.strip().splitlines()) == 1, stderr
        assert "error: " in stderr
    if not valid:
        assert code == 2, (argv, code, stderr)
    elif not looks_like_an_option(argv):
        assert code != 2, (argv, stderr)
    if code == 2:
        assert writes == [], (argv, writes)


endpoints = mostly(
    st.none(),
    st.one_of(
        st.sampled_from(
            ["127.0.0.1:4566", "localhost", "http://", "http://:80", "ftp://x", "http://a b", "http://h:x/"]
        ),
        st.text(max_size=15).filter(lambda e: not e.startswith(("http://", "https://"))),
    ),
)


@PROPERTY
@given(table=table_names, region=regions, endpoint=endpoints)
def test_create_table(seeded: LocalAws, table: str, region: str, endpoint: str | None) -> None:
    conn, ok = connection(seeded, table, region, endpoint)
    argv = ["create-table", *conn]
    check_outcome(*run_cli(seeded, argv), valid=ok, argv=argv)


@PROPERTY
@given(archive_url=archive_urls, table=table_names, region=regions, endpoint=endpoints, as_json=st.booleans())
def test_status(
    seeded: LocalAws, archive_url: str, table: str, region: str, endpoint: str | None, as_json: bool
) -> None:
    conn, ok = connection(seeded, table, region, endpoint)
    argv = ["status", archive_url, *conn, *(["--json"] if as_json else [])]
    code, stderr, writes = run_cli(seeded, argv)
    check_outcome(code, stderr, writes, ok and accepts(parse_archive_url, archive_url), argv)
    assert writes == [], "status only reads"


@PROPERTY
@given(archive_url=archive_urls, table=table_names, region=regions, most=st.none() | numbers)
def test_pending(seeded: LocalAws, archive_url: str, table: str, region: str, most: str | None) -> None:
    conn, ok = connection(seeded, table, region, None)
    argv = ["pending", archive_url, *conn, *(["--max", most] if most is not None else [])]
    code, stderr, writes = run_cli(seeded, argv)
    valid = ok and accepts(parse_archive_url, archive_url) and (most is None or accepts(positive_int, most))
    check_outcome(code, stderr, writes, valid, argv)
    assert writes == [], "pending only reads"


@PROPERTY
@given(
    runs=st.lists(run_ids, min_size=1, max_size=3),
    check=mostly(st.sampled_from(["archive", "unchecked"]), st.sampled_from(["neither", "both"])),
    table=table_names,
    region=regions,
)
def test_mark_loaded(seeded: LocalAws, runs: list[str], check: str, table: str, region: str) -> None:
    conn, ok = connection(seeded, table, region, None)
    in_archive = ["--archive-url", ARCHIVE_URL] if check in ("archive", "both") else []
    unchecked = ["--no-archive-check"] if check in ("unchecked", "both") else []
    argv = ["mark-loaded", *runs, *conn, *in_archive, *unchecked]
    # Exactly one of the two: the archive the runs must be in, or the explicit opt-out.
    valid = ok and all(is_run_id(r) for r in runs) and check in ("archive", "unchecked")
    if check == "archive":
        valid = valid and all(r in RUNS for r in runs)
    check_outcome(*run_cli(seeded, argv), valid=valid, argv=argv)


@PROPERTY
@given(runs=st.lists(run_ids, min_size=1, max_size=3), table=table_names, region=regions)
def test_unmark(seeded: LocalAws, runs: list[str], table: str, region: str) -> None:
    conn, ok = connection(seeded, table, region, None)
    argv = ["unmark", *runs, "--yes", *conn]
    check_outcome(*run_cli(seeded, argv), valid=ok and all(is_run_id(r) for r in runs), argv=argv)


@PROPERTY
@given(
    runs=st.lists(run_ids, max_size=2),
    before=st.none() | dates,
    archive_url=st.none() | archive_urls,
    unchecked=st.booleans(),
    table=table_names,
)
def test_skip(
    seeded: LocalAws,
    runs: list[str],
    before: str | None,
    archive_url: str | None,
    unchecked: bool,
    table: str,
) -> None:
    conn, ok = connection(seeded, table, "us-east-1", None)
    argv = ["skip", *runs, *conn, "--yes"]
    argv += ["--before", before] if before is not None else []
    argv += ["--archive-url", archive_url] if archive_url is not None else []
    argv += ["--no-archive-check"] if unchecked else []
    valid = ok and all(is_run_id(r) for r in runs)
    valid = valid and (before is None or accepts(parse_utc_time, before))
    valid = valid and (archive_url is None or accepts(parse_archive_url, archive_url))
    if before is not None:  # --before needs --archive-url, reads it, and names no run
        valid = valid and archive_url is not None and not runs and not unchecked
    else:  # named runs, each in the archive, or explicitly unchecked: one of the two
        valid = valid and bool(runs) and (archive_url is not None) != unchecked
        if archive_url is not None and valid:
            valid = all(accepts(validate_run_in_archive, r, parse_archive_url(archive_url)) for r in runs)
            valid = valid and (
                parse_archive_url(archive_url).bucket != "acme-snowplow" or set(runs) <= set(RUNS)
            )
    code, stderr, writes = run_cli(seeded, argv)
    if (
        archive_url is not None
        and before is None
        and valid
        and parse_archive_url(archive_url).bucket != "acme-snowplow"
    ):
        assert code in (2, 3)  # another bucket: no such run folder there, or no such bucket
        assert writes == []
        return
    check_outcome(code, stderr, writes, valid, argv)


@PROPERTY
@given(run=run_ids, table=table_names, region=regions)
def test_release(seeded: LocalAws, run: str, table: str, region: str) -> None:
    conn, ok = connection(seeded, table, region, None)
    argv = ["release", run, "--yes", *conn]
    check_outcome(*run_cli(seeded, argv), valid=ok and is_run_id(run), argv=argv)


# ---- operators: every argument, at parse time and as rendered --------------------------------

OPERATORS: dict[str, dict[str, Any]] = {
    "sensor": {"archive_url": ARCHIVE_URL, "table_name": TABLE, "max_runs": 2},
    "transform": {
        "snowplow_run_id": RUNS[0],
        "archive_url": ARCHIVE_URL,
        "output_url": OUTPUT_URL,
        "table_name": TABLE,
        "lease_seconds": 60,
        "fail_on_bad_rows": False,
        "add_geolocation_data": True,
        "shape": "python",
        "workers": None,
        "compression": "gzip",
    },
    "mark": {"snowplow_run_id": RUNS[0], "table_name": TABLE, "release_claim": False},
}


def _checked_by(check: Callable[[Any], object]) -> Callable[[Any], bool]:
    return lambda value: accepts(check, value)


# Whether a value of each argument can work: independent shapes for run ids and regions, the
# package's own checks (tested on their own) for the rest.
IS_VALID: dict[str, Callable[[Any], bool]] = {
    "snowplow_run_id": is_run_id,
    "archive_url": _checked_by(parse_archive_url),
    "output_url": _checked_by(parse_output_url),
    "table_name": _checked_by(validate_table_name),
    "aws_conn_id": _checked_by(optional_string),
    "region_name": lambda value: (
        value is None or (isinstance(value, str) and bool(_REGION_SHAPE.fullmatch(value)))
    ),
    "max_runs": _checked_by(lambda v: None if v in (None, "") else positive_int(v)),
    "lease_seconds": _checked_by(positive_number),
    "fail_on_bad_rows": _checked_by(boolean),
    "add_geolocation_data": _checked_by(boolean),
    "release_claim": _checked_by(boolean),
    "shape": _checked_by(check_shape),
    "workers": _checked_by(check_workers),
    "compression": _checked_by(check_compression),
}
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "snowplow_run_id": run_ids,
    "archive_url": archive_urls,
    "output_url": output_urls,
    "table_name": table_names,
    # Only the local connection and region, or malformed ones: a well-formed one elsewhere would wait.
    "aws_conn_id": st.sampled_from(["aws_default", "", " aws_default", "aws_default\n", 3]),
    "region_name": st.one_of(st.none(), st.just("us-east-1"), regions),
    "max_runs": st.one_of(st.none(), st.integers(-3, 50), numbers, st.floats(allow_nan=True)),
    "lease_seconds": st.one_of(st.integers(-10, 10**6), st.floats(), numbers, st.booleans()),
    "fail_on_bad_rows": st.one_of(
        st.booleans(), st.sampled_from(["True", "false", "yes", "1", ""]), st.integers(0, 2)
    ),
    "add_geolocation_data": st.one_of(st.booleans(), st.sampled_from(["TRUE", "no"]), st.none()),
    "release_claim": st.one_of(st.booleans(), st.sampled_from(["true", "False", "maybe"]), st.none()),
    "shape": st.one_of(
        st.sampled_from(["python", "scala", "Scala", "json", ""]), st.none(), st.integers(0, 2)
    ),
    "workers": st.one_of(st.none(), st.integers(-2, 8), numbers, st.floats(), st.booleans()),
    "compression": st.one_of(
        st.sampled_from(["gzip", "zstd", "GZIP", "lz4", "", " zstd"]), st.none(), st.integers(0, 2)
    ),
}
ARGUMENTS = [
    (kind, name) for kind, given_ in OPERATORS.items() for name in [*given_, "aws_conn_id", "region_name"]
]


def build(kind: str, **arguments: Any) -> Any:
    from airflow_provider_snowplow.operators.manifest import SnowplowMarkRunLoadedOperator
    from airflow_provider_snowplow.operators.transform import SnowplowTransformRunOperator
    from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor

    cls = {
        "sensor": SnowplowPendingRunSensor,
        "transform": SnowplowTransformRunOperator,
        "mark": SnowplowMarkRunLoadedOperator,
    }
    return cls[kind](task_id=kind, **{**OPERATORS[kind], **arguments})


def work(task: Any) -> None:
    """What the task does when it runs (the sensor: one poke), with a minimal context."""
    context: Any = {
        "dag": SimpleNamespace(dag_id="properties"),
        "run_id": "manual__1",
        "ti": SimpleNamespace(task_id=task.task_id, map_index=-1),
    }
    (task.poke if hasattr(task, "poke") else task.execute)(context)


def one_line_from(task_id: str, exc: BaseException) -> None:
    assert isinstance(exc, ValueError | SnowplowProviderError), repr(exc)
    assert "\n" not in str(exc) and str(exc).startswith(f"{task_id}: "), str(exc)


@pytest.mark.parametrize(("kind", "name"), ARGUMENTS, ids=[f"{k}-{n}" for k, n in ARGUMENTS])
@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_operator_arguments(
    kind: str, name: str, data: st.DataObject, seeded: LocalAws, aws_connection: str
) -> None:
    value = data.draw(VALUES[name], label=name)
    valid = IS_VALID[name](value)
    if name == "snowplow_run_id" and kind == "transform" and valid:
        valid = accepts(validate_run_in_archive, value, parse_archive_url(ARCHIVE_URL))
    if name == "archive_url" and kind == "transform" and valid:
        valid = accepts(validate_run_in_archive, RUNS[0], parse_archive_url(value))
    literal = isinstance(value, str | int | float) and not is_templated(value)
    event(f"{'valid' if valid else 'refused'} {'literal' if literal else 'other'}")
    try:
        build(kind, **{name: value})
    except Exception as exc:
        assert literal and not valid, f"{name}={value!r} refused at parse time: {exc}"
        one_line_from(kind, exc)
    else:
        assert valid or not literal, f"{name}={value!r} accepted at parse time"
    # As rendered: the value arrives in place of a template. Valid, it passes the task's checks
    # (running the task is the other tests' business); refused, running the task fails with one
    # line before the hook is built or any request is made.
    task = build(kind, **{name: "{{ params.value }}"})
    setattr(task, name, value)
    if valid:
        task.check_arguments()
        return
    seeded.request_counts(reset=True)
    with pytest.raises(Exception) as raised:
        work(task)
    one_line_from(kind, raised.value)
    assert "hook" not in vars(task), "the hook was built for input that cannot work"
    assert seeded.request_counts() == {}, "a request was made for input that cannot work"
