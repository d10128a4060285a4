"""Compose evaluation: unions, excludes, nested value sets (intersections), contained imports, loops."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_ldn.errors import TerminologyError
from fhir_ldn.terminology import TerminologyService
from fhir_ldn.terminology.compose import ImportMissingError, evaluate
from tests.terminology.conftest import SHAPES, VS, value_set


def member_codes(service: TerminologyService, vs: dict[str, Any]) -> list[str]:
    return [code for _, code in evaluate(service, vs).members]


def test_includes_are_united_and_excludes_removed(service: TerminologyService) -> None:
    vs = value_set(
        "mix",
        {"system": SHAPES, "concept": [{"code": "circle"}]},
        {"system": SHAPES, "filter": [{"property": "concept", "op": "is-a", "value": "quadrilateral"}]},
        exclude=[{"system": SHAPES, "concept": [{"code": "square"}]}],
    )
    assert member_codes(service, vs) == ["circle", "quadrilateral", "rectangle"]


def test_several_filters_in_one_include_must_all_hold(service: TerminologyService) -> None:
    flt = [
        {"property": "concept", "op": "is-a", "value": "polygon"},
        {"property": "kind", "op": "=", "value": "regular"},
    ]
    assert member_codes(service, value_set("regular", {"system": SHAPES, "filter": flt})) == ["equilateral", "square"]


def test_value_sets_in_one_include_are_intersected_and_across_includes_united(service: TerminologyService) -> None:
    both = value_set("both", {"valueSet": [VS + "triangles", VS + "all-shapes|1"]})
    assert member_codes(service, both) == ["triangle", "equilateral", "isosceles"]
    narrowed = value_set(
        "narrowed",
        {"system": SHAPES, "concept": [{"code": "isosceles"}, {"code": "circle"}], "valueSet": [VS + "triangles"]},
    )
    assert member_codes(service, narrowed) == ["isosceles"]
    union = value_set("union", {"valueSet": [VS + "triangles"]}, {"valueSet": [VS + "round"]})
    assert member_codes(service, union) == ["triangle", "equilateral", "isosceles", "circle", "oval"]
    excluded = value_set("excluded", {"valueSet": [VS + "all-shapes"]}, exclude=[{"valueSet": [VS + "triangles"]}])
    assert "triangle" not in member_codes(service, excluded)
    assert "circle" in member_codes(service, excluded)


def test_used_value_sets_and_code_systems_are_recorded(service: TerminologyService) -> None:
    result = evaluate(service, value_set("uses", {"valueSet": [VS + "triangles"]}))
    assert list(result.used_valuesets) == [VS + "triangles|1"]
    assert list(result.used_codesystems) == [SHAPES + "|1.0.0"]


def test_contained_value_sets_are_imported_by_local_reference(service: TerminologyService) -> None:
    vs = value_set("outer", {"valueSet": ["#inner"]})
    vs["contained"] = [value_set("inner", {"system": SHAPES, "concept": [{"code": "oval"}]})]
    vs["contained"][0]["id"] = "inner"
    result = evaluate(service, vs)
    assert list(result.members) == [(SHAPES, "oval")]
    assert not result.used_valuesets  # contained value sets are part of this one


def test_a_missing_import_is_reported(service: TerminologyService) -> None:
    with pytest.raises(ImportMissingError) as caught:
        evaluate(service, value_set("bad", {"valueSet": [VS + "missing"]}))
    assert caught.value.url == VS + "missing"
    assert caught.value.message == f"A definition for the value Set '{VS}missing' could not be found"


def test_a_value_set_including_itself_is_an_error_not_a_hang(service: TerminologyService) -> None:
    loop = value_set("loop", {"valueSet": [VS + "loop"]})
    with pytest.raises(TerminologyError, match="circularity") as raised:
        evaluate(service.with_resources([loop]), loop)
    assert raised.value.message_id == "VALUESET_CIRCULAR_REFERENCE"
    assert raised.value.issue_code == "processing"


def test_nested_value_sets_honour_their_own_inactive_flag(service: TerminologyService) -> None:
    outer = value_set("outer", {"valueSet": [VS + "active-shapes"]})
    codes = member_codes(service, outer)
    assert "square" not in codes
    assert "oval" not in codes
    assert "circle" in codes
    top = evaluate(service, value_set("top", {"system": SHAPES}, inactive=False))
    assert top.exclude_inactive
    assert (SHAPES, "square") in top.members


def test_a_stored_expansion_is_read_when_there_is_no_compose(service: TerminologyService) -> None:
    expanded = {
        "resourceType": "ValueSet",
        "url": VS + "expanded",
        "status": "active",
        "expansion": {
            "timestamp": "2026-01-01",
            "contains": [{"system": SHAPES, "code": "circle", "contains": [{"system": SHAPES, "code": "oval"}]}],
        },
    }
    assert member_codes(service, expanded) == ["circle", "oval"]
