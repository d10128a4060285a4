"""The work budget: a deadline and a cancel flag that the core's loops check, and nothing outside a budget."""

from __future__ import annotations

import pytest

from fhir_ldn.errors import TooCostlyError
from fhir_ldn.work_budget import WorkBudget, budgeted, check_budget, current_budget


def test_outside_a_budget_checks_never_fire() -> None:
    assert current_budget() is None
    check_budget()
    assert list(budgeted(range(1000))) == list(range(1000))


def test_a_spent_budget_stops_the_work_with_too_costly() -> None:
    budget = WorkBudget(-1.0)  # already spent
    with budget.applied(), pytest.raises(TooCostlyError, match="FHIR_LDN_WORK_BUDGET") as raised:
        check_budget()
    assert raised.value.http_status == 422
    assert raised.value.issues()[0].code == "too-costly"
    assert current_budget() is None  # the block restored the previous (no) budget


def test_a_cancelled_budget_stops_a_loop_at_its_next_check() -> None:
    budget = WorkBudget(None)
    seen: list[int] = []

    def work() -> None:
        for n in budgeted(range(10_000), every=100):
            seen.append(n)
            if n == 250:
                budget.cancel()

    with budget.applied(), pytest.raises(TooCostlyError, match="abandoned"):
        work()
    assert seen == list(range(300))  # stopped at the check before item 300


def test_an_unspent_budget_lets_the_work_finish() -> None:
    with WorkBudget(60.0, max_expansion_size=5).applied() as budget:
        assert current_budget() is budget
        assert sum(budgeted(range(1000), every=1)) == 499500
