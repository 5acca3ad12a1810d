"""Ledgers found in a real metadata DB: a value known only at run time is read from the task's last render."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_provider_snowplow.testing.archive import Archive
from tests.integration.airflow_runs import run_dag
from tests.support import ARCHIVE_URL

DAG_ID = "snowplow_ledger_conf"


def test_an_archive_from_the_run_conf_is_found_once_the_task_has_run(
    test_dags: Path, aws_connection: str, table: str, archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_snowplow.ui.sources import find_ledgers

    monkeypatch.setenv("SNOWPLOW_MANIFEST_TABLE", table)
    archive.add_run("2017-04-01-00-00-00")
    outcome = run_dag(DAG_ID, archive_url=ARCHIVE_URL)
    assert outcome.states[("wait_for_runs", -1)] == "success"
    found = find_ledgers()
    ours = [spec for spec in found.ledgers if DAG_ID in spec.dag_ids]
    assert [(spec.archive_url, spec.table_name, spec.settle_seconds) for spec in ours] == [
        (ARCHIVE_URL, table, 0.0)
    ]
    assert not [note for dag_id, note in found.unresolved if dag_id == DAG_ID]
