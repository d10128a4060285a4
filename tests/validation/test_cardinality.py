"""Cardinality messages, reported on the parent with the element id and the profile."""

from __future__ import annotations

from fhir_ldn.validation.validator import Validator
from tests.validation.conftest import errors


def test_minimum_and_maximum(core_validator: Validator) -> None:
    found = errors(core_validator.validate_resource({"resourceType": "Observation", "code": {"text": "x"}}))
    assert found == [
        (
            "structure",
            "Observation",
            "Observation.status: minimum required = 1, but only found 0 (from http://hl7.org/fhir/StructureDefinition/Observation|5.0.0)",
        )
    ]
    two = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "x"},
        "valueString": "a",
        "valueBoolean": True,
    }
    assert errors(core_validator.validate_resource(two)) == [
        (
            "structure",
            "Observation",
            "Observation.value[x]: max allowed = 1, but found 2 (from http://hl7.org/fhir/StructureDefinition/Observation|5.0.0)",
        )
    ]
