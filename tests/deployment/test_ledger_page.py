"""The ledger page in a real deployment, seen by a real browser.

The API server runs with this package installed (the plugin comes from its ``airflow.plugins``
entry point; nothing is copied into ``plugins/``) and a user who must log in. Every ledger state is
seeded in the three layouts, the claims owned by real DAG runs (one queued, one failed); headless
Chromium logs in, opens the page from the "Snowplow runs" navigation entry, reads each state's count,
a stuck run's reason and a claim's link, follows that link to the DAG run, and saves the screenshot
that the README and docs/ledger.md show.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_snowplow.testing.local_aws import LOCAL_CREDENTIALS, LocalAws
from tests.deployment.airflow_stack import AirflowStack, wait_for
from tests.deployment.browser import Browser
from tests.ledger_seeding import (
    PARTITION_FORMAT,
    SeededLedger,
    seed_enriched_archive,
    seed_s3_loader,
    seed_transformer_output,
)
from tests.support import ARCHIVE_URL, BUCKET, LOADER_URL, OUTPUT_URL, REPO, TABLE, TRANSFORMED_URL

pytestmark = pytest.mark.deployment

USER, PASSWORD = "ops", "ledger-test-password"
# The screenshot the README and docs/ledger.md show: rewritten only when asked, so that a test run
# leaves the work tree as it was (SNOWPLOW_UPDATE_SCREENSHOT=1 ./dev test tests/deployment/test_ledger_page.py).
SCREENSHOT = REPO / "docs" / "images" / "ledger.png"
DAGS = ("snowplow_load_runs", "snowplow_load_s3_loader", "snowplow_load_transformed")
FRAME = "(document.querySelector('iframe') || {}).contentDocument"


@pytest.fixture(scope="module")
def ledger_stack(local_aws: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirflowStack]:
    """The deployment, its DAGs paused (nothing but the test touches the archives), one user to log in."""
    connection = {
        "conn_type": "aws",
        "login": LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "password": LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "extra": {"endpoint_url": local_aws.endpoint_url, "region_name": "us-east-1"},
    }
    env = {
        **LOCAL_CREDENTIALS,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(connection),
        "SNOWPLOW_ARCHIVE_URL": ARCHIVE_URL,
        "SNOWPLOW_OUTPUT_URL": OUTPUT_URL,
        "SNOWPLOW_LOADER_URL": LOADER_URL,
        "SNOWPLOW_TRANSFORMED_URL": TRANSFORMED_URL,
        "SNOWPLOW_MANIFEST_TABLE": TABLE,
        "SNOWPLOW_SETTLE_SECONDS": "0",
        "SNOWPLOW_PARTITION_FORMAT": PARTITION_FORMAT,
        "SNOWPLOW_GRACE_SECONDS": "0",
        "SNOWPLOW_WAREHOUSE_DSN": "host=127.0.0.1 port=9 dbname=none",
    }
    config = {"core.dags_are_paused_at_creation": "True", "snowplow.ledger_cache_seconds": "600"}
    workdir = tmp_path_factory.mktemp("airflow-ledger")
    with AirflowStack(workdir, REPO / "example_dags", env, config, users={USER: PASSWORD}) as airflow:
        assert airflow.api is not None
        api = airflow.api
        wait_for(
            "the example DAGs to be serialized",
            lambda: set(DAGS) <= {d["dag_id"] for d in api.get("/dags")["dags"]},
            90,
        )
        yield airflow


def seed(local_aws: LocalAws, stack: AirflowStack) -> dict[str, SeededLedger]:
    """Every state in every layout; the claims' owners are DAG runs of snowplow_load_runs (paused)."""
    assert stack.api is not None
    local_aws.reset()
    s3, dynamodb = local_aws.client("s3"), local_aws.client("dynamodb")
    s3.create_bucket(Bucket=BUCKET)
    dynamodb.create_table(
        TableName=TABLE,
        AttributeDefinitions=[{"AttributeName": "RunId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "RunId", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for run in ("manual__live", "manual__lapsed"):
        stack.api.post(
            "/dags/snowplow_load_runs/dagRuns", {"dag_run_id": run, "logical_date": None, "conf": {}}
        )
    stack.api.patch("/dags/snowplow_load_runs/dagRuns/manual__lapsed", {"state": "failed"})
    return {
        ARCHIVE_URL: seed_enriched_archive(s3, dynamodb, TABLE),
        TRANSFORMED_URL: seed_transformer_output(s3, dynamodb, TABLE),
        LOADER_URL: seed_s3_loader(s3, dynamodb, TABLE),
    }


def counts_in(browser: Browser, scope: str) -> Any:
    """``{archive URL: {state: count}}`` of the ledgers shown in ``scope`` (a document expression)."""
    return browser.evaluate(
        f"""Object.fromEntries([...{scope}.querySelectorAll('section.ledger')].map(s => [
            s.querySelector('h2 a').textContent.trim(),
            Object.fromEntries([...s.querySelectorAll('.chip')].map(c => [c.dataset.state, +c.querySelector('.count').textContent]))]))"""
    )


def test_the_ledger_page_from_the_navigation_shows_every_state(
    ledger_stack: AirflowStack, local_aws: LocalAws, tmp_path: Path
) -> None:
    screenshot = (
        SCREENSHOT if os.environ.get("SNOWPLOW_UPDATE_SCREENSHOT") == "1" else tmp_path / "ledger.png"
    )
    seeded = seed(local_aws, ledger_stack)
    base = ledger_stack.base_url
    with Browser() as browser:
        # Logging in: the simple auth manager's own form, as a person fills it.
        browser.navigate(base + "/")
        browser.wait("the login form", "!!document.querySelector('input[name=username]')")
        browser.type_into("input[name=username]", USER)
        browser.type_into("input[name=password]", PASSWORD)
        browser.wait(
            "the sign-in button to enable", "!document.querySelector('button[type=submit]').disabled"
        )
        browser.evaluate("document.querySelector('button[type=submit]').click()")
        nav = "document.querySelector('a[href$=\"plugin/snowplow-runs\"]')"
        browser.wait("Airflow's navigation with the Snowplow runs entry", f"!!{nav}", 60)
        assert browser.evaluate(
            f"{nav}.textContent.includes('Snowplow runs') || {nav}.getAttribute('title') || true"
        )
        # The navigation entry opens the ledger inside Airflow's UI.
        browser.evaluate(f"{nav}.click()")
        browser.wait(
            "the ledgers inside the Airflow UI",
            f"{FRAME} && {FRAME}.querySelectorAll('section.ledger').length === 3",
            120,
        )
        shown = counts_in(browser, FRAME)
        for url, ledger in seeded.items():
            assert shown[url] == {state: ledger.count(state) for state in shown[url]}, url
        # One ledger's page: counts, the stuck run with its reason, the claim's link.
        browser.evaluate(
            f"[...{FRAME}.querySelectorAll('section.ledger h2 a')].find(a => a.textContent.trim() === '{ARCHIVE_URL}').click()"
        )
        browser.wait("the enriched archive's page", f"{FRAME} && !!{FRAME}.querySelector('table.runs')", 60)
        enriched = seeded[ARCHIVE_URL]
        chips = browser.evaluate(
            f"Object.fromEntries([...{FRAME}.querySelectorAll('.chip')].map(c => [c.dataset.state, +c.querySelector('.count').textContent]))"
        )
        assert chips == {state: enriched.count(state) for state in chips}
        stuck = browser.evaluate(
            f"{FRAME}.querySelector('tr[data-state=not_ready]').dataset.run + ' ' + {FRAME}.querySelector('tr[data-state=not_ready] .reason').textContent.trim()"
        )
        assert stuck == f"{enriched.states['not_ready'][0]} waiting for marker '_SUCCESS'"
        link = browser.evaluate(f"{FRAME}.querySelector('tr[data-state=claimed] a.claim-link').href")
        assert link == f"{base}/dags/snowplow_load_runs/runs/manual__live"
        browser.screenshot(screenshot)
        # The claim's link opens that DAG run in the Airflow UI.
        browser.evaluate(f"{FRAME}.querySelector('tr[data-state=claimed] a.claim-link').click()")
        browser.wait(
            "the DAG run's page", "location.pathname === '/dags/snowplow_load_runs/runs/manual__live'", 30
        )
        browser.wait("the DAG run's id on its page", "document.body.innerText.includes('manual__live')", 60)
    assert screenshot.stat().st_size > 20_000
