"""What the CLI shows a person at a terminal: a progress counter and confirmation prompts."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import TextIO

from airflow_provider_snowplow.aws.plans import AwsCall, Concurrently, Plan, T

# Fewer steps than this finish in about a second: not worth a progress line.
PROGRESS_AFTER_STEPS = 10
_REDRAW_SECONDS = 0.1


def _stdout_is_a_terminal() -> bool:
    # sys.stdout as it is when asked (a test or a pipe may have replaced it), not at import.
    return sys.stdout.isatty()


@dataclass(eq=False)
class Progress:
    """A one-line carriage-return counter on stderr, for listings that take many AWS requests.

    Shown only when stdout is a terminal (so scripts and pipes never see it) and only once the work
    has taken :data:`PROGRESS_AFTER_STEPS` steps; erased when done, so the terminal keeps only the
    command's output. A context manager; :meth:`step` may be called from several threads.

    Args:
        label: what is being counted, e.g. ``"AWS requests"``.
        total: the number of steps when known, shown as ``done/total``.
        stream: where the line goes (stderr, as read when the counter is made).
        enabled: override the terminal check (tests).
    """

    label: str
    total: int | None = None
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    enabled: bool = field(default_factory=_stdout_is_a_terminal)
    done: int = field(default=0, init=False)
    _width: int = field(default=0, init=False)
    _drawn_at: float = field(default=0.0, init=False)
    _started: float = field(default_factory=time.monotonic, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def step(self, count: int = 1) -> None:
        """Count ``count`` more steps; redraws the line at most every tenth of a second.

        Thread-safe: discovery's concurrent listings report from several threads.
        """
        with self._lock:
            self._step(count)

    def _step(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if not self.enabled or self.done < PROGRESS_AFTER_STEPS:
            return
        if now - self._drawn_at < _REDRAW_SECONDS and self.done != self.total:
            return
        self._drawn_at = now
        of_total = f"/{self.total:,}" if self.total is not None else ""
        line = f"{self.label}: {self.done:,}{of_total} ({now - self._started:.1f} s)"
        self._width = max(self._width, len(line))
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()

    def close(self) -> None:
        """Erase the counter line, if one was drawn."""
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def observe(plan: Plan[T], on_call: Callable[[AwsCall], None]) -> Plan[T]:
    """``plan`` unchanged, with ``on_call`` told of each AWS call before the driver makes it.

    Calls of sub-plans run :class:`Concurrently` are told too (from the runner's threads). Errors the
    driver throws in reach ``plan`` itself, so the plan handles them as it would alone.
    """
    try:
        step = next(plan)
        while True:
            if isinstance(step, AwsCall):
                on_call(step)
            elif isinstance(step, Concurrently):
                step = Concurrently(tuple(observe(sub, on_call) for sub in step.plans), step.limit)
            try:
                response = yield step
            except Exception as exc:
                step = plan.throw(exc)
            else:
                step = plan.send(response)
    except StopIteration as done:
        result: T = done.value
        return result


def confirm(question: str, stdin: TextIO | None = None, stderr: TextIO | None = None) -> bool:
    """Ask ``question [y/N]`` on stderr and read the answer from stdin; only y/yes agrees.

    Reads stdin even when it is not a terminal, so ``echo y | snowplow-manifest unmark ...`` works;
    end of input counts as no.
    """
    stdin = stdin if stdin is not None else sys.stdin
    stderr = stderr if stderr is not None else sys.stderr
    stderr.write(f"{question} [y/N] ")
    stderr.flush()
    answer = stdin.readline()
    if not answer.endswith("\n"):
        stderr.write("\n")
    return answer.strip().lower() in {"y", "yes"}
