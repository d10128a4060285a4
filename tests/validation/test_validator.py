"""The validator's interface: JSON and XML input, OperationOutcome output, expected types."""

from __future__ import annotations

from fhir_ldn.validation.validator import Validator
from tests.validation.conftest import errors

PATIENT_XML = b"""<Patient xmlns="http://hl7.org/fhir">
  <id value="p1"/>
  <active value="TRUE"/>
  <name><family value="Chalmers"/><nickname value="x"/></name>
  <gender value="female"/>
  <birthDate value="1974-12-25"/>
</Patient>"""


def test_xml_problems_come_from_the_reader_and_the_rest_from_the_walk(core_validator: Validator) -> None:
    result = core_validator.validate_xml(PATIENT_XML)
    found = {(i.code, i.expression, i.text) for i in result.issues if i.severity == "error"}
    assert ("invalid", "Patient.active", "Boolean values must be 'true' or 'false'") in found
    assert ("structure", "/f:Patient/f:name", "Undefined element 'nickname' at /f:Patient/f:name") in found
    assert len(found) == 2  # the text 'TRUE' is not reported a second time as a JSON type error
    active = next(i for i in result.issues if i.expression == "Patient.active")
    assert (active.line, active.column) == (3, 25)  # just after the start tag, as the HL7 validator reports it


def test_valid_xml(core_validator: Validator) -> None:
    xml = b'<Patient xmlns="http://hl7.org/fhir"><id value="p1"/><gender value="male"/></Patient>'
    assert core_validator.validate_xml(xml).valid
    assert not core_validator.validate_xml(b"<Patient>").valid
    result = core_validator.validate_xml(b'<Patient xmlns="http://example.org"/>')
    assert [(i.severity, i.code, i.expression) for i in result.issues] == [("fatal", "structure", "Patient")]
    assert "'http://example.org::Patient'" in result.issues[0].text


def test_xml_must_be_utf8(core_validator: Validator) -> None:
    """FHIR XML is UTF-8: another declared encoding is an error, a UTF-16 document cannot be read."""
    latin = (
        b'<?xml version="1.0" encoding="ISO-8859-1"?><Patient xmlns="http://hl7.org/fhir"><id value="p1"/></Patient>'
    )
    assert [(i.severity, i.expression) for i in core_validator.validate_xml(latin).issues] == [("error", "XML")]
    utf16 = '<Patient xmlns="http://hl7.org/fhir"><id value="p1"/></Patient>'.encode("utf-16")
    found = [(i.severity, i.expression) for i in core_validator.validate_xml(utf16).issues]
    assert sorted(found) == [("error", "XML"), ("fatal", "(xml)")]


def test_children_in_another_namespace_are_named_with_a_question_mark(core_validator: Validator) -> None:
    xml = (
        b'<List xmlns="http://hl7.org/fhir"><id xmlns="urn:x" value="a"/>'
        b'<status value="current"/><mode value="working"/></List>'
    )
    result = core_validator.validate_xml(xml)
    assert ("error", "/f:List/?:id") in [(i.severity, i.expression) for i in result.issues]


def test_outcome_in_the_hl7_validator_style(core_validator: Validator) -> None:
    outcome = core_validator.validate_json('{"resourceType": "Patient",\n "gender": "mail"}').outcome()
    issue = outcome["issue"][-1]
    assert outcome["resourceType"] == "OperationOutcome"
    assert issue["severity"] == "error"
    assert issue["code"] == "code-invalid"
    assert issue["expression"] == ["Patient.gender"]
    by_url = {e["url"]: e for e in issue["extension"]}
    assert by_url["http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-line"]["valueInteger"] == 2
    assert by_url["http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id"]["valueString"]


def test_expected_type(core_validator: Validator) -> None:
    result = core_validator.validate_json('{"resourceType": "Patient"}', expected_type="Observation")
    assert errors(result) == [
        ("invalid", "Patient", "The resource is a Patient, but it was submitted for validation as a Observation")
    ]
    assert core_validator.validate_resource({"resourceType": "Patient"}, expected_type="Patient").valid


def test_not_utf8(core_validator: Validator) -> None:
    assert [i.severity for i in core_validator.validate_json(b'{"a": "\xff"}').issues] == ["fatal"]


def test_ndjson_lines_are_validated_one_by_one(core_validator: Validator) -> None:
    content = (
        b'{"resourceType": "Patient", "gender": "x"}\n\n{"resourceType": "Basic", "code": {"text": "a"}, "bad": 1}\n'
    )
    result = core_validator.validate_ndjson(content)
    found = [(i.severity, i.expression, i.line) for i in result.issues if i.severity != "information"]
    assert ("warning", None, 2) in found  # the empty line
    assert ("error", "Basic", 3) in found  # the unknown property, on the third line
    assert any(sev == "error" and expr == "Patient.gender" and line == 1 for sev, expr, line in found)
