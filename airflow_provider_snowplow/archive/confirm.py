"""The last responsible moment: list a run again and confirm it is still what was read.

A run is offered when the readiness rule says it is complete, but a pipeline can still write to it
afterwards (a late copy, a re-run of the archive step). So whoever is about to publish a run's
output, or to record it as loaded, lists it once more, under its claim: if it is not ready now, or
its part files differ from those that were read, nothing may be published.
"""

from __future__ import annotations

from collections.abc import Sequence

from airflow_provider_snowplow.archive.contents import PartSignature, RunContents, describe_changes
from airflow_provider_snowplow.archive.layouts import EnrichedArchive, Layout
from airflow_provider_snowplow.archive.layouts.readiness import ReadinessRule
from airflow_provider_snowplow.archive.listing import list_run_contents, run_resource
from airflow_provider_snowplow.aws.plans import Plan
from airflow_provider_snowplow.errors import RunChangedError


def confirm_ready(
    bucket: str,
    run_id: str,
    rule: ReadinessRule | Layout,
    now: float,
    since: Sequence[PartSignature] | None = None,
) -> Plan[RunContents]:
    """List the run and check it against ``rule`` and, if given, the part files read (``since``).

    ``rule`` is the run's layout (its readiness and where its objects are), or a readiness rule
    for the enriched archive.

    Returns:
        The run as listed now; its part files are exactly ``since`` when that was given.

    Raises:
        RunChangedError: the run is not ready by ``rule``, or its part files differ from ``since``.
    """
    layout = rule if isinstance(rule, Layout) else EnrichedArchive(rule)
    contents = yield from list_run_contents(bucket, run_id, layout.objects_prefix(run_id))
    verdict = layout.check(contents, now)
    changes = describe_changes(run_id, since, contents.signatures) if since is not None else None
    if changes is not None:
        problem = f"changed while it was being processed: it {changes}"
    elif not verdict.ready:
        problem = f"is not complete ({verdict.describe()})"
    else:
        return contents
    raise RunChangedError(
        f"{run_resource(bucket, run_id)} {problem}; it was not recorded as loaded, and will be "
        "offered again, whole, once it is complete"
    )
