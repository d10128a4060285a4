"""Shape checks of client-supplied terminology content."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_ldn.errors import RequestError
from fhir_ldn.terminology import TerminologyService
from fhir_ldn.terminology.shape import check_codeable_concept, check_coding, check_resource
from tests.terminology.conftest import SHAPES_CS, VALUE_SETS


def test_well_formed_content_passes_and_unknown_elements_are_left_alone() -> None:
    check_resource(SHAPES_CS, "tx-resource")
    for vs in VALUE_SETS:
        check_resource(vs, "tx-resource")
    check_resource({**SHAPES_CS, "title:en": "Shapes", "_title": {"extension": []}}, "tx-resource")


@pytest.mark.parametrize(
    ("resource", "expression"),
    [
        ({**SHAPES_CS, "concept": "circle"}, "CodeSystem.concept"),
        ({**SHAPES_CS, "concept": [{"code": 7}]}, "CodeSystem.concept[0].code"),
        ({**SHAPES_CS, "caseSensitive": "no"}, "CodeSystem.caseSensitive"),
        (
            {**SHAPES_CS, "concept": [{"code": "a", "concept": [{"code": "b", "designation": [1]}]}]},
            "CodeSystem.concept[0].concept[0].designation[0]",
        ),
        ({"resourceType": "ValueSet", "compose": {"include": ["x"]}}, "ValueSet.compose.include[0]"),
        (
            {"resourceType": "ValueSet", "compose": {"include": [{"filter": [{"value": 3}]}]}},
            "ValueSet.compose.include[0].filter[0].value",
        ),
        ({"resourceType": "ValueSet", "compose": None}, "ValueSet.compose"),
        (
            {"resourceType": "ConceptMap", "group": [{"element": [{"target": {"code": "x"}}]}]},
            "ConceptMap.group[0].element[0].target",
        ),
    ],
)
def test_malformed_content_is_a_request_error_naming_the_element(resource: dict[str, Any], expression: str) -> None:
    with pytest.raises(RequestError) as caught:
        check_resource(resource, "tx-resource")
    assert caught.value.expression == expression
    assert caught.value.http_status == 400


def test_codings_and_the_overlay_are_checked() -> None:
    with pytest.raises(RequestError, match=r"coding\.code must be a string"):
        check_coding({"system": "http://s", "code": 1}, "coding")
    with pytest.raises(RequestError, match="must be a list"):
        check_codeable_concept({"coding": {"code": "a"}}, "codeableConcept")
    with pytest.raises(RequestError, match="cannot be used as a terminology resource"):
        check_resource({"resourceType": "Patient"}, "tx-resource[0]")
    with pytest.raises(RequestError, match=r"CodeSystem\.concept must be a list"):
        TerminologyService().with_resources([{**SHAPES_CS, "concept": {}}])


def test_absurdly_deep_nesting_is_refused_before_anything_recurses_on_it() -> None:
    deep: dict[str, Any] = {**SHAPES_CS, "concept": []}
    level = deep
    for i in range(150):
        child: dict[str, Any] = {"code": f"c{i}", "concept": []}
        level["concept"].append(child)
        level = child
    with pytest.raises(RequestError, match="nested more than 100 levels deep"):
        check_resource(deep, "tx-resource")
