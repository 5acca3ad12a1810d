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

from airflow_provider_snowplow.archive.run_ids import validate_run_id, validate_run_in_archive
from airflow_provider_snowplow.archive.urls import parse_archive_url, parse_output_url
from airflow_provider_snowplow.errors import SnowplowProviderError
from airflow_provider_snowplow.event_transformer.shapes import check_shape
from airflow_provider_snowplow.manifest.table import validate_table_name
from airflow_provider_snowplow.validation import optional_region, optional_string

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


SNOWPLOW_RUN_ID = Argument("snowplow_run_id", validate_run_id)
ARCHIVE_URL = Argument("archive_url", parse_archive_url)
OUTPUT_URL = Argument("output_url", parse_output_url)
SHAPE = Argument("shape", check_shape, converts=True)
CONNECTION: tuple[Argument, ...] = (
    Argument("table_name", validate_table_name),
    Argument("aws_conn_id", optional_string),
    Argument("region_name", optional_region),
)


@dataclass(frozen=True)
class Together:
    """A check of several arguments at once, e.g. that the run is one of the archive's.

    Like an :class:`Argument`'s check, it runs at parse time when every value is a literal, and
    after rendering always (after each argument's own check).
    """

    names: tuple[str, ...]
    check: Callable[..., object]


def run_in_archive(snowplow_run_id: str, archive_url: str) -> None:
    """The run must be a run folder directly under the archive (what its listing returns)."""
    validate_run_in_archive(snowplow_run_id, parse_archive_url(archive_url))


RUN_IN_ARCHIVE = Together(("snowplow_run_id", "archive_url"), run_in_archive)


def template_fields(arguments: Sequence[Argument]) -> tuple[str, ...]:
    """The ``template_fields`` of a task whose arguments are ``arguments``."""
    return tuple(argument.name for argument in arguments)


class SnowplowManifestTaskMixin:
    """The manifest table and AWS connection of an operator or sensor, and its hook.

    Put it before ``BaseOperator`` (or ``BaseSensorOperator``) in the bases, list the task's own
    arguments plus :data:`CONNECTION` in ``arguments``, and set
    ``template_fields = template_fields(arguments)``.

    Args:
        table_name: the manifest table (templated).
        aws_conn_id: the Airflow AWS connection (templated).
        region_name: overrides the connection's region (templated).
    """

    arguments: ClassVar[tuple[Argument, ...]] = CONNECTION
    together: ClassVar[tuple[Together, ...]] = ()
    task_id: str

    def __init__(
        self,
        *,
        table_name: str,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.table_name = table_name
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name

    def check_literal_arguments(self) -> None:
        """Check what is known when the DAG file is parsed; call at the end of ``__init__``."""
        for argument in self.arguments:
            value = getattr(self, argument.name)
            if argument.check is not None and _is_literal(value):
                self._checked(argument.name, argument.check, value)
        for group in self.together:
            values = [getattr(self, name) for name in group.names]
            if all(_is_literal(value) for value in values):
                self._checked(", ".join(group.names), group.check, *values)

    def check_arguments(self) -> None:
        """Check every argument as rendered, and keep each as its check returns it."""
        for argument in self.arguments:
            if argument.check is not None:
                checked = self._checked(argument.name, argument.check, getattr(self, argument.name))
                if argument.converts:
                    setattr(self, argument.name, checked)
        for group in self.together:
            self._checked(", ".join(group.names), group.check, *(getattr(self, n) for n in group.names))

    def _checked(self, name: str, check: Callable[..., Any], *values: object) -> Any:
        """``check(*values)``, its error prefixed with the task (and argument ``name``) it is about."""
        try:
            return check(*values)
        except (ValueError, SnowplowProviderError) as exc:
            # Generic checks (validation.py) say only what a value must be; domain checks name it.
            message = f"{name} {exc}" if str(exc).startswith("must ") else str(exc)
            raise type(exc)(f"{self.task_id}: {message}") from None

    @cached_property
    def hook(self) -> SnowplowManifestHook:
        """The manifest hook on this task's connection, built on first use (never at parse time)."""
        from airflow_provider_snowplow.hooks.manifest import SnowplowManifestHook

        return SnowplowManifestHook(
            self.table_name, aws_conn_id=self.aws_conn_id, region_name=self.region_name
        )
