"""Extensions: validated against their definitions; unknown ones are errors outside allowed domains."""

from __future__ import annotations

from fhir_ldn.validation.session import Options, Session
from fhir_ldn.validation.validator import Validator, default_source
from tests.validation.conftest import errors, issues

EVIDENCE = "https://fhir-ldn.github.io/fhir/StructureDefinition/clinical-use-evidence"


def test_known_extensions_are_validated_against_their_definition(validator: Validator) -> None:
    patient = {
        "resourceType": "Patient",
        "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime", "valueString": "x"}],
    }
    assert ("structure", "Patient.extension[0]", "Unrecognized property 'valueString'") in errors(
        validator.validate_resource(patient)
    )
    cud = {
        "resourceType": "ClinicalUseDefinition",
        "type": "warning",
        "extension": [{"url": EVIDENCE, "valueString": "x"}],
    }
    assert ("structure", "ClinicalUseDefinition.extension[0]", "Unrecognized property 'valueString'") in errors(
        validator.validate_resource(cud)
    )


def test_unknown_extensions(core_validator: Validator) -> None:
    unknown = {
        "resourceType": "Patient",
        "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/nope", "valueString": "x"}],
    }
    assert errors(core_validator.validate_resource(unknown)) == [
        (
            "structure",
            "Patient.extension[0]",
            "The extension http://hl7.org/fhir/StructureDefinition/nope is unknown, and not allowed here",
        )
    ]
    example = {"resourceType": "Patient", "extension": [{"url": "http://example.org/x", "valueString": "x"}]}
    assert [(s, c) for s, c, *_ in issues(core_validator.validate_resource(example))] == [("information", "structure")]
    lenient = Validator(Session(default_source(), options=Options(allowed_extension_domains=("http://hl7.org/fhir/",))))
    assert lenient.validate_resource(unknown).valid


def test_urls_must_be_absolute_except_inside_complex_extensions(core_validator: Validator) -> None:
    relative = {"resourceType": "Patient", "extension": [{"url": "local", "valueString": "x"}]}
    assert errors(core_validator.validate_resource(relative)) == [
        ("structure", "Patient.extension[0]", "Extension.url must be an absolute URL")
    ]
    nested = {
        "resourceType": "Patient",
        "extension": [{"url": "http://example.org/c", "extension": [{"url": "part", "valueString": "x"}]}],
    }
    assert errors(core_validator.validate_resource(nested)) == []
