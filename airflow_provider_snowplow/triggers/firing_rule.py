"""When an event trigger that watches an archive fires: once per new pending run, not once per poll.

An event trigger that fired on every poll that finds pending runs would start a DAG run a minute
for the same runs until a DAG run claims them. :class:`FiringRule` remembers which runs it fired
for, and when, and fires again only when that is worth a DAG run:

* a pending run it has not fired for (a new run, or one from beyond ``max_runs`` once the first
  ones are claimed) fires at once, unless it fired less than ``min_interval`` seconds ago: then
  the run waits for the first poll after that interval, so a burst of runs spread over a few polls
  starts one DAG run, not one per poll;
* a run it fired for that is still, or again, pending ``refire_after`` seconds later fires again:
  the DAG run it fired for lost it (the event was lost, the DAG run failed and released its claim,
  a worker died and the claim's lease ran out, the DAG was paused). This is the slow safety net
  that a clock schedule would otherwise be;
* while a DAG run processes a run, its claim makes the run not pending, so the rule neither fires
  for it nor remembers it as new: a run that arrives meanwhile starts its own DAG run, which maps
  over that run alone.

The memory lives in the trigger, in the triggerer's process. A restarted triggerer starts with
none, so it fires once for whatever is pending: a DAG run then claims each run, and a run that a
DAG run already holds is not pending, so nothing is loaded twice. Entries are forgotten once their
run has left the pending set for ``refire_after`` seconds, so the memory stays as small as the
runs of one ``refire_after`` window.

Pure Python, no Airflow: unit-tested as it is, and run as it is by the trigger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class FiringRule:
    """Decide, poll by poll, whether the pending runs are worth an event.

    Attributes:
        min_interval: seconds that must pass between two events (0: none).
        refire_after: seconds after which a run fired for, and still pending, is fired for again.
        fired: each remembered run id and the epoch second it was last fired for.
        last_fired: epoch second of the last event, or None before the first.
    """

    min_interval: float
    refire_after: float
    fired: dict[str, float] = field(default_factory=dict)
    last_fired: float | None = None

    def __post_init__(self) -> None:
        if self.min_interval < 0 or self.refire_after <= 0:
            raise ValueError(
                f"min_interval must be 0 or more and refire_after more than 0, got {self.min_interval} "
                f"and {self.refire_after}"
            )

    def why_fire(self, pending: Sequence[str], now: float) -> str | None:
        """Why ``pending`` deserves an event at ``now`` (a few words for the log), or None: it does not."""
        self._forget(pending, now)
        new = [run for run in pending if run not in self.fired]
        overdue = [run for run in pending if run in self.fired and now - self.fired[run] >= self.refire_after]
        if not new and not overdue:
            return None
        if self.last_fired is not None and now - self.last_fired < self.min_interval:
            return None  # a later poll fires for them, once min_interval has passed
        if new:
            return f"{len(new)} new pending run(s)"
        return f"{len(overdue)} run(s) still pending {self.refire_after:.0f} s after their event"

    def record(self, pending: Sequence[str], now: float) -> None:
        """Remember that an event for ``pending`` went out at ``now``."""
        for run in pending:
            self.fired[run] = now
        self.last_fired = now

    def _forget(self, pending: Sequence[str], now: float) -> None:
        """Drop runs that left the pending set (claimed, loaded) longer than ``refire_after`` ago."""
        current = set(pending)
        for run in [run for run, at in self.fired.items() if run not in current]:
            if now - self.fired[run] >= self.refire_after:
                del self.fired[run]
