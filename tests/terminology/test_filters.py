"""Compose filters: every operation on the concept hierarchy and on properties, and malformed filters."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_ldn.errors import TerminologyError
from fhir_ldn.terminology.filters import filter_codes
from fhir_ldn.terminology.model import CodeSystemIndex
from tests.terminology.conftest import SHAPES_CS


@pytest.fixture(scope="module")
def shapes() -> CodeSystemIndex:
    return CodeSystemIndex(SHAPES_CS)


@pytest.mark.parametrize(
    ("prop", "op", "value", "expected"),
    [
        ("concept", "is-a", "triangle", ["triangle", "equilateral", "isosceles"]),
        ("concept", "descendent-of", "triangle", ["equilateral", "isosceles"]),
        ("code", "is-a", "square", ["square"]),
        ("concept", "is-not-a", "polygon", ["circle", "oval"]),
        ("concept", "generalizes", "square", ["square", "quadrilateral", "polygon"]),
        ("concept", "child-of", "polygon", ["triangle", "quadrilateral"]),
        ("concept", "is-a", "unknown", []),
        ("concept", "=", "circle", ["circle"]),
        ("concept", "in", "circle,oval,nothing", ["circle", "oval"]),
        (
            "concept",
            "not-in",
            "polygon,triangle,quadrilateral",
            ["equilateral", "isosceles", "square", "rectangle", "circle", "oval"],
        ),
        ("code", "regex", "[a-z]*angle", ["triangle", "rectangle"]),
        ("code", "regex", "angle", []),  # a regex must match the whole code
        ("kind", "=", "regular", ["equilateral", "square"]),
        ("sides", "in", "3,4", ["triangle", "quadrilateral"]),
        (
            "kind",
            "not-in",
            "regular",
            ["polygon", "triangle", "isosceles", "quadrilateral", "rectangle", "circle", "oval"],
        ),
        ("sides", "regex", "[34]", ["triangle", "quadrilateral"]),
        ("sides", "exists", "true", ["triangle", "quadrilateral"]),
        (
            "kind",
            "exists",
            "false",
            ["polygon", "triangle", "isosceles", "quadrilateral", "rectangle", "circle", "oval"],
        ),
        ("status", "=", "retired", ["square"]),
        ("inactive", "=", "true", ["square", "oval"]),
        ("notSelectable", "=", "true", ["polygon"]),
        ("display", "regex", "Equi.*", ["equilateral"]),
    ],
)
def test_filter_selects(shapes: CodeSystemIndex, prop: str, op: str, value: str, expected: list[str]) -> None:
    assert filter_codes(shapes, {"property": prop, "op": op, "value": value}, "f") == expected


@pytest.mark.parametrize(
    ("flt", "message"),
    [
        ({"property": "concept", "op": "is-a"}, "has no value"),
        ({"property": "concept", "op": "is-a", "value": ""}, "has no value"),
        ({"property": "concept", "op": "sounds-like", "value": "x"}, "not supported"),
        ({"property": "colour", "op": "=", "value": "red"}, "not known"),
        ({"property": "code", "op": "regex", "value": "(unclosed"}, "not valid"),
        ({"property": "code", "op": "regex", "value": "a" * 501}, "longer than"),
        ({"property": "sides", "op": "is-a", "value": "3"}, "only supported on 'concept'"),
        ({"property": "sides", "op": "exists", "value": "maybe"}, "true or false"),
        ({"op": "=", "value": "x"}, "needs a property"),
    ],
)
def test_malformed_filters_are_errors(shapes: CodeSystemIndex, flt: dict[str, Any], message: str) -> None:
    with pytest.raises(TerminologyError) as caught:
        filter_codes(shapes, flt, "ValueSet.compose.include[0].filter[0]")
    assert message in caught.value.message
    assert caught.value.http_status == 422
    assert caught.value.expression == "ValueSet.compose.include[0].filter[0]"
