"""Bindings through the terminology engine: required -> error, extensible -> warning; codes in code systems."""

from __future__ import annotations

from typing import Any

from fhir_ldn.validation.session import Session
from fhir_ldn.validation.validator import Validator, default_source
from tests.validation.conftest import errors, issues, profile

CS = {
    "resourceType": "CodeSystem",
    "url": "http://example.org/cs",
    "version": "1",
    "status": "active",
    "content": "complete",
    "concept": [
        {"code": "a", "display": "A"},
        {"code": "old", "display": "Old", "property": [{"code": "status", "valueCode": "retired"}]},
    ],
}
VS = {
    "resourceType": "ValueSet",
    "url": "http://example.org/vs",
    "version": "2",
    "name": "Things",
    "title": "Things",
    "status": "active",
    "compose": {"inactive": False, "include": [{"system": "http://example.org/cs"}]},
}
URL = "http://example.org/StructureDefinition/bound"


def validator(strength: str) -> Validator:
    sd = profile(
        "Basic",
        URL,
        [
            {
                "id": "Basic.code",
                "path": "Basic.code",
                "binding": {"strength": strength, "valueSet": "http://example.org/vs"},
            }
        ],
    )
    return Validator(Session(default_source([CS, VS, sd])))


def basic(*codings: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Basic", "code": {"coding": list(codings)}}


def test_required_binding() -> None:
    v = validator("required")
    assert v.validate_resource(basic({"system": "http://example.org/cs", "code": "a"}), [URL]).valid
    found = errors(v.validate_resource(basic({"system": "http://example.org/other", "code": "a"}), [URL]))
    assert found == [
        (
            "code-invalid",
            "Basic.code",
            "None of the codings provided are in the value set 'Things' (http://example.org/vs|2), and a coding from "
            "this "
            "value set is required) (codes = http://example.org/other#a)",
        )
    ]


def test_extensible_binding_warns() -> None:
    result = validator("extensible").validate_resource(
        basic({"system": "http://example.org/other", "code": "a"}), [URL]
    )
    assert result.valid
    assert [(s, c) for s, c, *_ in issues(result)] == [("warning", "code-invalid")]


def test_codes_are_checked_against_complete_code_systems() -> None:
    v = validator("example")
    found = issues(v.validate_resource(basic({"system": "http://example.org/cs", "code": "zz"}), [URL]))
    assert found == [
        (
            "error",
            "code-invalid",
            "Basic.code.coding[0].code",
            "Unknown code 'http://example.org/cs#zz' in the CodeSystem 'http://example.org/cs' version '1'",
        )
    ]
    found = issues(v.validate_resource(basic({"system": "http://example.org/cs", "code": "a", "display": "B"}), [URL]))
    assert found == [
        (
            "warning",
            "invalid",
            "Basic.code.coding[0].display",
            "Wrong Display Name 'B' for http://example.org/cs#a. Valid display is 'A'",
        )
    ]


def test_inactive_codes_and_value_sets_that_exclude_them() -> None:
    found = issues(
        validator("required").validate_resource(basic({"system": "http://example.org/cs", "code": "old"}), [URL])
    )
    assert (
        "warning",
        "business-rule",
        "Basic.code.coding[0]",
        "The concept 'old' has a status of inactive and its use should be reviewed",
    ) in found
    assert ("error", "code-invalid", "Basic.code") in [(s, c, e) for s, c, e, _ in found]


def test_core_required_bindings_on_codes(core_validator: Validator) -> None:
    found = errors(core_validator.validate_resource({"resourceType": "List", "status": "current1", "mode": "working"}))
    assert [(c, e) for c, e, _ in found] == [("not-found", "List.status"), ("code-invalid", "List.status")]
    assert core_validator.validate_resource({"resourceType": "List", "status": "current", "mode": "working"}).valid
