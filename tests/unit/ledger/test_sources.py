"""Ledgers from serialized DAGs and the setting: templates resolved, duplicates merged, errors in one line."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_snowplow.ledger.spec import LedgerSpec, LedgerSpecError, ledgers_from_setting
from airflow_provider_snowplow.ui.sources import collect, snowplow_tasks


def serialized(dag_id: str, *tasks: dict[str, Any], params: dict[str, Any] | None = None) -> dict[str, Any]:
    """A DAG as ``SerializedDagModel.data`` holds it (the parts the sources read)."""
    return {
        "dag": {
            "dag_id": dag_id,
            "params": [
                [name, {"__class": "airflow.sdk.definitions.param.Param", "default": value}]
                for name, value in (params or {}).items()
            ],
            "tasks": [{"__type": "operator", "__var": task} for task in tasks],
        }
    }


def sensor(task_id: str, archive_url: str, **fields: Any) -> dict[str, Any]:
    return {
        "task_id": task_id,
        "_task_module": "airflow_provider_snowplow.sensors.pending_runs",
        "archive_url": archive_url,
        "table_name": "snowplow-load-manifests",
        "aws_conn_id": "aws_default",
        **fields,
    }


def test_tasks_of_one_ledger_in_two_dags_make_one_ledger_with_both_dags() -> None:
    tasks = [
        *snowplow_tasks(
            "load",
            serialized(
                "load",
                sensor("wait", "{{ params.archive_url }}"),
                params={"archive_url": "s3://acme/archive"},
            ),
        ),
        *snowplow_tasks("audit", serialized("audit", sensor("check", "s3://acme/archive/"))),
        *snowplow_tasks(
            "other",
            serialized(
                "other", {"task_id": "t", "_task_module": "airflow.providers.x", "archive_url": "s3://x/"}
            ),
        ),
    ]
    found = collect(tasks, {}, "")
    assert [(spec.archive_url, sorted(spec.dag_ids)) for spec in found.ledgers] == [
        ("s3://acme/archive/", ["audit", "load"])
    ]


def test_a_rendered_value_wins_over_the_param_default_and_runtime_templates_are_named() -> None:
    tasks = snowplow_tasks(
        "load",
        serialized(
            "load",
            sensor("wait", "{{ params.archive_url }}"),
            sensor("late", "{{ dag_run.conf['x'] }}"),
            params={"archive_url": "s3://acme/a/"},
        ),
    )
    found = collect(tasks, {("load", "wait"): {"archive_url": "s3://acme/rendered/"}}, "")
    assert [spec.archive_url for spec in found.ledgers] == ["s3://acme/rendered/"]
    assert found.unresolved == [
        ("load", "DAG 'load' task 'late': archive_url \"{{ dag_run.conf['x'] }}\" is known only at run time and "
         "the task has not run yet: list its ledger in [snowplow] ledgers")
    ]  # fmt: skip


def test_the_setting_needs_the_dags_that_use_each_ledger() -> None:
    specs = ledgers_from_setting(
        '[{"archive_url": "s3://acme/a/", "table_name": "snowplow-load-manifests", "dag_ids": ["load"], "layout": "s3-loader", "grace_seconds": "0"}]'
    )
    assert specs[0].layout == "s3-loader" and specs[0].grace_seconds == 0.0 and specs[0].dag_ids == {"load"}
    for text, message in [
        ("{", "is not JSON"),
        ('{"archive_url": "s3://acme/a/"}', "must be a JSON list of objects"),
        (
            '[{"archive_url": "s3://acme/a/", "table_name": "snowplow-load-manifests"}]',
            "entry 1 needs dag_ids",
        ),
        ('[{"archive_url": "a", "table_name": "snowplow-load-manifests", "dag_ids": ["d"]}]', "entry 1:"),
        (
            '[{"archive_url": "s3://acme/a/", "table_name": "t", "dag_ids": ["d"]}]',
            "not a valid DynamoDB table name",
        ),
        (
            '[{"archive_url": "s3://acme/a/", "table_name": "snowplow-load-manifests", "layout": "hourly", "dag_ids": ["d"]}]',
            "layout must be one of",
        ),
    ]:
        with pytest.raises(LedgerSpecError, match=message) as refused:
            ledgers_from_setting(text)
        assert "\n" not in str(refused.value)


def test_a_ledgers_key_is_stable_and_ignores_its_dags() -> None:
    one = LedgerSpec.build(
        {"archive_url": "s3://acme/a", "table_name": "snowplow-load-manifests", "dag_ids": ["x"]}
    )
    two = LedgerSpec.build(
        {"archive_url": "s3://acme/a/", "table_name": "snowplow-load-manifests", "dag_ids": ["y"]}
    )
    other = LedgerSpec.build(
        {"archive_url": "s3://acme/a/", "table_name": "snowplow-load-manifests", "settle_seconds": 0}
    )
    assert one.key == two.key != other.key and len(one.key) == 12


def test_a_user_sees_the_ledgers_of_the_dags_they_may_read() -> None:
    from airflow_provider_snowplow.ui.access import visible

    shared = LedgerSpec.build(
        {"archive_url": "s3://acme/a/", "table_name": "snowplow-load-manifests", "dag_ids": ["load", "audit"]}
    )
    private = LedgerSpec.build(
        {"archive_url": "s3://acme/b/", "table_name": "snowplow-load-manifests", "dag_ids": ["finance"]}
    )
    assert visible([shared, private], {"audit"}) == [shared]
    assert visible([shared, private], {"finance", "load"}) == [shared, private]
    assert visible([shared, private], set()) == []
