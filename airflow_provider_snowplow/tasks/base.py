"""What every Snowplow task shares: its arguments, checked early, and a hook built when it runs.

Each operator and sensor declares its arguments once, as a table of :class:`Argument` (name and
check). The table yields the class's ``template_fields`` and its checks: a literal value that can
never work (an archive URL without ``s3://``, an invalid table name) breaks the DAG file's import,
where its author sees it at once; a templated value or an XCom reference is checked after rendering,
before any AWS call. The hook is built on first use inside ``execute``/``poke``, never at parse
time, so parsing a DAG imports neither boto3 nor the Amazon provider.

The mixins that hold shared arguments are built by Airflow's operator metaclass, like any operator:
their ``__init__`` takes ``default_args`` and reports a missing argument as Airflow does, and
``.partial()``, ``.expand()`` and ``.expand_kwargs()`` accept their arguments (Airflow's mapping
checks read the argument names of every ``__init__`` so built, along the class's MRO).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, cast

from airflow.sdk.bases.operator import BaseOperatorMeta

from airflow_provider_snowplow.archive.layouts import (
    DEFAULT_GRACE_SECONDS,
    DEFAULT_LAYOUT,
    Layout,
    PartitionFormat,
    check_filename_prefix,
    check_layout_name,
    make_layout,
)
from airflow_provider_snowplow.archive.layouts.readiness import (
    DEFAULT_MARKER,
    DEFAULT_SETTLE_SECONDS,
    ReadinessRule,
    check_marker,
    check_settle_seconds,
)
from airflow_provider_snowplow.archive.urls import parse_archive_url, parse_output_url
from airflow_provider_snowplow.errors import SnowplowProviderError
from airflow_provider_snowplow.event_transformer.shapes import check_shape
from airflow_provider_snowplow.manifest.table import validate_table_name
from airflow_provider_snowplow.validation import optional_region, optional_string

if TYPE_CHECKING:
    from airflow.sdk.definitions.mappedoperator import OperatorPartial

    from airflow_provider_snowplow.hooks.manifest import SnowplowManifestHook

RUN_ID_MAP_INDEX_TEMPLATE = "{{ task.snowplow_run_id }}"


@dataclass(frozen=True)
class Argument:
    """One user-facing argument of a task: templated, and checked by ``check`` if it has one.

    ``check`` gets the value and raises with a message naming what is wrong; it runs on literals at
    parse time and on every value, as rendered, before work. With ``converts``, the task keeps what
    ``check`` returns (a rendered ``"600"`` becomes ``600.0``); else the value stays as given.
    """

    name: str
    check: Callable[[Any], Any] | None = None
    converts: bool = False


def is_templated(value: object) -> bool:
    """Whether ``value`` is a Jinja template, rendered only when the task runs."""
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def _is_literal(value: object) -> bool:
    """A plain string or number, as opposed to a template, an XCom reference or a mapped value."""
    return isinstance(value, str | int | float) and not is_templated(value)


# A run id's shape depends on the task's layout: RUN_OF_LAYOUT and RUN_IN_ARCHIVE check it.
SNOWPLOW_RUN_ID = Argument("snowplow_run_id")
ARCHIVE_URL = Argument("archive_url", parse_archive_url)
OUTPUT_URL = Argument("output_url", parse_output_url)
SHAPE = Argument("shape", check_shape, converts=True)
CONNECTION: tuple[Argument, ...] = (
    Argument("table_name", validate_table_name),
    Argument("aws_conn_id", optional_string),
    Argument("region_name", optional_region),
)
# When a run counts as complete: see airflow_provider_snowplow.archive.layouts.readiness.
READINESS: tuple[Argument, ...] = (
    Argument("ready_marker", check_marker, converts=True),
    Argument("settle_seconds", check_settle_seconds, converts=True),
    # The run layout: see airflow_provider_snowplow.archive.layouts.
    Argument("layout", check_layout_name),
    Argument("partition_format", lambda value: value and PartitionFormat.parse(value)),
    Argument("grace_seconds", check_settle_seconds, converts=True),
    Argument("filename_prefix", check_filename_prefix, converts=True),
)


@dataclass(frozen=True)
class Together:
    """A check of several arguments at once, e.g. that the run is one of the archive's.

    Like an :class:`Argument`'s check, it runs at parse time when every value is a literal, and
    after rendering always (after each argument's own check).
    """

    names: tuple[str, ...]
    check: Callable[..., object]


LAYOUT_ARGUMENTS = tuple(argument.name for argument in READINESS)


def task_layout(
    ready_marker: object,
    settle_seconds: object,
    layout: object,
    partition_format: object,
    grace_seconds: object,
    filename_prefix: object = "",
) -> Layout:
    """The run layout that a task's :data:`READINESS` arguments describe."""
    rule = ReadinessRule(check_marker(ready_marker), check_settle_seconds(settle_seconds))
    return make_layout(
        cast(str, layout),
        rule,
        cast(str | None, partition_format),
        check_settle_seconds(grace_seconds),
        check_filename_prefix(filename_prefix),
    )


def run_of_layout(snowplow_run_id: str, *layout_arguments: object) -> None:
    """The run id must have the shape of the task's layout's run ids."""
    task_layout(*layout_arguments).validate_run_id(snowplow_run_id)


def run_in_archive(snowplow_run_id: str, archive_url: str, *layout_arguments: object) -> None:
    """The run must be one of the archive's runs in its layout (what its listing can return)."""
    task_layout(*layout_arguments).validate_run_in_archive(snowplow_run_id, parse_archive_url(archive_url))


RUN_OF_LAYOUT = Together(("snowplow_run_id", *LAYOUT_ARGUMENTS), run_of_layout)
RUN_IN_ARCHIVE = Together(("snowplow_run_id", "archive_url", *LAYOUT_ARGUMENTS), run_in_archive)


def template_fields(arguments: Sequence[Argument]) -> tuple[str, ...]:
    """The ``template_fields`` of a task whose arguments are ``arguments``."""
    return tuple(argument.name for argument in arguments)


def _checked(task_id: str, name: str, check: Callable[..., Any], *values: object) -> Any:
    """``check(*values)``, its error prefixed with the task (and argument ``name``) it is about."""
    try:
        return check(*values)
    except (ValueError, SnowplowProviderError) as exc:
        # Generic checks (validation.py) say only what a value must be; domain checks name it.
        message = f"{name} {exc}" if str(exc).startswith("must ") else str(exc)
        raise type(exc)(f"{task_id}: {message}") from None


class _PartialCheckingLiterals:
    """``Task.partial(...)``: Airflow's, once the literal arguments given to it pass their checks.

    A mapped task is built only when each of its task instances runs, so without this a literal
    that can never work (``archive_url="acme/archive"``) given to ``.partial()`` would fail every
    mapped task, instead of the DAG file's import as it does given to the task itself. Looked up
    on a task rather than its class, it is Airflow's, which refuses to be called.
    """

    def __get__(
        self, task: SnowplowManifestTaskMixin | None, owner: type[SnowplowManifestTaskMixin]
    ) -> Callable[..., OperatorPartial]:
        airflow_partial: Callable[..., OperatorPartial] = super(
            SnowplowManifestTaskMixin, owner if task is None else task
        ).partial  # type: ignore[misc]
        if task is not None:
            return airflow_partial

        def partial(**kwargs: Any) -> OperatorPartial:
            owner.check_literals(str(kwargs.get("task_id")), kwargs)
            return airflow_partial(**{**owner.airflow_defaults, **kwargs})

        return partial


class SnowplowManifestTaskMixin(metaclass=BaseOperatorMeta):
    """The manifest table, AWS connection and readiness rule of an operator or sensor, and its hook.

    Put it before ``BaseOperator`` (or ``BaseSensorOperator``) in the bases, list the task's own
    arguments plus :data:`CONNECTION` and :data:`READINESS` in ``arguments``, set
    ``template_fields = template_fields(arguments)``, annotate each argument's type on the class,
    and end ``__init__`` with ``self.keep_arguments(locals())`` and ``self.check_literal_arguments()``.
    A task about one run derives from :class:`SnowplowRunTaskMixin` instead.

    Built by Airflow's operator metaclass (``BaseOperatorMeta``), as is every mixin that derives from
    it: each ``__init__`` takes its arguments from ``default_args`` too, and every argument can be
    given to ``.partial()``, ``.expand()`` or ``.expand_kwargs()``. ``.partial()`` checks the
    literals it is given, as ``__init__`` does; a mapped task checks the rest when it runs.

    Args:
        table_name: the manifest table (templated).
        aws_conn_id: the Airflow AWS connection (templated).
        region_name: overrides the connection's region (templated).
        ready_marker: the object a run folder must hold before the run counts as complete, relative
            to the folder; ``None`` or ``""`` for none (templated). Default ``_SUCCESS``.
        settle_seconds: how old a run's newest object must be before the run counts as complete
            (templated). Default 900. See :mod:`airflow_provider_snowplow.archive.layouts.readiness`.
        layout: ``enriched-archive`` (default), ``transformer-output`` or ``s3-loader`` (templated);
            see :mod:`airflow_provider_snowplow.archive.layouts`.
        partition_format: ``s3-loader``: S3 Loader's ``partitionFormat``; None for flat output (templated).
        grace_seconds: ``s3-loader``: seconds after a window ends before its run is ready (templated).
        filename_prefix: ``s3-loader``, flat output: the loader's ``filenamePrefix`` (``pre-`` in its
            reference config), which starts every object name and run id (templated). Default none.
    """

    arguments: ClassVar[tuple[Argument, ...]] = (*CONNECTION, *READINESS)
    together: ClassVar[tuple[Together, ...]] = ()
    # Airflow's own arguments to which the task gives defaults of its own, in __init__ and in
    # .partial() alike: Airflow 3.3.0 fills those a .partial() lacks with BaseOperator's defaults.
    airflow_defaults: ClassVar[Mapping[str, Any]] = {}
    partial = _PartialCheckingLiterals()
    task_id: str
    table_name: str
    aws_conn_id: str | None
    region_name: str | None
    ready_marker: str | None
    settle_seconds: float | str
    layout: str
    partition_format: str | None
    grace_seconds: float | str
    filename_prefix: str | None

    def __init__(
        self,
        *,
        table_name: str,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        ready_marker: str | None = DEFAULT_MARKER,
        settle_seconds: float | str = DEFAULT_SETTLE_SECONDS,
        layout: str = DEFAULT_LAYOUT,
        partition_format: str | None = None,
        grace_seconds: float | str = DEFAULT_GRACE_SECONDS,
        filename_prefix: str | None = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(**{**self.airflow_defaults, **kwargs})
        self.keep_arguments(locals(), (*CONNECTION, *READINESS))

    def keep_arguments(self, values: Mapping[str, Any], arguments: Sequence[Argument] | None = None) -> None:
        """Keep each of the task's ``arguments`` found in ``values`` (an ``__init__``'s ``locals()``).

        The table of arguments already names them, so an ``__init__`` keeps its own in one line
        instead of an assignment each; their types are the class's annotations.
        """
        for argument in self.arguments if arguments is None else arguments:
            if argument.name in values:
                setattr(self, argument.name, values[argument.name])

    @classmethod
    def check_literals(cls, task_id: str, values: Mapping[str, Any]) -> None:
        """Check the literals among ``values`` (by argument name): what is known at parse time.

        A template, an XCom reference or a mapped value is left for :meth:`check_arguments`, and
        so is a check of several arguments (:class:`Together`) unless ``values`` has them all.
        """
        for argument in cls.arguments:
            value = values.get(argument.name)
            if argument.check is not None and _is_literal(value):
                _checked(task_id, argument.name, argument.check, value)
        for group in cls.together:
            known = [values[name] for name in group.names if name in values]
            if len(known) == len(group.names) and all(_is_literal(v) or v is None for v in known):
                _checked(task_id, ", ".join(group.names), group.check, *known)

    def check_literal_arguments(self) -> None:
        """Check what is known when the DAG file is parsed; call at the end of ``__init__``."""
        self.check_literals(
            self.task_id, {argument.name: getattr(self, argument.name) for argument in self.arguments}
        )

    def check_arguments(self) -> None:
        """Check every argument as rendered, and keep each as its check returns it."""
        for argument in self.arguments:
            if argument.check is not None:
                checked = _checked(self.task_id, argument.name, argument.check, getattr(self, argument.name))
                if argument.converts:
                    setattr(self, argument.name, checked)
        for group in self.together:
            values = (getattr(self, name) for name in group.names)
            _checked(self.task_id, ", ".join(group.names), group.check, *values)

    @cached_property
    def hook(self) -> SnowplowManifestHook:
        """The manifest hook on this task's connection, built on first use (never at parse time)."""
        from airflow_provider_snowplow.hooks.manifest import SnowplowManifestHook

        return SnowplowManifestHook(
            self.table_name,
            aws_conn_id=self.aws_conn_id,
            region_name=self.region_name,
            readiness=self.readiness,
            layout=self.run_layout,
        )

    @property
    def readiness(self) -> ReadinessRule:
        """The readiness rule of this task's arguments (as rendered, once checked)."""
        return ReadinessRule(check_marker(self.ready_marker), check_settle_seconds(self.settle_seconds))

    @property
    def run_layout(self) -> Layout:
        """The run layout of this task's arguments (as rendered, once checked)."""
        return task_layout(*(getattr(self, name) for name in LAYOUT_ARGUMENTS))


class SnowplowRunTaskMixin(SnowplowManifestTaskMixin):
    """A task about one run: ``snowplow_run_id``, and each task, mapped over runs, labelled with its run id.

    List :data:`SNOWPLOW_RUN_ID` among the task's ``arguments``. Airflow's ``map_index_template``
    defaults to the run id (:data:`RUN_ID_MAP_INDEX_TEMPLATE`), given to the task or to
    ``.partial()``.

    Args:
        snowplow_run_id: the run folder prefix (templated; expand over the sensor's output). Named
            so to stay clear of Airflow's own ``run_id`` (the DAG run), which cannot be expanded over.
        **kwargs: the manifest table, connection and run layout (see ``SnowplowManifestTaskMixin``),
            and the base operator's arguments.
    """

    arguments: ClassVar[tuple[Argument, ...]] = (SNOWPLOW_RUN_ID, *CONNECTION, *READINESS)
    airflow_defaults: ClassVar[Mapping[str, Any]] = {"map_index_template": RUN_ID_MAP_INDEX_TEMPLATE}
    snowplow_run_id: str

    def __init__(self, *, snowplow_run_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.keep_arguments(locals(), (SNOWPLOW_RUN_ID,))
