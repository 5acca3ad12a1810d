"""Which ledgers the deployment has: read from its serialized DAGs, and the ``[snowplow] ledgers`` setting.

Every Snowplow sensor and operator in a serialized DAG names an archive, a table, a layout and a
connection (its template fields, kept in the metadata DB by the DAG processor). A templated value
(``"{{ params.archive_url }}"``) is taken from the task's last rendered fields
(``rendered_task_instance_fields``, written when the task last ran); until it has run, a bare
``{{ params.NAME }}`` takes the param's default. Any other template is known only at run time:
the task is reported in :attr:`FoundLedgers.unresolved`, and the ledger can be listed in the
``[snowplow] ledgers`` setting instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_snowplow.ledger.spec import (
    SETTING_KEYS,
    LedgerSpec,
    LedgerSpecError,
    ledgers_from_setting,
    merge_ledgers,
)

# The template fields a ledger is made of (dag_ids aside): what every Snowplow task with an archive has.
LEDGER_FIELDS = tuple(name for name in SETTING_KEYS if name != "dag_ids")
_PARAM = re.compile(r"\{\{\s*params\.(\w+)\s*\}\}")
_OUR_MODULES = "airflow_provider_snowplow."


@dataclass(frozen=True)
class FoundLedgers:
    """The ledgers found, and what could not be made into one.

    Attributes:
        ledgers: one per archive, table, layout and connection, with the DAGs using it.
        unresolved: ``(dag id, one line)`` per task whose archive or table is known only at run
            time or whose values cannot work; ``(None, one line)`` for a ``[snowplow] ledgers``
            setting that cannot work.
    """

    ledgers: list[LedgerSpec]
    unresolved: list[tuple[str | None, str]] = field(default_factory=list)


@dataclass(frozen=True)
class SnowplowTask:
    """A Snowplow task of a serialized DAG: its ledger fields as serialized, and the DAG's param defaults."""

    dag_id: str
    task_id: str
    fields: dict[str, Any]
    params: dict[str, Any]


def snowplow_tasks(dag_id: str, data: Mapping[str, Any]) -> list[SnowplowTask]:
    """The tasks of one serialized DAG (``SerializedDagModel.data``) that are ours and name an archive."""
    dag = data.get("dag", {})
    params = {}
    for entry in dag.get("params") or []:
        if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], dict):
            params[str(entry[0])] = entry[1].get("default")
    found = []
    for task in dag.get("tasks") or []:
        values = task.get("__var", {}) if isinstance(task, dict) else {}
        if not str(values.get("_task_module", "")).startswith(_OUR_MODULES):
            continue
        fields = {name: values[name] for name in LEDGER_FIELDS if name in values}
        if isinstance(fields.get("archive_url"), str) and isinstance(fields.get("table_name"), str):
            found.append(SnowplowTask(dag_id, str(values.get("task_id", "?")), fields, params))
    return found


def resolve(task: SnowplowTask, rendered: Mapping[str, Any] | None) -> LedgerSpec:
    """The task's ledger, its templated values taken from ``rendered`` (its last rendered fields) or params.

    Raises:
        LedgerSpecError: a value is known only at run time, or cannot work; the message names the task.
    """
    values: dict[str, Any] = {"dag_ids": [task.dag_id]}
    for name, value in task.fields.items():
        values[name] = _resolved(task, name, value, rendered) if _templated(value) else value
    try:
        return LedgerSpec.build(values)
    except LedgerSpecError as invalid:
        raise LedgerSpecError(f"DAG {task.dag_id!r} task {task.task_id!r}: {invalid}") from None


def _resolved(task: SnowplowTask, name: str, template: str, rendered: Mapping[str, Any] | None) -> Any:
    """A templated field's value: as last rendered, else a bare ``{{ params.NAME }}``'s default."""
    if rendered is not None and name in rendered and not _templated(rendered[name]):
        return rendered[name]
    param = _PARAM.fullmatch(template.strip())
    if param is not None and param.group(1) in task.params:
        return task.params[param.group(1)]
    raise LedgerSpecError(
        f"DAG {task.dag_id!r} task {task.task_id!r}: {name} {template!r} is known only at run "
        "time and the task has not run yet: list its ledger in [snowplow] ledgers"
    )


def _templated(value: object) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def collect(
    tasks: Iterable[SnowplowTask], rendered: Mapping[tuple[str, str], Mapping[str, Any]], setting: str
) -> FoundLedgers:
    """Ledgers of ``tasks`` (each with its last rendered fields, by ``(dag_id, task_id)``) and ``setting``."""
    specs: list[LedgerSpec] = []
    unresolved: list[tuple[str | None, str]] = []
    for task in tasks:
        try:
            specs.append(resolve(task, rendered.get((task.dag_id, task.task_id))))
        except LedgerSpecError as invalid:
            unresolved.append((task.dag_id, str(invalid)))
    try:
        specs.extend(ledgers_from_setting(setting))
    except LedgerSpecError as invalid:
        unresolved.append((None, str(invalid)))
    return FoundLedgers(merge_ledgers(specs), unresolved)


def find_ledgers() -> FoundLedgers:
    """The deployment's ledgers, from the metadata DB and ``[snowplow] ledgers`` (a few queries)."""
    from airflow.configuration import conf
    from airflow.models.dag import DagModel
    from airflow.models.dagrun import DagRun
    from airflow.models.renderedtifields import RenderedTaskInstanceFields as Rtif
    from airflow.models.serialized_dag import SerializedDagModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        dag_ids = list(session.scalars(select(DagModel.dag_id).where(DagModel.is_stale.is_(False))))
        tasks = [
            task
            for row in SerializedDagModel.get_latest_serialized_dags(dag_ids=dag_ids, session=session)
            for task in snowplow_tasks(row.dag_id, row.data or {})
        ]
        rendered: dict[tuple[str, str], Mapping[str, Any]] = {}
        templated = {(t.dag_id, t.task_id) for t in tasks if any(_templated(v) for v in t.fields.values())}
        if templated:
            query = (
                select(Rtif.dag_id, Rtif.task_id, Rtif.rendered_fields)
                .join(DagRun, (DagRun.dag_id == Rtif.dag_id) & (DagRun.run_id == Rtif.run_id))
                .where(Rtif.dag_id.in_({dag_id for dag_id, _ in templated}))
                .order_by(DagRun.id.desc())
            )
            for dag_id, task_id, fields in session.execute(query):
                if (dag_id, task_id) in templated and (dag_id, task_id) not in rendered:
                    rendered[(dag_id, task_id)] = fields or {}
    setting = conf.get("snowplow", "ledgers", fallback="") or ""
    return collect(tasks, rendered, setting)
