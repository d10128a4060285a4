"""Resource level: which profiles apply, unknown profiles, vital signs by LOINC code, Bundles and references."""

from __future__ import annotations

from typing import Any

from fhir_ldn.validation.validator import Validator
from tests.validation.conftest import errors, issues


def test_unknown_declared_profiles_are_a_warning(core_validator: Validator) -> None:
    patient = {"resourceType": "Patient", "meta": {"profile": ["http://example.org/nope"]}}
    assert [(s, c, e) for s, c, e, _ in issues(core_validator.validate_resource(patient))] == [
        ("warning", "structure", "Patient.meta.profile[0]")
    ]
    result = core_validator.validate_resource({"resourceType": "Patient"}, ["http://example.org/nope"])
    assert [(c, e) for c, e, _ in errors(result)] == [("processing", "Patient")]


def test_vital_signs_profiles_apply_by_loinc_code(core_validator: Validator) -> None:
    weight = {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}
                ]
            }
        ],
        "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
        "subject": {"reference": "Patient/1"},
        "effectiveDateTime": "2020-01-01",
        "valueQuantity": {"value": 70, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"},
    }
    result = core_validator.validate_resource(weight)
    assert result.valid
    assert any("bodyweight" in t for *_, t in issues(result, "information"))
    no_date = {k: v for k, v in weight.items() if k != "effectiveDateTime"}
    assert any(
        "effective[x]: minimum required = 1" in t for _, _, t in errors(core_validator.validate_resource(no_date))
    )


def test_bundle_entries_resolve_by_full_url(core_validator: Validator) -> None:
    practitioner = {"resourceType": "Practitioner", "id": "p1"}
    patient = {"resourceType": "Patient", "id": "x"}
    team = {
        "resourceType": "CareTeam",
        "participant": [
            {
                "member": {"reference": "urn:uuid:0c6b0e0c-3b42-4b4f-9ae0-8f7dfd0b6c3e"},
                "onBehalfOf": {"reference": "Organization/1"},
            }
        ],
    }
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:0c6b0e0c-3b42-4b4f-9ae0-8f7dfd0b6c3e", "resource": practitioner},
            {"fullUrl": "http://example.org/Patient/x", "resource": patient},
            {"fullUrl": "urn:uuid:9a2b3c4d-0000-4000-8000-000000000001", "resource": team},
        ],
    }
    assert core_validator.validate_resource(bundle).valid
    bundle["entry"][0]["resource"] = {"resourceType": "Patient", "id": "p1"}
    assert [(c, e) for c, e, _ in errors(core_validator.validate_resource(bundle))] == [
        ("invariant", "Bundle.entry[2].resource/*CareTeam/null*/.participant[0]")
    ]


def test_contained_references(core_validator: Validator) -> None:
    resource: dict[str, Any] = {
        "resourceType": "CareTeam",
        "contained": [{"resourceType": "Practitioner", "id": "pr"}],
        "participant": [{"member": {"reference": "#pr"}, "onBehalfOf": {"reference": "Organization/1"}}],
    }
    assert core_validator.validate_resource(resource).valid
    resource["participant"][0]["member"]["reference"] = "#nope"
    found = errors(core_validator.validate_resource(resource))
    assert sorted(t[19:24] for c, _, t in found if c == "invariant") == [
        "ctm-1",
        "ref-1",
    ]  # unresolvable, no Practitioner
    assert sorted((c, e) for c, e, t in found if c != "invariant") == [
        ("invalid", "CareTeam.contained[0]"),  # unused (dom-3)
        ("structure", "CareTeam.participant[0].member"),  # '#nope' names no contained resource
    ]
    resource["text"] = {
        "status": "generated",
        "div": '<div xmlns="http://www.w3.org/1999/xhtml"><a href="#pr">x</a></div>',
    }
    assert ("invalid", "CareTeam.contained[0]") not in [
        (c, e) for c, e, _ in errors(core_validator.validate_resource(resource))
    ]


def test_urn_references_must_be_in_the_bundle(core_validator: Validator) -> None:
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "x"},
        "subject": {"reference": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000000"},
    }
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": "urn:uuid:bbbbbbbb-0000-4000-8000-000000000000", "resource": observation}],
    }
    result = core_validator.validate_resource(bundle)
    assert result.valid  # a warning, as the HL7 validator reports it
    assert [(i.severity, i.code, i.expression, i.text) for i in result.issues if "URN" in i.text] == [
        (
            "warning",
            "required",
            "Bundle.entry[0].resource/*Observation/null*/.subject",
            "URN reference is not locally contained within the bundle urn:uuid:aaaaaaaa-0000-4000-8000-000000000000",
        )
    ]
    bundle["entry"].append(
        {"fullUrl": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000000", "resource": {"resourceType": "Patient"}}
    )
    assert core_validator.validate_resource(bundle).valid
    assert core_validator.validate_resource(observation).valid  # outside a Bundle a urn is not checked


def test_bundle_link_relations_occur_once(core_validator: Validator) -> None:
    link = {"relation": "self", "url": "http://example.org/fhir/Patient"}
    bundle = {"resourceType": "Bundle", "type": "searchset", "link": [link, link, {**link, "relation": "next"}]}
    found = [(c, x) for c, x, t in errors(core_validator.validate_resource(bundle)) if "can only occur once" in t]
    assert found == [("invalid", "Bundle.link[1]")]


def test_extensions_on_a_resource_id_are_errors(core_validator: Validator) -> None:
    absent = {"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}
    patient = {"resourceType": "Patient", "id": "p1", "_id": {"extension": [absent]}}
    found = [(c, x) for c, x, t in errors(core_validator.validate_resource(patient)) if "Resource.id" in t]
    assert found == [("business-rule", "Patient.id")]


def test_values_over_one_megabyte_are_errors(core_validator: Validator) -> None:
    big = {"resourceType": "Patient", "name": [{"text": "x" * (1048576 + 1)}]}
    small = {"resourceType": "Patient", "name": [{"text": "x" * 1048576}]}
    assert ("invalid", "Patient.name[0].text") in [(c, x) for c, x, _ in errors(core_validator.validate_resource(big))]
    assert errors(core_validator.validate_resource(small)) == []
