"""CPU-heavy work off the event loop: in a worker thread, one job at a time for an engine that is not thread-safe.

A request that computes for seconds on the event loop (a 2 MiB Bundle takes the validator ~10 s) would stall
every other request of the worker, CDS card calls included, and no deadline could answer it. Run in a thread,
the loop keeps serving (the GIL is shared in 5 ms slices) and the request deadline can answer 503. Jobs of one
`SerialWorker` never overlap: the validator's caches are built lazily and are not safe for concurrent use.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

T = TypeVar("T")


class SerialWorker:
    """Runs jobs in worker threads, one at a time (waiting requests wait on the loop, not in a thread)."""

    def __init__(self) -> None:
        self._queue: asyncio.Lock | None = None
        self._exclusive = threading.Lock()  # held by the thread: an abandoned job still excludes the next one

    async def run(self, job: Callable[[], T]) -> T:
        if self._queue is None:
            self._queue = asyncio.Lock()
        async with self._queue:
            return await run_in_threadpool(self._exclusively, job)

    def _exclusively(self, job: Callable[[], T]) -> T:
        with self._exclusive:
            return job()
