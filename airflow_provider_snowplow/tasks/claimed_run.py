"""``claimed_run``: hold a run's claim for the duration of a processing task, with no boilerplate.

Usage in a TaskFlow task or an operator's ``execute``::

    with claimed_run(snowplow_run_id, table_name="snowplow-load-manifests") as claim:
        process(snowplow_run_id)

* If another DAG run holds a live claim, or the run is already loaded, the task is skipped
  (``AirflowSkipException``) with a log line saying who holds it; downstream ``mark loaded`` is
  skipped with it.
* While the body runs, a background thread renews the lease every third of its length, so a long
  run is never taken over while its worker is alive; if renewal finds the claim lost, the task
  fails at the end of the body instead of reporting success.
* If the body raises, the claim is released at once, so the run is pending again without waiting
  for the lease to expire. On success the claim is kept: ``SnowplowMarkRunLoadedOperator`` of the same DAG
  run records the run and drops the claim in one transaction.

A run can still change after it was offered (a late copy into its folder). Read it once, process
what you read, and confirm it is unchanged before you publish anything, as
``SnowplowTransformRunOperator`` does before its ``_SUCCESS.json``::

    with claimed_run(snowplow_run_id, hook=hook) as claim:
        run = hook.read_run(ARCHIVE_URL, snowplow_run_id)        # one listing
        load([part.key for part in run.parts])
        hook.confirm_ready(ARCHIVE_URL, snowplow_run_id, since=run.signatures)  # RunChangedError
        publish()

``confirm_ready`` raises ``RunChangedError`` if the run is no longer complete by the hook's
readiness rule or its part files differ; the claim is then released like on any failure.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from airflow.sdk import Context, get_current_context
from airflow.sdk.exceptions import AirflowSkipException

from airflow_provider_snowplow.errors import ClaimLostError
from airflow_provider_snowplow.manifest.claims import DEFAULT_LEASE_SECONDS
from airflow_provider_snowplow.manifest.items import Claim, now_iso

# The hook pulls in boto3 and the Amazon provider: imported when a task runs, not when a DAG
# file is parsed.
if TYPE_CHECKING:
    from airflow_provider_snowplow.hooks.manifest import SnowplowManifestHook


def claim_owner(context: Context) -> str:
    """The owner string of a claim: the DAG run, so retries in the same DAG run re-enter it."""
    return f"{context['dag'].dag_id}/{context['run_id']}"


def loaded_by(context: Context) -> str:
    """Provenance recorded on a run record: DAG / DAG run / task [map index]."""
    ti = context["ti"]
    map_index = getattr(ti, "map_index", -1)
    suffix = f"[{map_index}]" if map_index is not None and map_index >= 0 else ""
    return f"{claim_owner(context)}/{ti.task_id}{suffix}"


class _LeaseRenewer(threading.Thread):
    def __init__(self, hook: SnowplowManifestHook, claim: Claim, lease_seconds: float) -> None:
        super().__init__(name=f"snowplow-lease-{claim.run_id}", daemon=True)
        self.hook, self.claim, self.lease_seconds = hook, claim, lease_seconds
        self.stopped = threading.Event()
        self.lost: ClaimLostError | None = None

    def run(self) -> None:
        while not self.stopped.wait(self.lease_seconds / 3):
            try:
                self.claim = self.hook.renew_claim(self.claim, self.lease_seconds)
            except ClaimLostError as lost:
                self.lost = lost
                return
            except Exception as exc:  # a failed renewal is retried at the next tick
                self.hook.log.warning("Could not renew the claim on %s: %s", self.claim.run_id, exc)


def claim_or_skip(
    hook: SnowplowManifestHook, snowplow_run_id: str, context: Context, lease_seconds: float
) -> Claim:
    """Claim the run for this DAG run, or skip the task saying who has it (or that it is recorded).

    For tasks that hold a claim beyond one ``with`` body (a job that runs while the task is
    deferred); others use :func:`claimed_run`. The claim is not renewed: the lease must cover the
    work, or the caller renews it.

    Raises:
        AirflowSkipException: another owner holds a live claim, or the run is already recorded.
    """
    outcome = hook.claim_run(snowplow_run_id, claim_owner(context), lease_seconds)
    if outcome.status == "recorded":
        record = outcome.record
        raise AirflowSkipException(
            f"Run {snowplow_run_id} is already {record.status.lower() if record else 'loaded'}"
            + (f" (by {record.loaded_by} at {record.loaded_at})" if record and record.loaded_by else "")
            + "; skipping"
        )
    if not outcome.won:
        holder = outcome.claim
        who = f"{holder.owner} until {now_iso(holder.lease_expires_at)}" if holder else "another owner"
        raise AirflowSkipException(f"Run {snowplow_run_id} is being processed by {who}; skipping")
    assert outcome.claim is not None
    hook.log.info("Claimed run %s as %s (lease %.0f s)", snowplow_run_id, outcome.claim.owner, lease_seconds)
    return outcome.claim


@contextmanager
def claimed_run(
    snowplow_run_id: str,
    *,
    table_name: str | None = None,
    aws_conn_id: str | None = "aws_default",
    region_name: str | None = None,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    context: Context | None = None,
    hook: SnowplowManifestHook | None = None,
) -> Iterator[Claim]:
    """Hold the run's claim while the ``with`` body processes it; see the module docstring.

    Args:
        snowplow_run_id: the run folder prefix, e.g. ``enriched/archive/run=2017-04-07-10-00-00/``.
        table_name: the manifest table (not needed with ``hook``).
        aws_conn_id: the Airflow AWS connection.
        region_name: overrides the connection's region.
        lease_seconds: how long the claim survives a dead worker; renewed while alive.
        context: the task context; defaults to the current one.
        hook: an operator's own manifest hook, instead of one built from the three above.

    Raises:
        AirflowSkipException: another owner holds the claim, or the run is already loaded.
        ClaimLostError: the lease was taken over while the body ran.
    """
    context = context or get_current_context()
    if hook is None:
        if table_name is None:
            raise TypeError("claimed_run() needs table_name= (or an operator's hook=)")
        from airflow_provider_snowplow.hooks.manifest import SnowplowManifestHook

        hook = SnowplowManifestHook(table_name, aws_conn_id=aws_conn_id, region_name=region_name)
    claim = claim_or_skip(hook, snowplow_run_id, context, lease_seconds)
    renewer = _LeaseRenewer(hook, claim, lease_seconds)
    renewer.start()
    succeeded = False
    try:
        yield claim
        succeeded = True
    finally:
        renewer.stopped.set()
        renewer.join()
        if not succeeded:
            released = hook.release_claim(snowplow_run_id, token=renewer.claim.token)
            outcome_text = "released" if released else "was lost"
            hook.log.info("Processing of %s failed; claim %s", snowplow_run_id, outcome_text)
    if renewer.lost is not None:
        raise renewer.lost
