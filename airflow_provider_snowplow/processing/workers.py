"""The parallel driver: a run's part files processed at once, one part per worker at a time.

The transformation is pure-Python CPU work, so threads would share one core; processes use them
all. How many at once: :func:`~.cpus.worker_count` (by default the CPUs this process may run on,
within its container's CPU quota, if the run is big enough to keep them busy). This process is
one of the workers (a thread takes the first part at once, while the worker processes start), so
``workers=N`` starts N - 1 processes. With one worker (or one part) the parts are processed here,
one after another, as before workers existed.

**Start method: forkserver** (spawn where the platform has no forkserver). The driver usually runs
inside an Airflow task process, which holds threads (the claim's lease renewer, the task
supervisor's channel, log handlers) and sockets. ``fork`` would copy that process mid-flight: a
lock held by another thread at that instant stays held forever in the child, so a worker can
deadlock on its first log line or import, and inherited sockets would be shared with the parent.
``spawn`` is safe but starts a fresh interpreter per worker, each importing boto3 and the
transformer again. ``forkserver`` starts one fresh single-threaded interpreter (fork+exec, safe
from a threaded process), imports the worker code and boto3 there once (:mod:`.forkserver_preload`),
and forks every worker from it: as safe as spawn, about as cheap as fork. This works the same under the Local, Celery and Kubernetes
executors (each runs tasks in an ordinary process).

**The main module.** multiprocessing imports the parent's ``__main__`` again in every spawned or
forkserver child. In an Airflow task that is the ``airflow`` (or ``celery``) command's script, so
each worker would import all of Airflow (1.7 s of CPU on the benchmark machine) and read its
settings. Workers need nothing from it, so it is hidden while workers start.

**Talking to workers.** One pipe a worker: a job goes out, its result or exception comes back.
Each job carries freshly frozen credentials when they changed (:class:`~.clients.S3ClientSpec`),
so temporary credentials are renewed by the driver between parts. A worker that dies (killed, out of
memory) is seen at once: its end of the pipe closes. A failure in any part stops the run: the
other workers are told to stop (they check before each read, and upload nothing of a stopped
part), and the first failure is raised here. The caller then writes no ``_SUCCESS.json``.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import signal
import sys
import threading
import time
import traceback
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from airflow_provider_snowplow.errors import SnowplowProviderError
from airflow_provider_snowplow.processing.clients import S3ClientSpec
from airflow_provider_snowplow.processing.part import PartJob, PartResult, PartStopped, process_part

STOP_GRACE_SECONDS = 60.0  # how long stopped workers may take to finish a request in flight
FORKSERVER_PRELOAD = "airflow_provider_snowplow.processing.forkserver_preload"
_STOP = "stop"
_WARM: dict[str, Any] = {}  # in the forkserver and its workers: "session", a boto3 session with S3 loaded


class WorkerDiedError(SnowplowProviderError):
    """A worker process ended without answering (killed, or out of memory) while processing a part."""


class RemoteTraceback(Exception):
    """The traceback of an unexpected exception in a worker, attached as the ``__cause__``."""


def run_parts(
    jobs: Sequence[PartJob],
    s3_client: Any,
    workers: int,
    client_spec: Callable[[], S3ClientSpec],
) -> list[PartResult]:
    """Process every part, ``min(workers, len(jobs))`` at a time; results in the order of ``jobs``.

    Args:
        jobs: the run's parts.
        s3_client: the boto3 client for the parts processed in this process.
        workers: how many parts at most are processed at once: by this process and
            ``workers - 1`` worker processes. 1 processes the parts here, one by one.
        client_spec: describes an S3 client for a worker process; called each time it is handed
            a part.

    Raises:
        the first part's failure (``RunInputError``, ``AwsRequestError``...), or
        WorkerDiedError: a worker process died.
    """
    count = min(workers, len(jobs))
    if count <= 1:
        return [process_part(job, s3_client) for job in jobs]
    with _WorkerPool(s3_client) as pool:
        return pool.run(jobs, count - 1, client_spec)


@dataclass
class _Worker:
    """A worker process, or the thread that processes parts in this process, and its pipe."""

    runner: Any  # a multiprocessing Process, or a Thread
    conn: Connection
    sent_spec: S3ClientSpec | None = None
    job_index: int | None = None

    @property
    def is_process(self) -> bool:
        return not isinstance(self.runner, threading.Thread)


class _WorkerPool:
    """This process's own worker thread plus worker processes, each fed one part at a time.

    The thread starts at once and takes the first part; the processes start while it works (a
    forkserver and its imports take a few tenths of a second), so a small run does not wait for
    them, and they join in as they come up.
    """

    def __init__(self, s3_client: Any) -> None:
        self._context = _context()
        self._s3_client = s3_client
        self._workers: list[_Worker] = []

    def __enter__(self) -> _WorkerPool:
        ours, theirs = multiprocessing.Pipe()
        thread = threading.Thread(
            target=_serve, args=(theirs, self._s3_client), daemon=True, name="snowplow-part"
        )
        thread.start()
        self._workers.append(_Worker(thread, ours))
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        """Stop everyone; on an interrupt (task timeout, Ctrl-C) terminate at once."""
        self._stop(graceful=kind is None or issubclass(kind, Exception))

    def run(
        self,
        jobs: Sequence[PartJob],
        processes: int,
        client_spec: Callable[[], S3ClientSpec],
    ) -> list[PartResult]:
        """Process ``jobs`` with our thread and ``processes`` worker processes; stop at the first failure."""
        results: list[PartResult | None] = [None] * len(jobs)
        queue = list(enumerate(jobs))
        queue.reverse()
        self._hand_out(self._workers[0], queue, client_spec)
        self._start_processes(processes)
        for worker in self._workers[1:]:
            self._hand_out(worker, queue, client_spec)
        while busy := {worker.conn: worker for worker in self._workers if worker.job_index is not None}:
            for conn in wait(list(busy)):
                worker = busy[conn]  # type: ignore[index]
                index, outcome = self._receive(worker, jobs)
                if isinstance(outcome, BaseException):
                    raise outcome
                results[index] = outcome
                self._hand_out(worker, queue, client_spec)
        return [result for result in results if result is not None]

    def _start_processes(self, count: int) -> None:
        with _main_module_hidden():
            for _ in range(count):
                ours, theirs = self._context.Pipe()
                process = self._context.Process(
                    target=_serve, args=(theirs,), daemon=True, name="snowplow-part"
                )
                process.start()
                theirs.close()
                self._workers.append(_Worker(process, ours))

    @staticmethod
    def _hand_out(
        worker: _Worker,
        queue: list[tuple[int, PartJob]],
        client_spec: Callable[[], S3ClientSpec],
    ) -> None:
        """Send ``worker`` the next part, with a client spec if its credentials changed."""
        if not queue:
            return
        index, job = queue.pop()
        spec = client_spec() if worker.is_process else None
        worker.conn.send((index, job, None if spec == worker.sent_spec else spec))
        worker.sent_spec, worker.job_index = spec, index

    @staticmethod
    def _receive(worker: _Worker, jobs: Sequence[PartJob]) -> tuple[int, PartResult | BaseException]:
        """The worker's answer; a worker that closed its pipe has died."""
        assert worker.job_index is not None
        index, worker.job_index = worker.job_index, None
        try:
            answer_index, result, remote_traceback = worker.conn.recv()
        except (EOFError, OSError):
            return index, _died(worker, jobs[index])
        if isinstance(result, BaseException) and remote_traceback:
            result.__cause__ = RemoteTraceback(remote_traceback)
        return answer_index, result

    def _stop(self, graceful: bool) -> None:
        """Tell busy workers to stop and all to end; wait for them (a while, if ``graceful``)."""
        for worker in self._workers:
            with contextlib.suppress(OSError):
                if worker.job_index is not None:
                    worker.conn.send(_STOP)
                worker.conn.send(None)
        deadline = time.monotonic() + (STOP_GRACE_SECONDS if graceful else 0.0)
        for worker in self._workers:
            worker.runner.join(max(0.0, deadline - time.monotonic()))
            if worker.is_process:
                if worker.runner.is_alive():
                    worker.runner.terminate()
                worker.runner.join()
            worker.conn.close()


def _died(worker: _Worker, job: PartJob) -> WorkerDiedError:
    """The error for a worker that went away while processing ``job``."""
    if not worker.is_process:
        return WorkerDiedError(f"the worker thread processing part file {job.source} ended without an answer")
    worker.runner.join(5)
    code = worker.runner.exitcode
    how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}"
    return WorkerDiedError(
        f"the worker process (pid {worker.runner.pid}) processing part file {job.source} died ({how}; "
        "out of memory?); nothing of this run was marked loaded: rerun the task"
    )


def _context() -> Any:
    """The multiprocessing context workers start in (forkserver; see the module's docstring)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # Replaces the default ["__main__"]; has no effect if this process's forkserver already runs.
    context.set_forkserver_preload([FORKSERVER_PRELOAD])
    return context


@contextlib.contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Keep multiprocessing from importing ``__main__`` into workers that are started meanwhile."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _serve(conn: Connection, client: Any = None) -> None:
    """A worker: process the parts the driver sends until it sends None or goes away.

    Runs as a worker process's main function, or in a thread of the driver's process (which
    passes its own ``client``).
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the driver, which stops us
    with conn:
        _serve_parts(conn, client)


def _serve_parts(conn: Connection, client: Any) -> None:
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        if message == _STOP:  # arrived after the part it was meant for had finished
            continue
        index, job, spec = message
        try:
            if spec is not None:
                client = spec.client(_WARM.get("session"))
            result: Any = process_part(job, client, stopping=conn.poll)
            remote_traceback = None
        except PartStopped as stopped:
            result, remote_traceback = stopped, None
        except Exception as exc:
            result, remote_traceback = _portable(exc), "".join(traceback.format_exception(exc))
        conn.send((index, result, remote_traceback))


def warm_boto3() -> None:
    """Make a boto3 session load the S3 model, for the workers the forkserver will fork.

    Called once, by :mod:`.forkserver_preload` in the forkserver (never in the driver): each worker
    then builds its client in about 10 ms of CPU instead of 75. Makes no connection and starts no
    thread, so the forkserver stays safe to fork.
    """
    import boto3

    session = boto3.session.Session()
    session.client("s3", region_name="us-east-1")
    _WARM["session"] = session


def _portable(exc: Exception) -> Exception:
    """``exc`` if it survives pickling, else one of ours carrying its type and message."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return SnowplowProviderError(f"{type(exc).__name__}: {exc}")
    return exc
