"""Budgeted work off the event loop: a cancelled request really stops its job, and the job runs in a daemon thread."""

from __future__ import annotations

import asyncio
import threading
from functools import partial

import pytest

from fhir_ldn.errors import TooCostlyError
from fhir_ldn.work_budget import WorkBudget, check_budget
from server.offload import SerialWorker, run_budgeted


def _endless(started: threading.Event, stopped: threading.Event) -> None:
    started.set()
    try:
        while True:
            check_budget()
    finally:
        stopped.set()


def test_cancelling_the_request_stops_its_job_in_the_worker_thread() -> None:
    started, stopped = threading.Event(), threading.Event()
    daemon: list[bool] = []

    async def scenario() -> None:
        def job() -> None:
            daemon.append(threading.current_thread().daemon)
            _endless(started, stopped)

        task = asyncio.ensure_future(run_budgeted(job, WorkBudget(None)))
        while not started.is_set():
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert stopped.wait(10), "the abandoned job kept running"
    assert daemon == [True]  # never holds up the process's exit


def test_a_job_past_its_budget_ends_with_too_costly() -> None:
    started, stopped = threading.Event(), threading.Event()
    with pytest.raises(TooCostlyError):
        asyncio.run(run_budgeted(lambda: _endless(started, stopped), WorkBudget(0.05)))
    assert stopped.is_set()


def test_serial_worker_jobs_run_one_at_a_time_and_return_their_results() -> None:
    active: list[int] = []
    overlap: list[bool] = []

    def job(n: int) -> int:
        active.append(n)
        overlap.append(len(active) > 1)
        for _ in range(20_000):
            check_budget()
        active.remove(n)
        return n * n

    async def scenario() -> list[int]:
        worker = SerialWorker()
        return list(await asyncio.gather(*(worker.run(partial(job, n)) for n in range(5))))

    assert asyncio.run(scenario()) == [0, 1, 4, 9, 16]
    assert not any(overlap)
