"""A profile claiming compliesWithProfile must allow nothing the claimed profile forbids."""

from __future__ import annotations

from typing import Any

from fhir_ldn.validation.complies import COMPLIES_WITH
from fhir_ldn.validation.session import Session
from fhir_ldn.validation.validator import Validator, default_source
from tests.validation.conftest import errors, profile

BASE = "http://example.org/StructureDefinition/claimed"
CLAIM = {"url": COMPLIES_WITH, "valueCanonical": BASE}


def _claimed(elements: list[dict[str, Any]]) -> Validator:
    return Validator(Session(default_source([profile("Patient", BASE, elements)])))


def _claiming(elements: list[dict[str, Any]]) -> dict[str, Any]:
    return profile("Patient", "http://example.org/StructureDefinition/claiming", elements, extension=[CLAIM])


def test_tighter_cardinality_complies_and_looser_does_not() -> None:
    validator = _claimed([{"id": "Patient.name", "path": "Patient.name", "min": 1, "max": "2"}])
    ok = validator.validate_resource(_claiming([{"id": "Patient.name", "path": "Patient.name", "min": 1, "max": "1"}]))
    assert errors(ok) == []
    loose = _claiming([{"id": "Patient.name", "path": "Patient.name", "min": 0, "max": "5"}])
    [(code, expression, text)] = errors(validator.validate_resource(loose))
    assert (code, expression) == ("invalid", "StructureDefinition")
    assert f"does not comply with claimed profile '{BASE}'" in text
    assert "The min value of '0' on the path Patient.name" in text
    assert "The max value of '5'" in text


def test_constraints_bindings_and_patterns_of_the_claimed_profile_are_kept() -> None:
    constraint = {"key": "x-1", "severity": "error", "human": "family", "expression": "family.exists()"}
    pattern = {"coding": [{"system": "http://example.org/cs", "code": "M"}]}
    validator = _claimed(
        [
            {"id": "Patient.name", "path": "Patient.name", "constraint": [constraint]},
            {"id": "Patient.maritalStatus", "path": "Patient.maritalStatus", "patternCodeableConcept": pattern},
        ]
    )
    narrower = {"coding": [{"system": "http://example.org/cs", "code": "M", "display": "Married"}]}
    keeps = _claiming(
        [
            {"id": "Patient.name", "path": "Patient.name", "constraint": [constraint]},
            {"id": "Patient.maritalStatus", "path": "Patient.maritalStatus", "patternCodeableConcept": narrower},
        ]
    )
    assert errors(validator.validate_resource(keeps)) == []
    other = {"coding": [{"system": "http://example.org/cs", "code": "S"}]}
    drops = _claiming([{"id": "Patient.maritalStatus", "path": "Patient.maritalStatus", "fixedCodeableConcept": other}])
    [(_, _, text)] = errors(validator.validate_resource(drops))
    assert "The constraint 'family.exists()' is defined in the claimed profile, but missing" in text
    assert "on the path Patient.maritalStatus does not comply" in text


def test_closed_slicing_must_stay_closed_and_keep_every_slice() -> None:
    slicing: dict[str, Any] = {"discriminator": [{"type": "value", "path": "system"}], "rules": "closed"}
    slices: list[dict[str, Any]] = [
        {"id": "Patient.identifier", "path": "Patient.identifier", "slicing": slicing},
        {"id": "Patient.identifier:mrn", "path": "Patient.identifier", "sliceName": "mrn"},
        {"id": "Patient.identifier:mrn.system", "path": "Patient.identifier.system", "fixedUri": "urn:mrn"},
    ]
    validator = _claimed(slices)
    assert errors(validator.validate_resource(_claiming(slices))) == []
    opened = [{**slices[0], "slicing": {**slicing, "rules": "open"}}, *slices[1:]]
    [(_, _, text)] = errors(validator.validate_resource(_claiming(opened)))
    assert "Mismatch in slicing rules at Patient.identifier: 'open' when the claimed profile has 'closed'" in text
    [(_, _, text)] = errors(validator.validate_resource(_claiming(slices[:1])))
    assert "Mismatch in slicing at Patient.identifier:mrn: no slice found" in text
