"""Extension contexts: an extension is allowed only where its definition's context and contextInvariant say."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_ldn.validation.session import Session
from fhir_ldn.validation.validator import Validator, default_source
from tests.validation.conftest import errors

URL = "http://example.net/StructureDefinition/ctx"


def _extension(contexts: list[dict[str, str]], invariants: list[str] | None = None) -> dict[str, Any]:
    sd: dict[str, Any] = {
        "resourceType": "StructureDefinition",
        "url": URL,
        "name": "Ctx",
        "status": "draft",
        "kind": "complex-type",
        "abstract": False,
        "context": contexts,
        "type": "Extension",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension",
        "derivation": "constraint",
        "differential": {
            "element": [
                {"id": "Extension.url", "path": "Extension.url", "fixedUri": URL},
                {"id": "Extension.value[x]", "path": "Extension.value[x]", "type": [{"code": "boolean"}]},
            ]
        },
    }
    if invariants:
        sd["contextInvariant"] = invariants
    return sd


def _validator(sd: dict[str, Any]) -> Validator:
    return Validator(Session(default_source([sd])))


EXT = {"url": URL, "valueBoolean": True}


@pytest.mark.parametrize(
    ("contexts", "patient", "where"),
    [
        ([{"type": "element", "expression": "Patient"}], {"extension": [EXT]}, None),
        ([{"type": "element", "expression": "DomainResource"}], {"extension": [EXT]}, None),
        ([{"type": "element", "expression": "Patient.name"}], {"name": [{"extension": [EXT]}]}, None),
        ([{"type": "element", "expression": "HumanName"}], {"name": [{"extension": [EXT]}]}, None),
        ([{"type": "element", "expression": "Resource.meta"}], {"meta": {"extension": [EXT]}}, None),
        ([{"type": "element", "expression": "Element"}], {"extension": [EXT]}, None),
        (
            [{"type": "element", "expression": "Patient"}],
            {"active": True, "_active": {"extension": [EXT]}},
            "Patient.active",
        ),
        ([{"type": "element", "expression": "Encounter"}], {"extension": [EXT]}, "Patient"),
        ([{"type": "element", "expression": "HumanName.family"}], {"name": [{"extension": [EXT]}]}, "Patient.name[0]"),
        (
            [{"type": "fhirpath", "expression": "Patient.address.where(use = 'home')"}],
            {"address": [{"use": "home", "extension": [EXT]}]},
            None,
        ),
        (
            [{"type": "fhirpath", "expression": "Patient.address.where(use = 'home')"}],
            {"address": [{"use": "work", "extension": [EXT]}]},
            "Patient.address[0]",
        ),
    ],
)
def test_element_and_fhirpath_contexts(
    contexts: list[dict[str, str]], patient: dict[str, Any], where: str | None
) -> None:
    found = errors(_validator(_extension(contexts)).validate_resource({"resourceType": "Patient", **patient}))
    wrong = [e for e in found if "is not allowed to be used at this point" in e[2]]
    assert [(code, expression) for code, expression, _ in wrong] == ([("structure", where)] if where else [])


def test_extension_context_names_the_extension_it_may_be_in() -> None:
    donor = "http://hl7.org/fhir/StructureDefinition/patient-cadavericDonor"
    inner: dict[str, Any] = {"url": donor, "valueBoolean": True}
    validator = _validator(_extension([{"type": "extension", "expression": donor}]))
    inside = {**inner, "extension": [EXT]}
    assert not [
        e
        for e in errors(validator.validate_resource({"resourceType": "Patient", "extension": [inside]}))
        if "at this point" in e[2]
    ]
    found = errors(validator.validate_resource({"resourceType": "Patient", "extension": [EXT]}))
    assert [(c, x) for c, x, t in found if "at this point" in t] == [("structure", "Patient")]


def test_context_invariants_are_evaluated_on_the_host() -> None:
    validator = _validator(_extension([{"type": "element", "expression": "Patient"}], ["active.not()"]))
    ok = {"resourceType": "Patient", "active": False, "extension": [EXT]}
    bad = {"resourceType": "Patient", "active": True, "extension": [EXT]}
    assert not [e for e in errors(validator.validate_resource(ok)) if "context invariant" in e[2]]
    assert [(c, x) for c, x, t in errors(validator.validate_resource(bad)) if "context invariant" in t] == [
        ("structure", "Patient")
    ]
