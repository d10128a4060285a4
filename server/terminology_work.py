"""Where a terminology operation runs: under the request's work budget, off the event loop when it can be heavy.

A POST may carry definitions of any size and shape (tx-resource, valueSet, codeSystem...): its operation runs
in a worker thread (server.offload) under a `WorkBudget` of `Settings.work_budget` seconds and
`Settings.max_expansion_size` codes, and stops when the budget is spent or the request is abandoned. A GET can
only name what the service holds (the package and the R5 core), whose cost the service's own data bounds; it is
answered on the loop under the same budget, without a thread hop (the common decision-support lookups stay fast).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request

from fhir_ldn.work_budget import WorkBudget
from server.fhir import app_state
from server.offload import run_budgeted


def request_budget(request: Request) -> WorkBudget:
    """A fresh budget for one terminology request, from the app's settings."""
    settings = app_state(request).settings
    return WorkBudget(settings.work_budget, max_expansion_size=settings.max_expansion_size)


async def run_operation(request: Request, operation: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The operation's answer, computed where its request says it should be (see the module docstring)."""
    budget = request_budget(request)
    if request.method == "GET":
        with budget.applied():
            return operation()
    return await run_budgeted(operation, budget)
