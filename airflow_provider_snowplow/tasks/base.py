"""What every Snowplow task shares: its arguments, checked early, and a hook built when it runs.

Each operator and sensor declares its arguments once, as a table of :class:`Argument` (name and
check). The table yields the class's ``template_fields`` and its checks: a literal value that can
never work (an archive URL without ``s3://``, an invalid table name) breaks the DAG file's import,
where its author sees it at once; a templated value or an XCom reference is checked after rendering,
before any AWS call. The hook is built on first use inside ``execute``/``poke``, never at parse
time, so parsing a DAG imports neither boto3 nor the Amazon provider.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_snowplow.archive.layouts import (
    DEFAULT_GRACE_SECONDS,
    DEFAULT_LAYOUT,
    Layout,
    PartitionFormat,
    check_layout_name,
    make_layout,
)
from airflow_provider_snowplow.archive.readiness import (
    DEFAULT_MARKER,
    DEFAULT_SETTLE_SECONDS,
    ReadinessRule,
    check_marker,
    check_settle_seconds,
)
from airflow_provider_snowplow.archive.urls import parse_archive_url, parse_output_url
from airflow_provider_snowplow.errors import SnowplowProviderError
from airflow_provider_snowplow.manifest.table import validate_table_name

if TYPE_CHECKING:
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


def optional_string(value: object) -> str | None:
    """An optional connection id or region: None or a non-empty string."""
    if value is None or (isinstance(value, str) and value.strip()):
        return value
    raise ValueError(f"must be a non-empty string or None, got {value!r}")


def positive_number(value: object) -> float:
    """A positive number of seconds; rendered templates arrive as strings."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = 0.0
    if isinstance(value, bool) or not number > 0:
        raise ValueError(f"must be a positive number of seconds, got {value!r}")
    return number


def positive_int(value: object) -> int:
    """A positive whole number; rendered templates arrive as strings."""
    try:
        number: int = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        number = 0
    if isinstance(value, bool | float) or number < 1:
        raise ValueError(f"must be a positive whole number, got {value!r}")
    return number


def boolean(value: object) -> bool:
    """A flag; rendered templates arrive as ``"True"``/``"false"``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    raise ValueError(f"must be true or false, got {value!r}")


# A run id's shape depends on the task's layout: SnowplowManifestTaskMixin checks it against that.
SNOWPLOW_RUN_ID = Argument("snowplow_run_id")
ARCHIVE_URL = Argument("archive_url", parse_archive_url)
OUTPUT_URL = Argument("output_url", parse_output_url)
CONNECTION: tuple[Argument, ...] = (
    Argument("table_name", validate_table_name),
    Argument("aws_conn_id", optional_string),
    Argument("region_name", optional_string),
)
# When a run counts as complete: see airflow_provider_snowplow.archive.readiness.
READINESS: tuple[Argument, ...] = (
    Argument("ready_marker", check_marker, converts=True),
    Argument("settle_seconds", check_settle_seconds, converts=True),
    # The run layout: see airflow_provider_snowplow.archive.layouts.
    Argument("layout", check_layout_name),
    Argument("partition_format", lambda value: value and PartitionFormat.parse(value)),
    Argument("grace_seconds", check_settle_seconds, converts=True),
)


def template_fields(arguments: Sequence[Argument]) -> tuple[str, ...]:
    """The ``template_fields`` of a task whose arguments are ``arguments``."""
    return tuple(argument.name for argument in arguments)


class SnowplowManifestTaskMixin:
    """The manifest table, AWS connection and readiness rule of an operator or sensor, and its hook.

    Put it before ``BaseOperator`` (or ``BaseSensorOperator``) in the bases, list the task's own
    arguments plus :data:`CONNECTION` and :data:`READINESS` in ``arguments``, and set
    ``template_fields = template_fields(arguments)``.

    Args:
        table_name: the manifest table (templated).
        aws_conn_id: the Airflow AWS connection (templated).
        region_name: overrides the connection's region (templated).
        ready_marker: the object a run folder must hold before the run counts as complete, relative
            to the folder; ``None`` or ``""`` for none (templated). Default ``_SUCCESS``.
        settle_seconds: how old a run's newest object must be before the run counts as complete
            (templated). Default 900. See :mod:`airflow_provider_snowplow.archive.readiness`.
        layout: ``enriched-archive`` (default), ``transformer-output`` or ``s3-loader`` (templated);
            see :mod:`airflow_provider_snowplow.archive.layouts`.
        partition_format: ``s3-loader``: S3 Loader's ``partitionFormat``; None for flat output (templated).
        grace_seconds: ``s3-loader``: seconds after a window ends before its run is ready (templated).
    """

    arguments: ClassVar[tuple[Argument, ...]] = (*CONNECTION, *READINESS)
    task_id: str

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
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.table_name = table_name
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name
        self.ready_marker = ready_marker
        self.settle_seconds = settle_seconds
        self.layout = layout
        self.partition_format = partition_format
        self.grace_seconds = grace_seconds

    def check_literal_arguments(self) -> None:
        """Check what is known when the DAG file is parsed; call at the end of ``__init__``."""
        for argument in self.arguments:
            value = getattr(self, argument.name)
            if argument.check is not None and _is_literal(value):
                self._checked(argument, value)
        layout_known = all(
            _is_literal(getattr(self, a.name)) or getattr(self, a.name) is None for a in READINESS
        )
        if layout_known and _is_literal(getattr(self, SNOWPLOW_RUN_ID.name, None)):
            self._check_run_id()

    def check_arguments(self) -> None:
        """Check every argument as rendered, and keep each as its check returns it."""
        for argument in self.arguments:
            if argument.check is not None:
                checked = self._checked(argument, getattr(self, argument.name))
                if argument.converts:
                    setattr(self, argument.name, checked)
        if SNOWPLOW_RUN_ID in self.arguments:
            self._check_run_id()

    def _check_run_id(self) -> None:
        """``snowplow_run_id`` against the run ids of the task's layout."""
        layout = self.run_layout
        self._checked(
            Argument(SNOWPLOW_RUN_ID.name, layout.validate_run_id), getattr(self, SNOWPLOW_RUN_ID.name)
        )

    def _checked(self, argument: Argument, value: object) -> Any:
        """``argument.check(value)``, its error prefixed with the task (and argument) it is about."""
        assert argument.check is not None
        try:
            return argument.check(value)
        except (ValueError, SnowplowProviderError) as exc:
            # The value checks above say only what a value must be; the domain checks name it.
            message = f"{argument.name} {exc}" if str(exc).startswith("must ") else str(exc)
            raise type(exc)(f"{self.task_id}: {message}") from None

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
        return make_layout(
            self.layout, self.readiness, self.partition_format, check_settle_seconds(self.grace_seconds)
        )
