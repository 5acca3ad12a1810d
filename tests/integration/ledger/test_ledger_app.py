"""The ledger app with FastAPI's TestClient: ledgers found in serialized DAGs, Airflow's auth, moto's AWS.

The DAGs are serialized into the session's SQLite metadata DB as the DAG processor would; users get
tokens from Airflow's simple auth manager; every AWS request goes to the moto server.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.ledger_seeding import (
    LIVE_OWNER,
    PARTITION_FORMAT,
    SeededLedger,
    seed_enriched_archive,
    seed_s3_loader,
    seed_transformer_output,
)
from tests.support import ARCHIVE_URL, LOADER_URL, TABLE, TRANSFORMED_URL

BASE_URL = "http://airflow.test"

DAGS = f'''
import pendulum
from airflow.sdk import DAG, Param
from airflow_provider_snowplow.sensors.pending_runs import SnowplowPendingRunSensor

def dag(dag_id, archive_url, params=None, **options):
    with DAG(dag_id, schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), params=params or {{}}) as d:
        SnowplowPendingRunSensor(task_id="wait", archive_url=archive_url, table_name=options.pop("table", "{TABLE}"), **options)
    return d

enriched = dag("ledger_enriched", "{{{{ params.archive_url }}}}", {{"archive_url": Param("{ARCHIVE_URL}", type="string")}}, settle_seconds=0)
transformed = dag("ledger_transformed", "{TRANSFORMED_URL}", layout="transformer-output", ready_marker="shredding_complete.json", settle_seconds=0)
loader = dag("ledger_loader", "{LOADER_URL}", layout="s3-loader", partition_format="{PARTITION_FORMAT}", grace_seconds=0)
elsewhere = dag("ledger_elsewhere", "s3://no-such-bucket/enriched/archive/")
no_table = dag("ledger_no_table", "{ARCHIVE_URL}", table="no-such-table", settle_seconds=0)
no_conn = dag("ledger_no_conn", "{ARCHIVE_URL}", aws_conn_id="aws_nowhere", settle_seconds=0)
runtime = dag("ledger_runtime", "{{{{ dag_run.conf['archive_url'] }}}}")
'''


@pytest.fixture(scope="module")
def serialized_dags(airflow_db: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db

    folder = tmp_path_factory.mktemp("ledger-dags")
    (folder / "ledger_dags.py").write_text(textwrap.dedent(DAGS))
    DagBundlesManager().sync_bundles_to_db()
    bag = DagBag(dag_folder=str(folder))
    assert not bag.import_errors, bag.import_errors
    sync_bag_to_db(bag, "dags-folder", None)


@pytest.fixture(scope="module")
def tokens(airflow_db: Path) -> Iterator[dict[str, str]]:
    from airflow.api_fastapi.app import create_auth_manager, purge_cached_app
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "ledger-test-secret-" + "x" * 64)
        patch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "False")
        manager = create_auth_manager()
        manager.init()
        yield {
            "viewer": manager.generate_jwt(SimpleAuthManagerUser(username="viewer", role="viewer")),
            "nobody": manager.generate_jwt(SimpleAuthManagerUser(username="nobody", role=None)),
        }
        purge_cached_app()


@pytest.fixture
def seeded(s3: Any, dynamodb: Any, table: str) -> dict[str, SeededLedger]:
    s3.create_bucket(Bucket="acme-snowplow")
    return {
        "enriched-archive": seed_enriched_archive(s3, dynamodb, table),
        "transformer-output": seed_transformer_output(s3, dynamodb, table),
        "s3-loader": seed_s3_loader(s3, dynamodb, table),
    }


@pytest.fixture
def client(serialized_dags: None, tokens: dict[str, str], aws_connection: str) -> Iterator[TestClient]:
    from airflow_provider_snowplow.ledger.cache import LedgerCache
    from airflow_provider_snowplow.ui.app import LedgerService, create_app
    from airflow_provider_snowplow.ui.aws import LedgerClients
    from airflow_provider_snowplow.ui.sources import find_ledgers

    clients = LedgerClients()
    service = LedgerService(
        find=find_ledgers,
        cache=LedgerCache(clients.refresh, background=False),
        inspect=clients.inspect,
        base_url=BASE_URL,
    )
    with TestClient(
        create_app(service), base_url="http://testserver/snowplow", root_path="/snowplow"
    ) as test_client:
        yield test_client


def as_user(tokens: dict[str, str], name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[name]}"}


def ledgers_by_layout(client: TestClient, headers: dict[str, str]) -> dict[Any, dict[str, Any]]:
    listed = client.get("/api/ledgers", headers=headers)
    assert listed.status_code == 200, listed.text
    return {
        (ledger["layout"], ledger["table"], ledger["connection"], ledger["archive_url"]): ledger
        for ledger in listed.json()["ledgers"]
    }


def find(
    ledgers: dict[Any, dict[str, Any]],
    layout: str,
    archive_url: str,
    table: str = TABLE,
    conn: str = "aws_default",
) -> dict[str, Any]:
    return ledgers[(layout, table, conn, archive_url)]


def test_anonymous_requests_are_refused(client: TestClient) -> None:
    assert client.get("/api/ledgers").status_code == 401
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 307 and "/auth/login" in page.headers["location"]


def test_a_user_who_may_read_no_dag_sees_no_ledger(
    client: TestClient, tokens: dict[str, str], seeded: dict[str, SeededLedger]
) -> None:
    viewer = ledgers_by_layout(client, as_user(tokens, "viewer"))
    key = find(viewer, "enriched-archive", ARCHIVE_URL)["key"]
    nobody = as_user(tokens, "nobody")
    assert client.get("/api/ledgers", headers=nobody).json() == {"ledgers": [], "unresolved": []}
    assert client.get(f"/api/ledgers/{key}", headers=nobody).status_code == 404
    assert client.get(f"/ledgers/{key}", headers=nobody).status_code == 404


def test_every_state_is_counted_in_every_layout(
    client: TestClient, tokens: dict[str, str], seeded: dict[str, SeededLedger]
) -> None:
    ledgers = ledgers_by_layout(client, as_user(tokens, "viewer"))
    for layout, seed in seeded.items():
        found = find(ledgers, layout, seed.archive_url)
        assert found["error"] is None
        expected = {state: seed.count(state) for state in found["counts"]}
        assert found["counts"] == expected, layout
    enriched = find(ledgers, "enriched-archive", ARCHIVE_URL)
    # The metadata DB is the test worker's: other test files' DAGs on the same archive may be there too.
    ours = [dag_id for dag_id in enriched["dag_ids"] if dag_id.startswith("ledger_")]
    assert ours == ["ledger_enriched"]  # {{ params.archive_url }} from the param's default
    assert enriched["verify"]["counts"]["gained"] == 1
    assert enriched["refresh_requests"] == {
        "BatchGetItem": 2,
        "DescribeTable": 1,
        "GetItem": 1,
        "ListObjectsV2": 5,
    }


def test_a_ledger_that_fails_shows_its_error_and_the_others_still_render(
    client: TestClient, tokens: dict[str, str], seeded: dict[str, SeededLedger]
) -> None:
    headers = as_user(tokens, "viewer")
    ledgers = ledgers_by_layout(client, headers)
    no_bucket = find(ledgers, "enriched-archive", "s3://no-such-bucket/enriched/archive/")
    no_table = find(ledgers, "enriched-archive", ARCHIVE_URL, table="no-such-table")
    no_conn = find(ledgers, "enriched-archive", ARCHIVE_URL, conn="aws_nowhere")
    assert "no-such-bucket" in no_bucket["error"] and "\n" not in no_bucket["error"]
    assert "no-such-table" in no_table["error"] and "\n" not in no_table["error"]
    assert "aws_nowhere" in no_conn["error"] and "\n" not in no_conn["error"]
    unresolved = client.get("/api/ledgers", headers=headers).json()["unresolved"]
    # Only this module's DAGs (the worker's metadata DB may hold other test files' DAGs too).
    unresolved = [line for line in unresolved if line.startswith("DAG 'ledger_")]
    assert unresolved == [
        "DAG 'ledger_runtime' task 'wait': archive_url \"{{ dag_run.conf['archive_url'] }}\" is known only at run "
        "time and the task has not run yet: list its ledger in [snowplow] ledgers"
    ]
    page = client.get("/", headers=headers)
    assert page.status_code == 200
    # Each failing ledger shows its one line; the others (this module's three and any other test
    # file's in the worker's DB) still render their counts.
    assert page.text.count('class="error ledger-error"') >= 3
    for failed in (no_bucket, no_table, no_conn):
        assert failed["error"] in html.unescape(page.text)
    assert page.text.count('class="count"') >= 8 * 3


def test_filters_and_pages_are_applied_on_the_server(
    client: TestClient, tokens: dict[str, str], seeded: dict[str, SeededLedger]
) -> None:
    headers = as_user(tokens, "viewer")
    key = find(ledgers_by_layout(client, headers), "enriched-archive", ARCHIVE_URL)["key"]
    seed = seeded["enriched-archive"]
    stuck = client.get(f"/api/ledgers/{key}", params={"state": "not_ready"}, headers=headers).json()
    assert [(r["run_id"], r["waiting_for"]) for r in stuck["runs"]] == [
        (seed.states["not_ready"][0], "marker '_SUCCESS'")
    ]
    both = client.get(
        f"/api/ledgers/{key}", params=[("state", "claimed"), ("state", "lapsed")], headers=headers
    ).json()
    assert {r["run_id"] for r in both["runs"]} == {*seed.states["claimed"], *seed.states["lapsed"]}
    day = client.get(
        f"/api/ledgers/{key}", params={"since": "2026-11-20", "until": "2026-11-20"}, headers=headers
    ).json()
    assert sorted(r["run_id"] for r in day["runs"]) == sorted(seed.states["loaded"])
    pages = [
        client.get(f"/api/ledgers/{key}", params={"size": 4, "page": n}, headers=headers).json()
        for n in (1, 2, 3)
    ]
    assert [p["pages"] for p in pages] == [3, 3, 3] and [len(p["runs"]) for p in pages] == [4, 4, 1]
    listed = [r["run_id"] for p in pages for r in p["runs"]]
    assert len(set(listed)) == 9 and listed == sorted(listed, reverse=True)  # newest first
    assert [d["total"] for d in pages[0]["grid"]["days"]] == [3, 1, 2, 2, 1]  # runs per day, 20th to 24th
    bad = client.get(f"/api/ledgers/{key}", params={"state": "stuck"}, headers=headers)
    assert bad.status_code == 400 and "not_ready" in bad.json()["detail"]


def test_a_claimed_run_links_to_its_dag_run(
    client: TestClient, tokens: dict[str, str], seeded: dict[str, SeededLedger]
) -> None:
    headers = as_user(tokens, "viewer")
    key = find(ledgers_by_layout(client, headers), "enriched-archive", ARCHIVE_URL)["key"]
    run_id = seeded["enriched-archive"].states["claimed"][0]
    detail = client.get(f"/api/ledgers/{key}/runs/{run_id}", headers=headers).json()
    dag_id, dag_run_id = LIVE_OWNER.split("/")
    assert detail["claim"]["owner"] == LIVE_OWNER and detail["claim"]["live"] is True
    assert detail["claim_dag_run_url"] == f"{BASE_URL}/dags/{dag_id}/runs/{dag_run_id}"
    assert detail["now"]["ready"] is True and detail["now"]["parts"] == 1
    page = client.get(f"/ledgers/{key}/runs/{run_id}", headers=headers)
    assert f'href="{BASE_URL}/dags/{dag_id}/runs/{dag_run_id}"' in page.text


def test_a_transformer_run_shows_its_seal(
    client: TestClient, tokens: dict[str, str], seeded: dict[str, SeededLedger]
) -> None:
    headers = as_user(tokens, "viewer")
    key = find(ledgers_by_layout(client, headers), "transformer-output", TRANSFORMED_URL)["key"]
    run_id = seeded["transformer-output"].states["pending"][0]
    page = client.get(f"/ledgers/{key}/runs/{run_id}", headers=headers)
    assert page.status_code == 200 and "&#34;transformation&#34;: &#34;WIDEROW&#34;" in page.text


def test_the_s3_loader_picture_is_a_grid_of_hours(
    client: TestClient, tokens: dict[str, str], seeded: dict[str, SeededLedger]
) -> None:
    headers = as_user(tokens, "viewer")
    key = find(ledgers_by_layout(client, headers), "s3-loader", LOADER_URL)["key"]
    grid = client.get(f"/api/ledgers/{key}", headers=headers).json()["grid"]
    cells = [cell for day in grid["days"] for cell in day["cells"] if cell]
    assert grid["kind"] == "hours" and sorted(c["state"] for c in cells) == [
        "loaded",
        "loaded",
        "not_ready",
        "pending",
    ]
