"""The ledger's FastAPI app, mounted by the API server at ``/snowplow``: HTML pages and JSON, read-only.

========================================  =================================================
``GET /snowplow/``                        the ledgers this user may see, with their counts
``GET /snowplow/ledgers/{key}``           one ledger: counts, picture, filters, runs (paged)
``GET /snowplow/ledgers/{key}/runs/{id}`` one run: record, claim, readiness now, seal
``GET /snowplow/api/ledgers``             the list as JSON
``GET /snowplow/api/ledgers/{key}``       one ledger as JSON (same filters as its page)
``GET /snowplow/api/ledgers/{key}/runs/{id}``  one run as JSON
========================================  =================================================

Every route authenticates as the API server does and shows only the ledgers of DAGs the user may
read (:mod:`.access`); anonymous pages redirect to the login page, anonymous JSON gets 401, and a
ledger the user may not see is 404, as one that does not exist. Routes are plain functions, which
FastAPI runs on its thread pool: a refresh's AWS requests never block the server's event loop.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials

from airflow_provider_snowplow.errors import InvalidValueError
from airflow_provider_snowplow.ledger.cache import (
    DEFAULT_MAX_AGE_SECONDS,
    CachedLedger,
    LedgerCache,
    one_line,
)
from airflow_provider_snowplow.ledger.detail import RunDetail
from airflow_provider_snowplow.ledger.runs import DEFAULT_PAGE_SIZE, LedgerRun
from airflow_provider_snowplow.ledger.spec import LedgerSpec
from airflow_provider_snowplow.ui import access, pages, views
from airflow_provider_snowplow.ui.sources import FoundLedgers

PREFIX = "/snowplow"


@dataclass
class LedgerService:
    """What the routes need, each replaceable (a test gives its own clock or sources).

    Attributes:
        find: the deployment's ledgers (:func:`~airflow_provider_snowplow.ui.sources.find_ledgers`).
        cache: the snapshots per ledger.
        inspect: one run's folder now and its seal.
        readable: the DAG ids a user may read.
        base_url: the Airflow UI's base URL, for links to DAG runs.
        find_max_age: seconds the found ledgers are kept before the DAGs are read again.
    """

    find: Callable[[], FoundLedgers]
    cache: LedgerCache
    inspect: Callable[[LedgerSpec, LedgerRun], RunDetail]
    readable: Callable[[Any], set[str]] = access.readable_dag_ids
    base_url: str = ""
    find_max_age: float = DEFAULT_MAX_AGE_SECONDS

    def __post_init__(self) -> None:
        self._found: tuple[float, FoundLedgers] | None = None
        self._lock = threading.Lock()

    def ledgers(self) -> FoundLedgers:
        """The found ledgers, read again once ``find_max_age`` old."""
        with self._lock:
            if self._found is None or time.monotonic() - self._found[0] >= self.find_max_age:
                self._found = (time.monotonic(), self.find())
            return self._found[1]


def default_service() -> LedgerService:
    """The service of a running API server: ledgers from its metadata DB, AWS through the hook.

    ``[snowplow] ledger_cache_seconds`` (default 60) is how long a snapshot is served before a
    refresh; ``[api] base_url`` prefixes the links to DAG runs.
    """
    from airflow.configuration import conf

    from airflow_provider_snowplow.ui.aws import LedgerClients
    from airflow_provider_snowplow.ui.sources import find_ledgers

    max_age = conf.getfloat("snowplow", "ledger_cache_seconds", fallback=DEFAULT_MAX_AGE_SECONDS)
    clients = LedgerClients()
    return LedgerService(
        find=find_ledgers,
        cache=LedgerCache(clients.refresh, max_age=max_age),
        inspect=clients.inspect,
        base_url=conf.get("api", "base_url", fallback="") or "",
        find_max_age=max_age,
    )


class _LoginNeeded(Exception):
    """A page was asked for without a session: the browser goes to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def _root(request: Request) -> str:
    """The app's own path as the browser sees it (``/snowplow``, under ``[api] base_url``'s path)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


async def _api_user(request: Request) -> Any:
    from airflow.api_fastapi.core_api.security import bearer_scheme, get_user

    credentials: HTTPAuthorizationCredentials | None = await bearer_scheme(request)
    return await get_user(request, None, credentials)


async def _page_user(request: Request) -> Any:
    try:
        return await _api_user(request)
    except HTTPException as refused:
        if refused.status_code == 401:
            raise _LoginNeeded(str(request.url)) from None
        raise


ApiUser = Annotated[Any, Depends(_api_user)]
PageUser = Annotated[Any, Depends(_page_user)]
States = Annotated[list[str], Query(alias="state")]


def create_app(service: LedgerService | None = None) -> FastAPI:
    """The ledger app; ``service`` defaults to :func:`default_service`, built on the first request."""
    app = FastAPI(title="Snowplow runs", docs_url=None, redoc_url=None, openapi_url=None)
    holder: dict[str, LedgerService] = {} if service is None else {"service": service}
    holder_lock = threading.Lock()

    def get_service() -> LedgerService:
        with holder_lock:
            if "service" not in holder:
                holder["service"] = default_service()
            return holder["service"]

    @app.exception_handler(_LoginNeeded)
    def login(request: Request, needed: _LoginNeeded) -> Response:
        return RedirectResponse(access.login_url(needed.next_url), status_code=307)

    @app.exception_handler(InvalidValueError)
    def bad_filter(request: Request, invalid: InvalidValueError) -> Response:
        return JSONResponse({"detail": str(invalid)}, status_code=400)

    def visible(user: Any) -> tuple[LedgerService, FoundLedgers, list[LedgerSpec], set[str]]:
        svc = get_service()
        found = svc.ledgers()
        readable = svc.readable(user)
        return svc, found, access.visible(found.ledgers, readable), readable

    def one(user: Any, key: str) -> tuple[LedgerService, CachedLedger]:
        svc, _, ledgers, _ = visible(user)
        spec = next((ledger for ledger in ledgers if ledger.key == key), None)
        if spec is None:
            raise HTTPException(404, f"no ledger {key!r} among the ledgers of the DAGs you may read")
        return svc, svc.cache.get(spec)

    def run_detail(svc: LedgerService, cached: CachedLedger, run_id: str) -> dict[str, Any]:
        snapshot = cached.snapshot
        run = snapshot.find(run_id) if snapshot else None
        if snapshot is None or run is None:
            raise HTTPException(404, f"no run {run_id!r} in the ledger of {cached.spec.archive_url}")
        try:
            return views.detail_json(svc.inspect(cached.spec, run), snapshot, svc.base_url)
        except Exception as exc:  # the run's folder or seal could not be read: say so on the page
            return {**views.run_json(run, svc.base_url), "now": None, "seal": None, "error": one_line(exc)}

    def filters(
        states: list[str], since: str | None, until: str | None, page: int, size: int
    ) -> views.Filters:
        return views.Filters.parse(states, since, until, page, size)

    @app.get("/api/ledgers")
    def list_json(user: ApiUser) -> dict[str, Any]:
        svc, found, ledgers, readable = visible(user)
        return {
            "ledgers": [views.ledger_summary(svc.cache.get(spec)) for spec in ledgers],
            "unresolved": [note for dag_id, note in found.unresolved if dag_id is None or dag_id in readable],
        }

    @app.get("/api/ledgers/{key}")
    def ledger_json(
        user: ApiUser,
        key: str,
        state: States = [],  # noqa: B006  (FastAPI copies defaults)
        since: str | None = None,
        until: str | None = None,
        page: int = 1,
        size: int = DEFAULT_PAGE_SIZE,
    ) -> dict[str, Any]:
        svc, cached = one(user, key)
        return views.ledger_view(cached, filters(state, since, until, page, size), svc.base_url)

    @app.get("/api/ledgers/{key}/runs/{run_id:path}")
    def run_json(user: ApiUser, key: str, run_id: str) -> dict[str, Any]:
        svc, cached = one(user, key)
        return run_detail(svc, cached, run_id)

    @app.get("/", response_class=HTMLResponse)
    def index_page(request: Request, user: PageUser) -> str:
        svc, found, ledgers, readable = visible(user)
        notes = [note for dag_id, note in found.unresolved if dag_id is None or dag_id in readable]
        return pages.index(
            _root(request),
            [views.ledger_summary(svc.cache.get(spec)) for spec in ledgers],
            notes,
            svc.cache.max_age,
        )

    @app.get("/ledgers/{key}", response_class=HTMLResponse)
    def ledger_page(
        request: Request,
        user: PageUser,
        key: str,
        state: States = [],  # noqa: B006
        since: str | None = None,
        until: str | None = None,
        page: int = 1,
        size: int = DEFAULT_PAGE_SIZE,
    ) -> str:
        svc, cached = one(user, key)
        chosen = filters(state, since, until, page, size)
        return pages.ledger(
            _root(request), views.ledger_view(cached, chosen, svc.base_url), chosen, svc.cache.max_age
        )

    @app.get("/ledgers/{key}/runs/{run_id:path}", response_class=HTMLResponse)
    def run_page(request: Request, user: PageUser, key: str, run_id: str) -> str:
        svc, cached = one(user, key)
        return pages.run(_root(request), views.ledger_summary(cached), run_detail(svc, cached, run_id))

    @app.get("/icon.svg")
    def icon() -> Response:
        return Response(pages.ICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})

    return app
