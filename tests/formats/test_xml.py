"""The project's XML interface: strict parsing for services, the validator's reading with positions and problems."""

from __future__ import annotations

import pytest

from fhir_ldn.formats.xml import (
    XmlFormatError,
    parse_xml_resource,
    parse_xml_with_locations,
    read_xml,
    resource_from_xml,
    resource_to_xml,
)

NS = 'xmlns="http://hl7.org/fhir"'


def test_parse_xml_resource_refuses_what_would_lose_data() -> None:
    with pytest.raises(XmlFormatError, match=r"Undefined element 'colour' at /f:Patient \(line 1, col 60\)"):
        parse_xml_resource(f'<Patient {NS}><colour value="blue"/></Patient>'.encode())
    with pytest.raises(
        XmlFormatError, match=r"Boolean values must be 'true' or 'false' at Patient\.active \(line 1, col 60\)"
    ):
        parse_xml_resource(f'<Patient {NS}><active value="TRUE"/></Patient>'.encode())


def test_parse_xml_resource_accepts_harmless_problems() -> None:
    xml = f'<List {NS}><mode value="changes"/><status value="current"/><entry/></List>'.encode()
    assert parse_xml_resource(xml) == {"resourceType": "List", "status": "current", "mode": "changes", "entry": [{}]}
    assert {p.kind for p in read_xml(xml).problems} == {"order", "empty"}


def test_many_problems_are_summarised() -> None:
    body = "".join(f'<x{i} value="1"/>' for i in range(8))
    with pytest.raises(XmlFormatError, match=r"\(and 3 more\)"):
        parse_xml_resource(f"<Patient {NS}>{body}</Patient>".encode())


def test_resource_from_xml_checks_the_type() -> None:
    xml = resource_to_xml({"resourceType": "Patient", "id": "p"})
    assert resource_from_xml("Patient", xml) == {"resourceType": "Patient", "id": "p"}
    with pytest.raises(XmlFormatError, match="expected a Basic, found a Patient"):
        resource_from_xml("Basic", xml)


def test_parse_xml_with_locations() -> None:
    resource, locations = parse_xml_with_locations(
        f'<Patient {NS}>\n  <identifier>\n    <system value="urn:x"/>\n  </identifier>\n</Patient>'.encode()
    )
    assert resource == {"resourceType": "Patient", "identifier": [{"system": "urn:x"}]}
    assert locations["Patient.identifier[0].system"] == (3, 28)
    assert locations["Patient.identifier[0]"] == (2, 15)
