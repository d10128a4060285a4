"""Slicing: discriminators (value, pattern, exists, type, profile), slice cardinality, closed slicing, re-slicing."""

from __future__ import annotations

import json
from typing import Any

from fhir_ldn.validation.session import Session
from fhir_ldn.validation.validator import Validator, default_source
from tests.validation.conftest import errors, issues, profile

URL = "http://example.org/StructureDefinition/sliced"


def validator_with(*definitions: dict[str, Any]) -> Validator:
    return Validator(Session(default_source(list(definitions))))


def check(validator: Validator, resource: dict[str, Any]) -> Any:
    return validator.validate_json(json.dumps(resource), [URL])


TELECOM = profile(
    "Patient",
    URL,
    [
        {
            "path": "Patient.telecom",
            "slicing": {"discriminator": [{"type": "value", "path": "system"}], "rules": "closed"},
        },
        {"path": "Patient.telecom", "sliceName": "phone", "min": 1, "max": "1"},
        {"path": "Patient.telecom.system", "fixedCode": "phone"},
        {"path": "Patient.telecom.use", "min": 1},
        {"path": "Patient.telecom", "sliceName": "email"},
        {"path": "Patient.telecom.system", "fixedCode": "email"},
    ],
)


def test_value_discriminators_route_values_to_slices() -> None:
    v = validator_with(TELECOM)
    good = {
        "resourceType": "Patient",
        "telecom": [{"system": "email", "value": "a@b"}, {"system": "phone", "value": "1", "use": "home"}],
    }
    assert check(v, good).valid
    # the phone slice requires use; the email slice does not
    no_use = {"resourceType": "Patient", "telecom": [{"system": "phone", "value": "1"}]}
    assert errors(check(v, no_use)) == [
        (
            "structure",
            "Patient.telecom[0]",
            f"Patient.telecom:phone.use: minimum required = 1, but only found 0 (from {URL})",
        )
    ]


def test_required_slices_closed_slicing_and_slice_maximum() -> None:
    v = validator_with(TELECOM)
    found = errors(check(v, {"resourceType": "Patient", "telecom": [{"system": "fax", "value": "1"}]}))
    assert (
        "structure",
        "Patient",
        f"Slice 'Patient.telecom:phone': a matching slice is required, but not found (from {URL}). Note that other "
        "slices are allowed in addition to this required slice",
    ) in found
    assert any(f[1] == "Patient.telecom[0]" and "slicing is CLOSED" in f[2] for f in found)
    two = [{"system": "phone", "value": str(i), "use": "home"} for i in range(2)]
    assert errors(check(v, {"resourceType": "Patient", "telecom": two})) == [
        ("structure", "Patient", f"Patient.telecom:phone: max allowed = 1, but found 2 (from {URL})")
    ]


def test_pattern_on_this_and_unmatched_values_are_information() -> None:
    sd = profile(
        "Patient",
        URL,
        [
            {
                "id": "Patient.identifier",
                "path": "Patient.identifier",
                "slicing": {"discriminator": [{"type": "pattern", "path": "$this"}], "rules": "open"},
            },
            {
                "id": "Patient.identifier:MR",
                "path": "Patient.identifier",
                "sliceName": "MR",
                "min": 1,
                "patternIdentifier": {
                    "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]}
                },
            },
        ],
    )
    v = validator_with(sd)
    mr = {
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}], "text": "x"},
        "value": "1",
    }
    assert check(v, {"resourceType": "Patient", "identifier": [mr]}).valid
    result = check(v, {"resourceType": "Patient", "identifier": [{"value": "2"}]})
    assert [(s, c, e) for s, c, e, _ in issues(result)] == [
        ("error", "structure", "Patient"),
        ("information", "informational", "Patient.identifier[0]"),
    ]


def test_type_and_exists_discriminators() -> None:
    sd = profile(
        "Observation",
        URL,
        [
            {
                "id": "Observation.component",
                "path": "Observation.component",
                "slicing": {"discriminator": [{"type": "exists", "path": "dataAbsentReason"}], "rules": "open"},
            },
            {"id": "Observation.component:absent", "path": "Observation.component", "sliceName": "absent", "max": "1"},
            {
                "id": "Observation.component:absent.dataAbsentReason",
                "path": "Observation.component.dataAbsentReason",
                "min": 1,
            },
            {
                "id": "Observation.component:absent.code",
                "path": "Observation.component.code",
                "patternCodeableConcept": {"text": "missing"},
            },
            {
                "id": "Observation.effective[x]",
                "path": "Observation.effective[x]",
                "slicing": {"discriminator": [{"type": "type", "path": "$this"}], "rules": "closed"},
            },
            {
                "id": "Observation.effective[x]:effectivePeriod",
                "path": "Observation.effective[x]",
                "sliceName": "effectivePeriod",
                "type": [{"code": "Period"}],
            },
        ],
    )
    v = validator_with(sd)
    base = {"resourceType": "Observation", "status": "final", "code": {"text": "c"}}
    absent = {"code": {"text": "other"}, "dataAbsentReason": {"text": "x"}}
    found = errors(check(v, {**base, "component": [absent, {"code": {"text": "ok"}, "valueString": "v"}]}))
    assert [f[1] for f in found] == ["Observation.component[0].code.text"]  # only the first is in the slice
    assert errors(check(v, {**base, "effectivePeriod": {"start": "2020"}})) == []
    found = errors(check(v, {**base, "effectiveDateTime": "2020"}))
    assert [f[1] for f in found] == ["Observation.effective.ofType(dateTime)"]


def test_extension_slices_and_matches_to_more_than_one_slice() -> None:
    ext = "http://example.org/ext"
    sd = profile(
        "Patient",
        URL,
        [
            {
                "id": "Patient.extension:a",
                "path": "Patient.extension",
                "sliceName": "a",
                "min": 1,
                "type": [{"code": "Extension", "profile": [ext]}],
            },
            {
                "id": "Patient.extension:b",
                "path": "Patient.extension",
                "sliceName": "b",
                "type": [{"code": "Extension", "profile": [ext]}],
            },
        ],
    )
    extension = profile(
        "Extension",
        ext,
        [{"id": "Extension.value[x]", "path": "Extension.value[x]", "type": [{"code": "string"}]}],
        context=[{"type": "element", "expression": "Patient"}],
    )
    v = validator_with(sd, extension)
    found = errors(check(v, {"resourceType": "Patient", "extension": [{"url": ext, "valueString": "x"}]}))
    assert [f[2].split(" - ")[0] for f in found] == [f"Profile {URL}, Element matches more than one slice"]
    found = errors(check(v, {"resourceType": "Patient", "extension": [{"url": ext, "valueInteger": 1}]}))
    assert ("structure", "Patient.extension[0]", "Unrecognized property 'valueInteger'") in found


def _slicing_validator(sd: dict[str, Any]) -> Validator:
    return Validator(Session(default_source([sd])))


def test_a_prohibited_discriminator_element_marks_its_slice() -> None:
    url = "http://example.net/StructureDefinition/telecoms"
    elements: list[dict[str, Any]] = [
        {
            "id": "Patient.telecom",
            "path": "Patient.telecom",
            "slicing": {
                "discriminator": [{"type": "value", "path": "system"}, {"type": "value", "path": "use"}],
                "rules": "closed",
            },
        },
        {"id": "Patient.telecom:home", "path": "Patient.telecom", "sliceName": "home"},
        {"id": "Patient.telecom:home.system", "path": "Patient.telecom.system", "fixedCode": "phone"},
        {"id": "Patient.telecom:home.use", "path": "Patient.telecom.use", "fixedCode": "home"},
        {"id": "Patient.telecom:email", "path": "Patient.telecom", "sliceName": "email"},
        {"id": "Patient.telecom:email.system", "path": "Patient.telecom.system", "fixedCode": "email"},
        {"id": "Patient.telecom:email.use", "path": "Patient.telecom.use", "max": "0"},
    ]
    validator = _slicing_validator(profile("Patient", url, elements))
    ok = {"resourceType": "Patient", "telecom": [{"system": "email", "value": "a@example.org"}]}
    bad = {"resourceType": "Patient", "telecom": [{"system": "email", "value": "a@example.org", "use": "home"}]}
    assert errors(validator.validate_resource(ok, [url])) == []
    assert [x for _, x, t in errors(validator.validate_resource(bad, [url])) if "CLOSED" in t] == ["Patient.telecom[0]"]


def test_a_type_discriminator_on_a_choice_typed_in_each_slice() -> None:
    url = "http://example.net/StructureDefinition/payloads"
    elements: list[dict[str, Any]] = [
        {
            "id": "Communication.payload",
            "path": "Communication.payload",
            "slicing": {"discriminator": [{"type": "type", "path": "content"}], "rules": "closed"},
        },
        {"id": "Communication.payload:coded", "path": "Communication.payload", "sliceName": "coded"},
        {
            "id": "Communication.payload:coded.contentCodeableConcept",
            "path": "Communication.payload.contentCodeableConcept",
            "min": 1,
            "type": [{"code": "CodeableConcept"}],
        },
        {"id": "Communication.payload:file", "path": "Communication.payload", "sliceName": "file"},
        {
            "id": "Communication.payload:file.contentAttachment",
            "path": "Communication.payload.contentAttachment",
            "type": [{"code": "Attachment"}],
        },
    ]
    validator = _slicing_validator(profile("Communication", url, elements))
    communication = {
        "resourceType": "Communication",
        "status": "completed",
        "payload": [{"contentCodeableConcept": {"text": "a"}}, {"contentAttachment": {"contentType": "text/plain"}}],
    }
    assert errors(validator.validate_resource(communication, [url])) == []
