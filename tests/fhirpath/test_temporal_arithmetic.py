"""Dates, date/times and times shifted by time-valued quantities, at their own precision."""

from __future__ import annotations

import pytest

from fhir_ldn.fhirpath.compiler import evaluate
from fhir_ldn.fhirpath.operators import FhirPathEvaluationError


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("@2024-01-31 + 1 month", "2024-02-29"),  # the day clamped to the month's length
        ("@2023-03-31 - 1 month", "2023-02-28"),
        ("@2024-02-29 + 1 year", "2025-02-28"),
        ("@2024 + 18 months", "2025"),  # year precision: whole years only
        ("@2024-12 + 1 month", "2025-01"),
        ("@2024-12-31 + 1 'd'", "2025-01-01"),
        ("@2024-12-31 + 36 hours", "2025-01-01"),  # less than a day at day precision is dropped
        ("@2024-12-31 + 2.9 days", "2025-01-02"),  # the decimal part of days does not count
        ("@2024-12-31T23:59:59.500+01:00 + 0.5 's'", "2025-01-01T00:00:00.000+01:00"),
        ("@2024-03-01T00:00 - 1 minute", "2024-02-29T23:59"),
        ("@T23:30 + 1 hour", "00:30"),  # times wrap around midnight
        ("@T00:00:00 - 1 's'", "23:59:59"),
    ],
)
def test_shifts(expression: str, expected: str) -> None:
    assert [str(v) for v in evaluate(expression, {})] == [expected]


@pytest.mark.parametrize(
    "expression", ["@2024-01-01 + 1 'mo'", "@2024-01-01 + 1 'a'", "@2024-01-01 - 1 'cm'", "@T10:00 + 1 day"]
)
def test_units_that_do_not_shift_a_date_or_time_are_errors(expression: str) -> None:
    with pytest.raises(FhirPathEvaluationError):
        evaluate(expression, {})
