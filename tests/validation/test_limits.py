"""minValue[x] / maxValue[x] and the minLength extension, from a profile."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fhir_ldn.validation.session import Session
from fhir_ldn.validation.validator import Validator, default_source
from tests.validation.conftest import errors, profile

URL = "http://example.net/StructureDefinition/limits"


def _check(type_name: str, elements: list[dict[str, Any]], resource: dict[str, Any]) -> list[tuple[str, str | None]]:
    validator = Validator(Session(default_source([profile(type_name, URL, elements)])))
    return [(code, expression) for code, expression, _ in errors(validator.validate_resource(resource, [URL]))]


def test_dates_and_durations() -> None:
    element = {"id": "Patient.birthDate", "path": "Patient.birthDate", "minValueDate": "2025-01-01"}
    assert _check("Patient", [element], {"resourceType": "Patient", "birthDate": "2024-12-31"}) == [
        ("invalid", "Patient.birthDate")
    ]
    assert _check("Patient", [element], {"resourceType": "Patient", "birthDate": "2025-01-01"}) == []
    duration = {"value": 10, "system": "http://unitsofmeasure.org", "code": "a"}
    most = {"id": "Patient.birthDate", "path": "Patient.birthDate", "maxValueDuration": duration}
    future = f"{datetime.now(UTC).year + 11}-01-01"
    assert _check("Patient", [most], {"resourceType": "Patient", "birthDate": future}) == [
        ("invalid", "Patient.birthDate")
    ]
    assert _check("Patient", [most], {"resourceType": "Patient", "birthDate": "2000-01-01"}) == []


def test_numbers_and_quantities() -> None:
    value: dict[str, Any] = {
        "id": "Observation.value[x]",
        "path": "Observation.value[x]",
        "type": [{"code": "Quantity"}],
    }
    limit = {"value": 0, "system": "http://unitsofmeasure.org", "code": "kg"}
    quantity = {**value, "minValueQuantity": limit}
    obs = {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}
    kg = {"value": -1, "system": "http://unitsofmeasure.org", "code": "kg"}
    assert _check("Observation", [quantity], {**obs, "valueQuantity": kg}) == [
        ("invalid", "Observation.value.ofType(Quantity)")
    ]
    assert _check("Observation", [quantity], {**obs, "valueQuantity": {**kg, "code": "g"}}) == []  # not compared
    decimal = [
        value,
        {"id": "Observation.value[x].value", "path": "Observation.value[x].value", "maxValueDecimal": 999},
    ]
    assert _check("Observation", decimal, {**obs, "valueQuantity": {**kg, "value": 1000}}) == [
        ("invalid", "Observation.value.ofType(Quantity).value")
    ]
    assert _check("Observation", decimal, {**obs, "valueQuantity": {**kg, "value": 999}}) == []


def test_min_length() -> None:
    extension = {"url": "http://hl7.org/fhir/StructureDefinition/minLength", "valueInteger": 5}
    element = {"id": "Patient.gender", "path": "Patient.gender", "extension": [extension]}
    assert _check("Patient", [element], {"resourceType": "Patient", "gender": "male"}) == [
        ("invalid", "Patient.gender")
    ]
    assert _check("Patient", [element], {"resourceType": "Patient", "gender": "female"}) == []
