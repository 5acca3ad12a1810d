"""The HTML pages: Jinja2 templates (autoescaped) rendered from :mod:`.views`' data.

The page is shown inside the Airflow UI (an external view with a ``url_route``: a sandboxed iframe
under Airflow's navigation, which may not navigate the window around it). Links to a DAG run target
the top window, and a few lines of script in ``base.html`` hand them to the UI's router when the
page is framed; everything else is plain HTML and forms.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from airflow_provider_snowplow.ledger.runs import FILTERS, STATES
from airflow_provider_snowplow.ui.views import STATE_LABELS, Filters

COLOURS = {
    "loaded": "#2e7d32",
    "changed": "#ef6c00",
    "pending": "#1565c0",
    "not_ready": "#9e9e9e",
    "claimed": "#6a1b9a",
    "skipped": "#78909c",
    "archived": "#00838f",
    "lapsed": "#c62828",
}
ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="#6638b6" '
    'stroke-width="2"><rect x="3" y="4" width="18" height="16" rx="2"/><path d="M3 9h18M8 4v16"/></svg>'
)


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("airflow_provider_snowplow.ui", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(colours=COLOURS, labels=STATE_LABELS, states=STATES, filters=FILTERS)
    env.filters["age"] = _age
    env.filters["pretty"] = lambda value: json.dumps(value, indent=2, sort_keys=True)
    return env


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def index(root: str, ledgers: list[dict[str, Any]], notes: list[str], max_age: float) -> str:
    """The list of ledgers the user may see; ``root`` is the app's path (``/snowplow``)."""
    template = _environment().get_template("index.html")
    return template.render(root=root, ledgers=ledgers, notes=notes, max_age=max_age)


def ledger(root: str, view: dict[str, Any], chosen: Filters, max_age: float) -> str:
    """One ledger's page."""
    return (
        _environment()
        .get_template("ledger.html")
        .render(root=root, ledger=view, chosen=chosen, max_age=max_age)
    )


def run(root: str, summary: dict[str, Any], detail: dict[str, Any]) -> str:
    """One run's page."""
    return _environment().get_template("run.html").render(root=root, ledger=summary, run=detail)
