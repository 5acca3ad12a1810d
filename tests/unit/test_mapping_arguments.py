"""Every argument of every task maps with Airflow's idiom: ``.partial()``, ``.expand()``, ``.expand_kwargs()``.

Airflow's mapping checks (``validate_mapping_kwargs``) accept only the arguments of ``__init__``s
built by its operator metaclass, along the class's MRO; the mixins holding our shared arguments
are built by it, so theirs are accepted too, and ``default_args`` fills them like any operator's.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pendulum
import pytest
from airflow.sdk import DAG, BaseOperator, TaskGroup
from airflow.sdk.definitions.mappedoperator import MappedOperator, validate_mapping_kwargs

from airflow_provider_snowplow.errors import ManifestTableError, RunIdError
from airflow_provider_snowplow.operators.emr_serverless import SnowplowEmrServerlessRunOperator
from airflow_provider_snowplow.operators.manifest import SnowplowMarkRunLoadedOperator
from airflow_provider_snowplow.operators.spark import SnowplowSparkSubmitRunOperator
from airflow_provider_snowplow.operators.transform import SnowplowTransformRunOperator
from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor
from airflow_provider_snowplow.tasks.base import RUN_ID_MAP_INDEX_TEMPLATE

RUN = "enriched/archive/run=2017-04-07-10-00-00/"
TABLE = "snowplow-load-manifests"
# A good value of every argument of ours; Airflow's and the Spark provider's are given templates.
VALUES: dict[str, Any] = {
    "snowplow_run_id": RUN,
    "archive_url": "s3://acme/enriched/archive/",
    "output_url": "s3://acme/enriched/json/",
    "table_name": TABLE,
    "aws_conn_id": "aws_default",
    "region_name": "eu-west-1",
    "ready_marker": "_SUCCESS",
    "settle_seconds": 0,
    "layout": "enriched-archive",
    "partition_format": None,
    "grace_seconds": 60,
    "filename_prefix": "",
    # Assets, read when the file is parsed as Airflow's own outlets are: not templated.
    "partitioned_outlets": [],
    "py_files": "s3://acme/snowplow_spark_job.zip",
    "add_geolocation_data": False,
    "shape": "scala",
    "lease_seconds": 600,
    "fail_on_bad_rows": True,
    "workers": 2,
    "compression": "gzip",
    "output_format": "parquet",
    "mark_loaded": False,
    "application_id": "00fabc",
    "execution_role_arn": "arn:aws:iam::123456789012:role/snowplow-spark",
    "entry_point": "s3://acme/spark_submit.py",
    "spark_submit_parameters": "--conf spark.executor.cores=2",
    "execution_timeout_minutes": 30,
    "lease_margin_seconds": 60,
    "waiter_delay": 5,
    "deferrable": False,
    "configuration_overrides": {"monitoringConfiguration": {}},
    "max_runs": 5,
    "processed": None,
    "release_claim": True,
}
# What each task cannot do without (the rest have defaults).
REQUIRED: dict[type[BaseOperator], tuple[str, ...]] = {
    SnowplowPendingRunSensor: ("archive_url", "table_name"),
    SnowplowMarkRunLoadedOperator: ("snowplow_run_id", "table_name"),
    SnowplowTransformRunOperator: ("snowplow_run_id", "archive_url", "output_url", "table_name"),
    SnowplowSparkSubmitRunOperator: ("snowplow_run_id", "archive_url", "output_url", "table_name"),
    SnowplowEmrServerlessRunOperator: (
        "snowplow_run_id",
        "archive_url",
        "output_url",
        "table_name",
        "application_id",
        "execution_role_arn",
        "entry_point",
    ),
}
TASKS = list(REQUIRED)
RUN_TASKS = [cls for cls in TASKS if cls is not SnowplowPendingRunSensor]


def our_arguments(cls: type[BaseOperator]) -> set[str]:
    """The keyword arguments of every ``__init__`` of ours along the class's MRO."""
    return {
        name
        for klass in cls.__mro__
        if klass.__module__.startswith("airflow_provider_snowplow") and "__init__" in vars(klass)
        for name, parameter in inspect.signature(vars(klass)["__init__"]).parameters.items()
        if parameter.kind is parameter.KEYWORD_ONLY
    }


def names(cls: type[BaseOperator]) -> set[str]:
    """Every argument a user can give: the argument table's, our ``__init__``s' and the templated ones."""
    table = {argument.name for argument in cls.arguments}  # type: ignore[attr-defined]
    return table | our_arguments(cls) | set(cls.template_fields)


def value(name: str) -> Any:
    return VALUES.get(name, "{{ params.%s }}" % name)  # noqa: UP031  (a Jinja template, not a format)


@pytest.fixture
def dag() -> Iterator[DAG]:
    with DAG("mapping", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")) as dag:
        yield dag


def test_every_task_is_covered() -> None:
    """Each name the tests below go through is a real argument; none of ours is left out."""
    for cls in TASKS:
        assert names(cls) >= set(REQUIRED[cls])
        assert {name for name in our_arguments(cls) if name not in VALUES} == set(), cls.__name__
    assert {"table_name", "ready_marker", "layout", "snowplow_run_id", "archive_url"} <= names(
        SnowplowTransformRunOperator
    ), "the mixins' arguments are among the transform's"


@pytest.mark.parametrize(
    ("cls", "name"), [(cls, name) for cls in TASKS for name in sorted(names(cls))], ids=str
)
def test_every_argument_is_accepted_by_partial_and_by_expand(cls: type[BaseOperator], name: str) -> None:
    validate_mapping_kwargs(cls, "partial", {name: value(name)})
    validate_mapping_kwargs(cls, "expand", {name: [value(name)]})


@pytest.mark.parametrize("cls", TASKS, ids=lambda cls: cls.__name__)
def test_an_unknown_argument_is_still_refused(cls: type[BaseOperator], dag: DAG) -> None:
    with pytest.raises(
        TypeError, match=rf"{cls.__name__}.partial\(\) got an unexpected keyword argument 'tabel_name'"
    ):
        validate_mapping_kwargs(cls, "partial", {"table_name": TABLE, "tabel_name": TABLE})
    with pytest.raises(
        TypeError, match=rf"{cls.__name__}.expand\(\) got an unexpected keyword argument 'run_id'"
    ):
        validate_mapping_kwargs(cls, "expand", {"run_id": [RUN]})  # Airflow's own (the DAG run), not ours
    with pytest.raises(TypeError, match="unexpected keyword arguments 'bogus', 'other'"):
        cls.partial(task_id="u", bogus=1, other=2)


@pytest.mark.parametrize("cls", TASKS, ids=lambda cls: cls.__name__)
def test_every_argument_goes_through_partial_and_expand_kwargs_to_the_task(
    cls: type[BaseOperator], dag: DAG
) -> None:
    """Half the arguments in ``.partial()``, the other half per mapped task: the task gets them all."""
    given = sorted(names(cls) - {"task_id"})
    in_partial = {name: value(name) for name in given[::2]}
    per_task = {name: value(name) for name in given[1::2]}
    mapped = cls.partial(task_id="t", **in_partial).expand_kwargs([per_task])
    assert isinstance(mapped, MappedOperator)
    task = mapped.unmap(per_task)
    for name, expected in {**in_partial, **per_task}.items():
        assert getattr(task, name) == expected, name


@pytest.mark.parametrize("cls", TASKS, ids=lambda cls: cls.__name__)
def test_the_required_arguments_can_all_be_expanded(cls: type[BaseOperator], dag: DAG) -> None:
    mapped = cls.partial(task_id="t").expand(**{name: [VALUES[name]] for name in REQUIRED[cls]})
    task = mapped.unmap({name: VALUES[name] for name in REQUIRED[cls]})
    assert [getattr(task, name) for name in REQUIRED[cls]] == [VALUES[name] for name in REQUIRED[cls]]


@pytest.mark.parametrize("cls", TASKS, ids=lambda cls: cls.__name__)
def test_a_missing_argument_is_named_as_airflow_names_it(cls: type[BaseOperator], dag: DAG) -> None:
    for missing in REQUIRED[cls]:
        given = {name: VALUES[name] for name in REQUIRED[cls] if name != missing}
        with pytest.raises(TypeError, match=rf"^missing keyword argument '{missing}'$"):
            cls(task_id=f"without_{missing}", **given)


@pytest.mark.parametrize("cls", TASKS, ids=lambda cls: cls.__name__)
def test_default_args_supply_the_mixins_arguments(cls: type[Any]) -> None:
    """The DAG's, a task group's or the task's own ``default_args``, for tasks built or mapped."""
    defaults = {"table_name": "from-default-args", "settle_seconds": 7, "aws_conn_id": "snowplow_aws"}
    given = {name: VALUES[name] for name in REQUIRED[cls] if name != "table_name"}
    expanded, *_ = REQUIRED[cls]
    in_partial = {name: v for name, v in given.items() if name != expanded}
    group_defaults: Any = {"region_name": "eu-west-1"}  # TaskGroup's converter (deepcopy) puzzles mypy
    with DAG("defaults", schedule=None, start_date=pendulum.datetime(2026, 1, 1), default_args=defaults):
        task = cls(task_id="plain", **given)
        with TaskGroup("group", default_args=group_defaults):
            in_group = cls(task_id="in_group", **given)
        mapped = cls.partial(task_id="mapped", **in_partial).expand(**{expanded: [VALUES[expanded]]})
    for built in (task, in_group, mapped.unmap({expanded: VALUES[expanded]})):
        assert (built.table_name, built.settle_seconds, built.aws_conn_id) == (
            "from-default-args",
            7,
            "snowplow_aws",
        )
    assert in_group.region_name == "eu-west-1"
    assert cls(task_id="own", default_args={"table_name": "of-the-task"}, **given).table_name == "of-the-task"
    given_too = cls(task_id="given", table_name="given-table", default_args=defaults, **given)
    assert given_too.table_name == "given-table", "an argument given beats default_args"


def test_a_literal_in_default_args_that_can_never_work_fails_at_parse_time() -> None:
    with pytest.raises(ManifestTableError, match=r"^mark: .*'a' is not a valid DynamoDB table name"):
        SnowplowMarkRunLoadedOperator(task_id="mark", snowplow_run_id=RUN, default_args={"table_name": "a"})


@pytest.mark.parametrize("cls", TASKS, ids=lambda cls: cls.__name__)
def test_xcom_arguments_set_the_upstream_once(cls: type[BaseOperator], dag: DAG) -> None:
    calls: list[str] = []
    original = BaseOperator._set_xcomargs_dependencies

    def counted(task: BaseOperator) -> None:
        calls.append(task.task_id)
        original(task)

    upstream = SnowplowPendingRunSensor(task_id="up", archive_url=VALUES["archive_url"], table_name=TABLE)
    given = {name: VALUES[name] for name in REQUIRED[cls]} | {"table_name": upstream.output}
    with mock.patch.object(BaseOperator, "_set_xcomargs_dependencies", counted):
        task = cls(task_id="down", **given)
    assert calls == ["down"], "once per task, not once per class of its hierarchy"
    assert task.upstream_task_ids == {"up"}
    mapped = cls.partial(task_id="mapped", table_name=upstream.output).expand(
        **{name: [VALUES[name]] for name in REQUIRED[cls] if name != "table_name"}
    )
    assert mapped.upstream_task_ids == {"up"}


@pytest.mark.parametrize("cls", RUN_TASKS, ids=lambda cls: cls.__name__)
def test_mapped_tasks_of_one_run_are_labelled_with_its_id(cls: type[BaseOperator], dag: DAG) -> None:
    required = {name: VALUES[name] for name in REQUIRED[cls] if name != "snowplow_run_id"}
    mapped = cls.partial(task_id="t", **required).expand(snowplow_run_id=[RUN])
    assert mapped.map_index_template == RUN_ID_MAP_INDEX_TEMPLATE  # what the task runner renders
    assert mapped.unmap({"snowplow_run_id": RUN}).map_index_template == RUN_ID_MAP_INDEX_TEMPLATE
    by_kwargs = cls.partial(task_id="k").expand_kwargs([{**required, "snowplow_run_id": RUN}])
    assert by_kwargs.map_index_template == RUN_ID_MAP_INDEX_TEMPLATE
    own = cls.partial(task_id="o", map_index_template="{{ task.task_id }}", **required)
    assert own.expand(snowplow_run_id=[RUN]).map_index_template == "{{ task.task_id }}"


def test_a_mapped_sensor_is_not_labelled_with_a_run(dag: DAG) -> None:
    mapped = SnowplowPendingRunSensor.partial(task_id="wait", table_name=TABLE).expand(
        archive_url=[VALUES["archive_url"]]
    )
    assert mapped.map_index_template is None


# A literal in .partial() that can never work fails at parse time too: every bad literal of
# tests/unit/test_operator_arguments.py is given both ways, called and in .partial().


def test_checks_of_several_arguments_run_in_partial_once_it_has_them_all(dag: DAG) -> None:
    hour = "enriched/date=2026-11-30/hour=10/"
    layout = {
        "ready_marker": None,
        "settle_seconds": 0,
        "partition_format": None,
        "grace_seconds": 0,
        "filename_prefix": None,
    }
    with pytest.raises(RunIdError, match=r"^mark: .*not a Snowplow run id"):
        SnowplowMarkRunLoadedOperator.partial(
            task_id="mark", snowplow_run_id=hour, layout="enriched-archive", **layout
        )
    # Without the run id, what it is checked against waits for the mapped value.
    SnowplowMarkRunLoadedOperator.partial(task_id="mapped", layout="enriched-archive", **layout).expand(
        snowplow_run_id=[hour]
    )


def test_templates_and_xcom_references_in_partial_are_checked_once_the_task_runs(dag: DAG) -> None:
    upstream = SnowplowPendingRunSensor(task_id="up", archive_url=VALUES["archive_url"], table_name=TABLE)
    mapped = SnowplowMarkRunLoadedOperator.partial(
        task_id="mark", table_name="{{ params.table }}", archive_url=upstream.output, aws_conn_id="{{ x }}"
    ).expand(snowplow_run_id=upstream.output)
    assert mapped.partial_kwargs["table_name"] == "{{ params.table }}"
    # Once the run id is resolved, the mapped task is built, and a run id that cannot work fails it
    # with the same one line as when the task is built by hand.
    with pytest.raises(RunIdError, match=r"^mark: 'manual__2026-12-01' is not a Snowplow run id"):
        mapped.unmap({"snowplow_run_id": "manual__2026-12-01"})
    task: Any = mapped.unmap({"snowplow_run_id": RUN})
    task.table_name, task.archive_url, task.aws_conn_id = "a", None, "aws_default"  # as rendered
    with pytest.raises(ManifestTableError, match=r"^mark: .*'a' is not a valid DynamoDB table name"):
        task.check_arguments()


def test_partial_is_refused_on_a_task_as_airflow_refuses_it(dag: DAG) -> None:
    task = SnowplowMarkRunLoadedOperator(task_id="mark", snowplow_run_id=RUN, table_name=TABLE)
    with pytest.raises(TypeError, match="partial can only be called on Operator classes"):
        task.partial(task_id="again")
