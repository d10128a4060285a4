"""A request's work budget: a deadline and an expansion size limit, checked cooperatively by the pure core.

The server runs a CPU-heavy operation in a worker thread inside `budget.applied()`; the loops of the work
(`check_budget()` per concept, value set or element) then stop it with TooCostlyError once the budget's time
is spent or the budget is cancelled — when the client's request is abandoned (deadline, disconnect, shutdown).
So abandoned work really stops, and frees its thread, rather than running on unseen. Outside a budget (the
command line, the site build, tests of the core) the checks cost one context variable read and never fire.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from fhir_ldn.errors import TooCostlyError

T = TypeVar("T")


class WorkBudget:
    """Seconds of work one request may use, and how many codes one expansion may return (None: no limit)."""

    def __init__(self, seconds: float | None, *, max_expansion_size: int | None = None):
        self.seconds = seconds
        self.max_expansion_size = max_expansion_size
        self._deadline = time.monotonic() + seconds if seconds is not None else None
        self._cancelled = False

    def cancel(self) -> None:
        """Stop the work at its next check (called from another thread: a plain flag is enough)."""
        self._cancelled = True

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def check(self) -> None:
        """TooCostlyError if the budget is spent or cancelled."""
        if self._cancelled:
            raise TooCostlyError("the operation was abandoned (its request was cancelled)")
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise TooCostlyError(
                f"the operation needs more than its budget of {self.seconds:g} s of processing (FHIR_LDN_WORK_BUDGET)"
            )

    @contextmanager
    def applied(self) -> Iterator[WorkBudget]:
        """Make this the budget `check_budget()` checks, in this thread, for the duration of the block."""
        token = _CURRENT.set(self)
        try:
            yield self
        finally:
            _CURRENT.reset(token)


_CURRENT: ContextVar[WorkBudget | None] = ContextVar("fhir_ldn_work_budget", default=None)


def check_budget() -> None:
    """TooCostlyError if the current budget (if any) is spent or cancelled: call it inside loops of heavy work."""
    budget = _CURRENT.get()
    if budget is not None:
        budget.check()


def current_budget() -> WorkBudget | None:
    """The budget in force in this thread, if any."""
    return _CURRENT.get()


def budgeted(items: Iterable[T], every: int = 256) -> Iterator[T]:
    """The items, with the current budget checked before the first and then every `every` of them."""
    for n, item in enumerate(items):
        if not n % every:
            check_budget()
        yield item
