"""Conversions to dates, times and quantities; log, power and precision; encode/decode and escape/unescape."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from fhir_ldn.fhirpath.compiler import evaluate
from fhir_ldn.fhirpath.operators import FhirPathEvaluationError
from fhir_ldn.fhirpath.values import Quantity


def _one(expression: str) -> Any:
    result = evaluate(expression, {})
    assert len(result) <= 1, result
    return result[0] if result else None


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("'2015-02-04'.toDate().toString()", "2015-02-04"),
        ("@2015-02-04T14:34:28Z.toDate().toString()", "2015-02-04"),
        ("'2015-02-04T14'.toDateTime().toString()", "2015-02-04T14"),
        ("'14:34'.toTime().toString()", "14:34"),
        ("'2015-02-30x'.convertsToDate()", False),
        ("'1.5 \\'mg\\''.toQuantity()", Quantity(Decimal("1.5"), "mg")),
        ("'4 days'.toQuantity()", Quantity(Decimal(4), "days")),
        ("'4 parsecs'.convertsToQuantity()", False),  # an unquoted unit must be a calendar word
        ("true.toQuantity()", Quantity(Decimal("1.0"), "1")),
        ("5.toQuantity('mg')", None),  # no conversion from '1' to mg
        ("8.log(2)", Decimal(3)),
        ("1.log(1)", None),
        ("2.power(10)", 1024),
        ("(-8).power(0.5)", None),
        ("1.58700.precision()", 5),
        ("@2014-01-05T10:30.precision()", 12),
        ("@T10:30:00.000.precision()", 9),
        ("'hi'.encode('hex')", "6869"),
        ("'6869'.decode('hex')", "hi"),
        ("'zz'.decode('hex')", None),
        ("'<a href=\"x\">'.escape('html')", "&lt;a href=&quot;x&quot;&gt;"),
        ("'a\\\\u00e9'.unescape('json')", "a\u00e9"),
    ],
)
def test_functions(expression: str, expected: Any) -> None:
    assert _one(expression) == expected


def test_an_unknown_encoding_is_an_error() -> None:
    with pytest.raises(FhirPathEvaluationError, match="unknown format"):
        evaluate("'x'.encode('rot13')", {})
