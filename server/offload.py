"""CPU-heavy work off the event loop, in daemon worker threads, under a work budget that stops abandoned work.

A request that computes for seconds on the event loop (a 2 MiB Bundle takes the validator ~10 s; a value set
expansion can take as long as its input makes it) would stall every other request of the worker, CDS card
calls and /health included, and no deadline or SIGTERM could answer it. `run_budgeted` runs the job in a worker
thread inside a `WorkBudget` (fhir_ldn.work_budget): the loop keeps serving (the GIL is shared in 5 ms slices),
the job stops with TooCostlyError when its time is spent, and when the request is abandoned (the request
deadline, a disconnect, shutdown) the budget is cancelled so the job stops at its next check instead of
running on unseen. The threads are daemons: a job still running never holds up the process's exit.

Jobs of one `SerialWorker` never overlap: the validator's caches are built lazily and are not safe for
concurrent use.
"""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from fhir_ldn.work_budget import WorkBudget

T = TypeVar("T")
POOL_SIZE = 4  # threads for budgeted work; more jobs wait in the queue (each bounded by its budget)


class _DaemonThreads:
    """A few daemon threads taking jobs from one queue (started on first use)."""

    def __init__(self, size: int):
        self._size = size
        self._jobs: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]]] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        self._jobs.put((future, job))
        with self._lock:
            if len(self._threads) < self._size:
                thread = threading.Thread(target=self._serve, name=f"fhir-ldn-work-{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()
        return future

    def _serve(self) -> None:
        while True:
            future, job = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue  # abandoned before it started
            try:
                future.set_result(job())
            except BaseException as exc:  # handed to the awaiting request, which answers it
                future.set_exception(exc)


_POOL = _DaemonThreads(POOL_SIZE)


async def run_budgeted(job: Callable[[], T], budget: WorkBudget) -> T:
    """The job's result, computed in a worker thread under `budget` and the caller's context variables (e.g.
    `installs_forbidden`); cancelling the caller cancels the budget."""
    context = contextvars.copy_context()

    def budgeted() -> T:
        with budget.applied():
            budget.check()  # abandoned while it waited in the queue
            return job()

    future = _POOL.submit(lambda: context.run(budgeted))
    try:
        return await asyncio.wrap_future(future)
    except asyncio.CancelledError:
        budget.cancel()  # the thread stops at its next check (fhir_ldn.work_budget)
        future.cancel()
        raise


class SerialWorker:
    """Runs jobs in worker threads, one at a time (waiting requests wait on the loop, not in a thread)."""

    def __init__(self) -> None:
        self._queue: asyncio.Lock | None = None
        self._exclusive = threading.Lock()  # held by the thread: an abandoned job still excludes the next one

    async def run(self, job: Callable[[], T], budget: WorkBudget | None = None) -> T:
        if self._queue is None:
            self._queue = asyncio.Lock()
        async with self._queue:
            return await run_budgeted(lambda: self._exclusively(job), budget or WorkBudget(None))

    def _exclusively(self, job: Callable[[], T]) -> T:
        with self._exclusive:
            return job()
