"""FHIR XML input for the validator: XML is converted to the JSON form and validated like JSON."""

from __future__ import annotations

from typing import Any

from fhir_ldn.formats.xml import XmlFormatError, parse_xml_resource


def read_xml_resource(content: bytes) -> dict[str, Any] | None:
    """A resource from FHIR XML bytes, or None if they are not acceptable FHIR XML."""
    try:
        return parse_xml_resource(content)
    except XmlFormatError:
        return None
