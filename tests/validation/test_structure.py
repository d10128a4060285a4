"""The instance walker: JSON shape, unknown elements, choice types, primitive extensions, paths and positions."""

from __future__ import annotations

import json
from typing import Any

from fhir_ldn.validation.validator import Validator
from tests.validation.conftest import errors, issues


def validate(validator: Validator, resource: Any) -> list[tuple[str, str | None, str]]:
    text = resource if isinstance(resource, str) else json.dumps(resource)
    return errors(validator.validate_json(text))


def test_a_valid_resource_has_no_issues(core_validator: Validator) -> None:
    patient = {"resourceType": "Patient", "id": "p", "active": True, "name": [{"family": "Chalmers", "given": ["P"]}]}
    result = core_validator.validate_json(json.dumps(patient))
    assert result.valid
    assert result.issues == []
    assert result.outcome()["issue"][0]["details"]["text"] == "All OK"


def test_unknown_properties_are_reported_on_their_parent(core_validator: Validator) -> None:
    found = validate(core_validator, {"resourceType": "Patient", "nickname": "x", "name": [{"fam": "y"}]})
    assert ("structure", "Patient", "Unrecognized property 'nickname'") in found
    assert ("structure", "Patient.name[0]", "Unrecognized property 'fam'") in found


def test_arrays_and_single_values(core_validator: Validator) -> None:
    found = validate(core_validator, {"resourceType": "Patient", "name": {"family": "x"}, "gender": ["male"]})
    assert ("invalid", "Patient.name", "The property name must be a JSON Array, not an Object (at Patient)") in found
    assert (
        "invalid",
        "Patient.gender",
        "The property gender must be a simple value, not an Array (at Patient)",
    ) in found
    found = validate(core_validator, {"resourceType": "Patient", "name": []})
    assert [f[1] for f in found] == ["Patient.name"]


def test_json_types_of_primitives(core_validator: Validator) -> None:
    found = validate(core_validator, {"resourceType": "Patient", "active": "true", "multipleBirthInteger": "2"})
    assert ("invalid", "Patient.active", "Error parsing JSON: the primitive value must be a boolean") in found
    assert (
        "invalid",
        "Patient.multipleBirth.ofType(integer)",
        "Error parsing JSON: the primitive value must be a number",
    ) in found


def test_primitive_extensions_align_with_their_values(core_validator: Validator) -> None:
    patient = {
        "resourceType": "Patient",
        "name": [
            {
                "given": ["A", "B"],
                "_given": [None, {"extension": [{"url": "http://example.org/x", "valueString": "y"}]}],
            }
        ],
        "_birthDate": {"extension": [{"url": "http://example.org/t", "valueTime": "10:00:00"}]},
    }
    assert validate(core_validator, patient) == []
    bad = {"resourceType": "Patient", "_birthDate": {"fhir_comments": ["x"]}, "_name": {"id": "n"}}
    found = validate(core_validator, bad)
    assert ("structure", "Patient.birthDate", "Unrecognized property 'fhir_comments'") in found
    assert ("structure", "Patient", "Unrecognized property '_name'") in found
    assert any(f[1] == "Patient.birthDate" and "ele-1" in f[2] for f in found)


def test_choice_types_are_named_by_type(core_validator: Validator) -> None:
    observation = {"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "valueBoolen": True}
    assert ("structure", "Observation", "Unrecognized property 'valueBoolen'") in validate(core_validator, observation)
    two_values = {**observation, "valueBoolean": True, "valueString": "a"}
    del two_values["valueBoolen"]
    found = validate(core_validator, two_values)
    assert any(f[1] == "Observation" and "Observation.value[x]: max allowed = 1, but found 2" in f[2] for f in found)


def test_empty_objects_and_duplicates(core_validator: Validator) -> None:
    found = validate(core_validator, '{"resourceType": "List", "status": "current", "mode": "working", "entry": [{}]}')
    assert ("invalid", "List.entry[0]", "Object must have some content") in found
    assert (
        "structure",
        "List.entry[0]",
        "List.entry.item: minimum required = 1, but only found 0 (from http://hl7.org/fhir/StructureDefinition/List|5.0.0)",
    ) in found
    found = validate(core_validator, '{"resourceType": "Patient", "active": true, "active": false}')
    assert found == [("invalid", "Patient", "The JSON property 'active' is a duplicate and will be ignored")]


def test_contained_resources_get_the_hl7_path(core_validator: Validator) -> None:
    resource = {
        "resourceType": "List",
        "status": "current",
        "mode": "working",
        "contained": [{"resourceType": "Basic", "id": "b1", "code": {"text": "x"}, "bogus": 1}],
        "entry": [{"item": {"reference": "#b1"}}],
    }
    assert validate(core_validator, resource) == [
        ("structure", "List.contained[0]/*Basic/b1*/", "Unrecognized property 'bogus'")
    ]


def test_not_a_resource(core_validator: Validator) -> None:
    assert validate(core_validator, {"id": "x"})[0][2] == "Unable to find resourceType property"
    assert validate(core_validator, {"resourceType": "Pateint"})[0][2] == (
        "This does not appear to be a FHIR resource (unknown name 'Pateint')"
    )
    result = core_validator.validate_json('{"resourceType": "Patient",')
    assert [(i.severity, i.line) for i in result.issues] == [("fatal", 1)]


def test_issues_carry_line_and_column(core_validator: Validator) -> None:
    text = '{\n  "resourceType": "Patient",\n  "gender": "mail"\n}'
    result = core_validator.validate_json(text)
    (issue,) = [i for i in result.issues if i.code == "code-invalid"]
    assert (issue.expression, issue.line, issue.column) == ("Patient.gender", 3, 13)
    extensions = {e["url"].rsplit("-", 1)[-1]: e for e in result.outcome()["issue"][0]["extension"]}
    assert extensions["line"]["valueInteger"] == 3
    assert extensions["col"]["valueInteger"] == 13
    assert issues(core_validator.validate_json(text, positions=False))[0][2] == "Patient.gender"


def test_nulls_only_align_primitive_arrays(core_validator: Validator) -> None:
    assert validate(core_validator, '{"resourceType": "Patient", "gender": null}') == [
        ("invalid", "Patient.gender", "The property gender must be a simple value, not a Null (at Patient)")
    ]
    assert validate(core_validator, '{"resourceType": "Patient", "name": [null]}') == [
        ("invalid", "Patient.name[0]", "The property name must be an Object, not a Null (at Patient)")
    ]
    extension = {"extension": [{"url": "http://example.org/x", "valueString": "y"}]}
    aligned = {"resourceType": "Patient", "name": [{"given": ["a", None], "_given": [None, extension]}]}
    assert validate(core_validator, aligned) == []
