"""Who sees which ledger: Airflow's auth manager decides, per DAG.

A request is authenticated as the rest of the API server authenticates it (the UI's ``_token``
cookie, or ``Authorization: Bearer``): anonymous requests are refused. A user sees a ledger only
with read access to at least one DAG that uses it, as the auth manager answers for that user
(``get_authorized_dag_ids``), so the ledgers follow whatever the deployment's auth manager says,
teams included. The page is read-only: it writes nothing, to AWS or to Airflow.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from airflow_provider_snowplow.ledger.spec import LedgerSpec


def readable_dag_ids(user: Any) -> set[str]:
    """The DAG ids the auth manager lets ``user`` read."""
    from airflow.api_fastapi.app import get_auth_manager

    return set(get_auth_manager().get_authorized_dag_ids(user=user, method="GET"))


def visible(ledgers: Iterable[LedgerSpec], readable: set[str]) -> list[LedgerSpec]:
    """The ledgers used by at least one DAG of ``readable``."""
    return [ledger for ledger in ledgers if ledger.dag_ids & readable]


def login_url(next_url: str) -> str:
    """Where the auth manager logs a user in, coming back to ``next_url``."""
    from airflow.api_fastapi.app import get_auth_manager

    return str(get_auth_manager().get_url_login(next_url=next_url))
