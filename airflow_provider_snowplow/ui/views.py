"""What the page and the JSON endpoints show, computed from a cached ledger and a request's filters.

Pure functions of the snapshot (no Airflow, no AWS), shared by the HTML pages and the JSON, so the
two always agree; the time range and states come from the query string, checked here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from airflow_provider_snowplow.errors import InvalidValueError
from airflow_provider_snowplow.ledger.cache import CachedLedger
from airflow_provider_snowplow.ledger.detail import RunDetail
from airflow_provider_snowplow.ledger.runs import DEFAULT_PAGE_SIZE, FILTERS, LedgerRun, LedgerSnapshot

STATE_LABELS = {
    "loaded": "loaded",
    "pending": "pending",
    "not_ready": "not ready",
    "claimed": "claimed",
    "skipped": "skipped",
    "archived": "archived (Glacier)",
    "changed": "changed since loading",
    "lapsed": "lapsed claim",
}


@dataclass(frozen=True)
class Filters:
    """A request's selection: states and flags (none: all), a day range (``until`` inclusive), a page."""

    states: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    page: int = 1
    size: int = DEFAULT_PAGE_SIZE

    @classmethod
    def parse(cls, states: list[str], since: str | None, until: str | None, page: int, size: int) -> Filters:
        """From the query string.

        Raises:
            InvalidValueError: an unknown state or a day that is not ``YYYY-MM-DD``, naming the choices.
        """
        unknown = [state for state in states if state not in FILTERS]
        if unknown:
            raise InvalidValueError(f"state {unknown[0]!r} is not one of {', '.join(FILTERS)}")
        return cls(tuple(dict.fromkeys(states)), _day(since, "since"), _day(until, "until"), page, size)

    @property
    def until_exclusive(self) -> datetime | None:
        """The end of the range as a bound: midnight after ``until``."""
        return self.until + timedelta(days=1) if self.until is not None else None

    def query(self, **changes: Any) -> str:
        """This selection as a query string, with ``changes`` (``page=2``...)."""
        values: dict[str, Any] = {
            "state": list(self.states),
            "since": f"{self.since:%Y-%m-%d}" if self.since else None,
            "until": f"{self.until:%Y-%m-%d}" if self.until else None,
            "page": self.page,
            "size": self.size,
            **changes,
        }
        parts = []
        for name, value in values.items():
            for item in value if isinstance(value, list) else [value]:
                if item not in (None, ""):
                    parts.append(f"{name}={quote(str(item))}")
        return "&".join(parts)


def _day(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise InvalidValueError(f"{name} must be a day, YYYY-MM-DD, got {value!r}") from None


def dag_run_link(base_url: str, owner: str | None) -> str | None:
    """The Airflow UI's page of the DAG run in a claim owner or ``LoadedBy`` (``dag/run[/task]``)."""
    if not owner or owner.count("/") < 1 or owner.startswith("cli"):
        return None
    dag_id, run_id = owner.split("/")[:2]
    return f"{base_url.rstrip('/')}/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}"


def ledger_summary(cached: CachedLedger) -> dict[str, Any]:
    """A ledger's identity, counts, age and error: the list endpoint's entry."""
    spec, snapshot = cached.spec, cached.snapshot
    return {
        "key": spec.key,
        "archive_url": spec.archive_url,
        "table": spec.table_name,
        "layout": spec.layout,
        "connection": spec.aws_conn_id,
        "describe": spec.describe(),
        "dag_ids": sorted(spec.dag_ids),
        "counts": snapshot.counts if snapshot else None,
        "runs": len(snapshot.runs) if snapshot else None,
        "age_seconds": None if cached.age_seconds is None else round(cached.age_seconds, 1),
        "refreshing": cached.refreshing,
        "error": cached.error,
        "refresh_requests": snapshot.requests if snapshot else None,
        "verify": None
        if snapshot is None or snapshot.verification is None
        else {
            "verified_at": snapshot.verification.verified_at,
            "since": snapshot.verification.since,
            "counts": snapshot.verification.counts,
            "summary": snapshot.verification.summary,
        },
    }


def ledger_view(cached: CachedLedger, filters: Filters, base_url: str) -> dict[str, Any]:
    """One ledger as the page and its JSON show it: summary, the selected page of runs, the picture."""
    view = ledger_summary(cached)
    snapshot = cached.snapshot
    if snapshot is None:
        return {**view, "total": 0, "page": 1, "pages": 1, "size": filters.size, "runs": [], "grid": None}
    since, until = filters.since, filters.until_exclusive
    selected = snapshot.select(filters.states, since, until)
    page = snapshot.page(selected, filters.page, filters.size)
    return {
        **view,
        "total": page.total,
        "page": page.page,
        "pages": page.pages,
        "size": page.size,
        "runs": [run_json(run, base_url) for run in page.runs],
        "grid": snapshot.grid(selected, until),
    }


def run_json(run: LedgerRun, base_url: str) -> dict[str, Any]:
    """A run, with the Airflow UI links of its claim's and its record's DAG runs."""
    shown = run.as_json()
    shown["claim_dag_run_url"] = dag_run_link(base_url, run.claim.owner) if run.claim else None
    shown["loaded_by_dag_run_url"] = dag_run_link(base_url, run.record.loaded_by) if run.record else None
    return shown


def detail_json(detail: RunDetail, snapshot: LedgerSnapshot, base_url: str) -> dict[str, Any]:
    """One run's detail: the snapshot's view of it, its folder now, its readiness, its seal."""
    shown = run_json(detail.run, base_url)
    if detail.run.claim is not None:
        shown["claim"]["live"] = detail.run.claim.is_live(snapshot.taken_at)
    return {
        **shown,
        "now": {
            "ready": detail.readiness.ready,
            "verdict": detail.readiness.describe(),
            "objects": detail.objects,
            "parts": detail.parts,
            "bytes": detail.bytes,
            "archived": detail.archived,
        },
        "seal": detail.seal,
        "seal_error": detail.seal_error,
    }
