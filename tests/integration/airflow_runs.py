"""Running DAGs of the DAGs folder with ``dag.test()`` and reading back what happened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class DagOutcome:
    """A finished ``dag.test()`` run: DAG run state, TI states by (task, label), XComs."""

    state: str
    states: dict[tuple[str, Any], str]
    xcoms: dict[tuple[str, Any], Any]

    def labels(self, task_id: str, state: str = "success") -> list[Any]:
        return sorted(label for (task, label), s in self.states.items() if task == task_id and s == state)


def run_dag(dag_id: str, **conf: Any) -> DagOutcome:
    """Parse the DAGs folder (no import errors allowed), run ``dag_id`` once, collect the outcome."""
    from airflow.dag_processing.dagbag import DagBag

    dagbag = DagBag()
    assert dagbag.import_errors == {}, dagbag.import_errors
    dag = dagbag.get_dag(dag_id)
    assert dag is not None, f"no DAG {dag_id!r} in the DAGs folder"
    dag_run = dag.test(run_conf=conf or None)
    states: dict[tuple[str, Any], str] = {}
    xcoms: dict[tuple[str, Any], Any] = {}
    for ti in dag_run.get_task_instances():
        label = ti.rendered_map_index or ti.map_index
        states[(ti.task_id, label)] = ti.state
        xcoms[(ti.task_id, label)] = ti.xcom_pull(task_ids=ti.task_id, map_indexes=ti.map_index)
    return DagOutcome(state=dag_run.state, states=states, xcoms=xcoms)
