"""Fixed values (exact) and patterns (at least this), with the HL7 validator's messages and paths."""

from __future__ import annotations

from typing import Any

from fhir_ldn.validation.fixed import matches
from fhir_ldn.validation.session import Session
from fhir_ldn.validation.validator import Validator, default_source
from tests.validation.conftest import errors, profile

URL = "http://example.org/StructureDefinition/fixed"


def test_matches() -> None:
    cc = {"coding": [{"system": "s", "code": "c", "display": "d"}], "text": "t"}
    assert matches(cc, {"coding": [{"system": "s", "code": "c"}]}, is_pattern=True)
    assert not matches(cc, {"coding": [{"system": "s", "code": "c"}]}, is_pattern=False)
    assert matches(4.50, 4.5, is_pattern=False)
    assert not matches("4.5", 4.5, is_pattern=False)
    assert not matches({"a": 1}, [1], is_pattern=True)


def validate(resource: dict[str, Any], elements: list[dict[str, Any]]) -> list[tuple[str, str | None, str]]:
    validator = Validator(Session(default_source([profile("Observation", URL, elements)])))
    return errors(validator.validate_resource(resource, [URL]))


BASE = {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}


def test_fixed_values_reject_differences_and_extras() -> None:
    fixed = {"coding": [{"system": "http://loinc.org", "code": "35200-5"}]}
    found = validate(
        {**BASE, "code": {"coding": [{"system": "http://loinc.org", "code": "13457-7"}], "text": "x"}},
        [{"id": "Observation.code", "path": "Observation.code", "fixedCodeableConcept": fixed}],
    )
    assert found == [
        (
            "value",
            "Observation.code.coding.code",
            f"Value is '13457-7' but is fixed to '35200-5' in the profile {URL}#Observation.code",
        ),
        (
            "value",
            "Observation.code.text",
            "The element text is present in the instance but not allowed in the applicable fixed value specified in "
            "profile",
        ),
    ]


def test_patterns_require_only_what_they_state() -> None:
    pattern = {"coding": [{"system": "http://loinc.org", "code": "35200-5"}]}
    element = [{"id": "Observation.code", "path": "Observation.code", "patternCodeableConcept": pattern}]
    ok = {
        "coding": [
            {"system": "http://snomed.info/sct", "code": "1"},
            {"system": "http://loinc.org", "code": "35200-5", "display": "x"},
        ],
        "text": "t",
    }
    assert validate({**BASE, "code": ok}, element) == []
    found = validate({**BASE, "code": {"text": "t"}}, element)
    assert found == [
        (
            "value",
            "Observation.code.coding",
            f"Missing element 'coding' - required by fixed value assigned in profile {URL}",
        )
    ]


def test_fixed_primitives_and_quantities() -> None:
    elements: list[dict[str, Any]] = [
        {"id": "Observation.status", "path": "Observation.status", "fixedCode": "final"},
        {"id": "Observation.valueQuantity", "path": "Observation.valueQuantity", "fixedQuantity": {"value": 4.5}},
    ]
    found = validate({**BASE, "status": "amended", "valueQuantity": {"value": 4.50, "unit": "mmol/L"}}, elements)
    assert [f[1] for f in found] == ["Observation.status", "Observation.value.ofType(Quantity).unit"]
