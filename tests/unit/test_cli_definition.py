"""The CLI's shared definition, its two renderings, and its terminal helpers, without AWS."""

from __future__ import annotations

import argparse
import inspect
import io
import re
from datetime import datetime
from typing import Any

import pytest

from airflow_provider_snowplow.aws.plans import AwsCall, Concurrently, Plan, concurrently
from airflow_provider_snowplow.aws.runners import run_sync
from airflow_provider_snowplow.cli.connect import UsageError, layout
from airflow_provider_snowplow.cli.console import parser as console_parser
from airflow_provider_snowplow.cli.definition import SUBCOMMANDS, cut_off, get_cli_commands
from airflow_provider_snowplow.cli.exit_codes import ExitCode
from airflow_provider_snowplow.cli.terminal import PROGRESS_AFTER_STEPS, Progress, observe
from airflow_provider_snowplow.tasks.base import READINESS, SnowplowManifestTaskMixin, task_layout

RUN = "enriched/archive/run=2017-01-01-00-00-00/"
ARCHIVE = "s3://acme-snowplow/enriched/archive/"
CONNECTION = ["-t", "manifests", "--region", "eu-west-1", "--endpoint-url", "http://localhost:4566"]
ARGV = {
    "create-table": ["--billing-mode", "PROVISIONED"],
    "status": [ARCHIVE, "--json", "--marker", "_DONE", "--settle", "60"],
    "pending": [ARCHIVE, "--max", "3", "--exit-code", "--marker", ""],
    "verify": [ARCHIVE, "--since", "2017-02-01", "--json"],
    "mark-loaded": [RUN, RUN.replace("01-00", "02-00"), "--by", "ops"],
    "unmark": [RUN, "--yes"],
    "skip": ["--before", "2017-02-01", "--archive-url", ARCHIVE, "-y"],
    "release": [RUN],
}


def airflow_parser() -> argparse.ArgumentParser:
    """``airflow`` with only our group, built by Airflow's own parser code."""
    from airflow.cli.cli_config import DefaultHelpParser
    from airflow.cli.cli_parser import _add_command

    parser = DefaultHelpParser(prog="airflow")
    subparsers = parser.add_subparsers(dest="subcommand")
    for command in get_cli_commands():
        _add_command(subparsers, command)
    return parser


def test_the_table_names_every_subcommand_once() -> None:
    assert sorted(ARGV) == sorted(sub.name for sub in SUBCOMMANDS)
    (group,) = get_cli_commands()
    assert group.name == "snowplow"
    assert [c.name for c in group.subcommands] == [sub.name for sub in SUBCOMMANDS]


@pytest.mark.parametrize("name", sorted(ARGV))
def test_both_front_ends_parse_the_same_values(name: str) -> None:
    argv = [name, *ARGV[name], *CONNECTION]
    console = vars(console_parser().parse_args(argv))
    airflow = vars(airflow_parser().parse_args(["snowplow", *argv]))
    handler = console.pop("handler")
    assert console.pop("command") == name
    assert airflow.pop("subcommand") == name
    assert airflow.pop("func").__name__ == handler == name.replace("-", "_")
    assert console == airflow
    assert console["table"] == "manifests" and console["endpoint_url"] == "http://localhost:4566"


def test_option_values_are_converted() -> None:
    args = console_parser().parse_args(
        ["skip", "--before", "2017-02-01T10:30+02:00", "--archive-url", ARCHIVE]
    )
    assert args.before == datetime(2017, 2, 1, 8, 30)
    assert args.run_ids == []
    assert console_parser().parse_args(["pending", ARCHIVE, "--max", "3"]).max_runs == 3
    readiness = console_parser().parse_args(["status", ARCHIVE, "--marker", "done.json", "--settle", "1.5"])
    assert (readiness.marker, readiness.settle) == ("done.json", 1.5)
    defaults = console_parser().parse_args(["pending", ARCHIVE])
    assert (defaults.marker, defaults.settle) == (None, None), "left out: the layout's own"
    assert console_parser().parse_args(["verify", ARCHIVE, "--since", "2017-02-01"]).since == datetime(
        2017, 2, 1
    )


# Values for every layout argument the operators take, in the combinations a layout reads together.
LAYOUT_VALUES: list[dict[str, Any]] = [
    {"layout": "enriched-archive", "ready_marker": "_DONE", "settle_seconds": 5.0},
    {"layout": "transformer-output", "ready_marker": "", "settle_seconds": 30.0},
    {"layout": "s3-loader", "grace_seconds": 60.0, "filename_prefix": "pre-"},
    {"layout": "s3-loader", "partition_format": "date={yyyy}-{MM}-{dd}/hour={HH}", "grace_seconds": 0.0},
]
TASK_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(SnowplowManifestTaskMixin.__init__).parameters.items()
    if name in {argument.name for argument in READINESS}
}


@pytest.mark.parametrize("name", ["status", "pending"])
def test_the_cli_takes_every_layout_argument_the_operators_take(name: str) -> None:
    """Derived from the operators' table: a new layout argument without a CLI option fails here."""
    (sub,) = [sub for sub in SUBCOMMANDS if sub.name == name]
    taken = [option.task_argument for option in sub.options if option.task_argument]
    assert sorted(taken) == sorted(argument.name for argument in READINESS)
    assert set(TASK_DEFAULTS) == set(taken), "every layout argument has a default on the operators"
    assert {name for values in LAYOUT_VALUES for name in values} == set(taken), "every one is tried below"


@pytest.mark.parametrize("values", LAYOUT_VALUES, ids=lambda values: "-".join(sorted(values)))
@pytest.mark.parametrize("name", ["status", "pending"])
def test_each_layout_option_makes_the_layout_the_operators_make(name: str, values: dict[str, Any]) -> None:
    (sub,) = [sub for sub in SUBCOMMANDS if sub.name == name]
    argv = [name, ARCHIVE]
    for option in sub.options:
        if option.task_argument in values:
            argv += [option.flags[-1], str(values[option.task_argument])]
    made = layout(console_parser().parse_args(argv))
    assert made == task_layout(**{**TASK_DEFAULTS, **values})
    assert made.describe() == task_layout(**{**TASK_DEFAULTS, **values}).describe()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--layout", "s3-loader", "--marker", "_SUCCESS"],
            "--marker applies to folder layouts only (a run is ready by its window), not to s3-loader",
        ),
        (
            ["--layout", "transformer-output", "--grace", "60", "--filename-prefix", "pre-"],
            "--grace and --filename-prefix apply to the s3-loader layout only, not to transformer-output",
        ),
    ],
)
def test_options_of_another_layout_are_refused_not_ignored(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        layout(console_parser().parse_args(["status", ARCHIVE, *argv]))


def test_a_left_out_readiness_option_keeps_the_layout_s_own() -> None:
    sealed = layout(
        console_parser().parse_args(["status", ARCHIVE, "--layout", "transformer-output", "--settle", "0"])
    )
    assert sealed.readiness.marker == "shredding_complete.json", "--settle alone keeps the seal"
    enriched = layout(console_parser().parse_args(["status", ARCHIVE, "--settle", "0"]))
    assert (enriched.readiness.marker, enriched.readiness.settle_seconds) == ("_SUCCESS", 0.0)


def test_every_command_lists_its_exit_codes_in_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    for sub in SUBCOMMANDS:
        with pytest.raises(SystemExit):
            console_parser().parse_args([sub.name, "--help"])
        shown = " ".join(capsys.readouterr().out.split())
        listed = [
            int(code)
            for code in ExitCode
            if f"; {int(code)} " in shown or f"exit codes: {int(code)} " in shown
        ]
        assert listed == [int(code) for code in sub.all_exit_codes], sub.name


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--settle", "-1"], "argument --settle: must be a number of seconds, zero or more, got '-1'"),
        (["--settle", "soon"], "argument --settle: must be a number of seconds, zero or more, got 'soon'"),
        (["--marker", "/_SUCCESS"], "argument --marker: must be an object name relative to the run folder"),
        (["--marker", "a b"], "argument --marker: must be an object name relative to the run folder"),
    ],
)
def test_bad_readiness_options_are_usage_errors_naming_the_option(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        console_parser().parse_args(["status", ARCHIVE, *argv])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2017-02-01", datetime(2017, 2, 1)),
        ("2017-02-01 10:30:00", datetime(2017, 2, 1, 10, 30)),
        ("2017-02-01T10:30:00Z", datetime(2017, 2, 1, 10, 30)),
        ("2017-02-01-10-30-00", datetime(2017, 2, 1, 10, 30)),
        ("run=2017-02-01-10-30-00", datetime(2017, 2, 1, 10, 30)),
    ],
)
def test_cut_off_accepts_dates_iso_and_run_folder_times(text: str, moment: datetime) -> None:
    assert cut_off(text) == moment


@pytest.mark.parametrize("text", ["yesterday", "2017-13-01", "2017-02-30-00-00-00", ""])
def test_cut_off_refuses_other_text(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="is not a date"):
        cut_off(text)


def test_progress_waits_for_long_work_and_erases_itself() -> None:
    stream = io.StringIO()
    with Progress("requests", total=20, stream=stream, enabled=True) as progress:
        for _ in range(PROGRESS_AFTER_STEPS - 1):
            progress.step()
        assert stream.getvalue() == ""
        for _ in range(20 - PROGRESS_AFTER_STEPS + 1):
            progress.step()
    before, first, *drawn, erased, after = stream.getvalue().split("\r")
    assert (before, after) == ("", "")
    assert first.startswith(f"requests: {PROGRESS_AFTER_STEPS}/20 (")
    assert drawn[-1].startswith("requests: 20/20 (")
    assert erased == " " * len(drawn[-1])


def test_progress_stays_silent_when_disabled() -> None:
    stream = io.StringIO()
    with Progress("requests", stream=stream, enabled=False) as progress:
        for _ in range(100):
            progress.step()
    assert stream.getvalue() == ""


class Conflict(Exception):
    pass


def conditional_write() -> Plan[str]:
    try:
        yield AwsCall("dynamodb", "put_item", {"TableName": "t"})
    except Conflict:
        yield AwsCall("dynamodb", "get_item", {"TableName": "t"})
        return "held"
    return "written"


def test_observe_reports_calls_and_lets_the_plan_handle_errors() -> None:
    seen: list[str] = []
    plan = observe(conditional_write(), lambda call: seen.append(call.method))
    assert next(plan) == AwsCall("dynamodb", "put_item", {"TableName": "t"})
    assert plan.throw(Conflict()) == AwsCall("dynamodb", "get_item", {"TableName": "t"})
    with pytest.raises(StopIteration) as done:
        plan.send({})
    assert (done.value.value, seen) == ("held", ["put_item", "get_item"])


def test_observe_passes_unhandled_errors_through_unchanged() -> None:
    error = RuntimeError("boom")

    def one_call() -> Plan[None]:
        yield AwsCall("s3", "list_objects_v2")

    plan = observe(one_call(), lambda call: None)
    next(plan)
    with pytest.raises(RuntimeError) as raised:
        plan.throw(error)
    assert raised.value is error


def test_observe_reports_the_calls_of_concurrent_sub_plans_too() -> None:
    def listing(prefix: str) -> Plan[str]:
        yield AwsCall("s3", "list_objects_v2", {"Prefix": prefix})
        return prefix

    def listings() -> Plan[list[str]]:
        return (yield from concurrently([listing("a/"), listing("b/")], 2))

    seen: list[str] = []
    plan = observe(listings(), lambda call: seen.append(call.params["Prefix"]))
    step = next(plan)
    assert isinstance(step, Concurrently) and step.limit == 2
    results = [
        run_sync(sub, {"s3": type("S3", (), {"list_objects_v2": lambda self, **_: {}})()})
        for sub in step.plans
    ]
    with pytest.raises(StopIteration) as done:
        plan.send(results)  # type: ignore[arg-type]
    assert (done.value.value, sorted(seen)) == (["a/", "b/"], ["a/", "b/"])
