"""The R5 schema check: it accepts the converter's output and catches what the XSD forbids."""

from __future__ import annotations

import pytest

from fhir_ldn.formats.xsd import validate_xsd

NS = 'xmlns="http://hl7.org/fhir"'


def test_valid_resource() -> None:
    xml = f'<Patient {NS}><id value="p"/><active value="true"/><gender value="male"/></Patient>'
    assert validate_xsd(xml.encode()) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('<gender value="male"/><active value="true"/>', "active"),  # wrong order
        ('<colour value="x"/>', "colour"),
        ('<active value="TRUE"/>', "TRUE"),
        ('<birthDate value="1970-13-01"/>', "1970-13-01"),
        ('<text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><object/></div></text>', "object"),
    ],
)
def test_schema_errors(body: str, expected: str) -> None:
    errors = validate_xsd(f"<Patient {NS}>{body}</Patient>".encode())
    assert errors
    assert expected in errors[0]
    assert errors[0].startswith("line 1, col ")


def test_malformed_or_unsafe_xml_is_an_error_not_a_crash() -> None:
    assert validate_xsd(b"<Patient") != []
    assert "DOCTYPE" in validate_xsd(b'<!DOCTYPE p><Patient xmlns="http://hl7.org/fhir"/>')[0]
