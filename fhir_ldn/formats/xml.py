"""FHIR XML in and out: the project's XML interface over the StructureDefinition-driven converter.

- `resource_to_xml(resource)`: FHIR JSON (a dict) -> FHIR XML bytes (`xml_write`).
- `resource_from_xml(type, xml)` / `parse_xml_resource(xml)`: FHIR XML -> FHIR JSON, raising `XmlFormatError`
  when the XML is malformed, has a DOCTYPE, is not the expected resource, or has structural problems that would
  lose or corrupt data (unknown elements or attributes, a repeated single element, a bad boolean/number).
- `parse_xml_definition(xml, fhir_version)`: a definition for the validator, in R5 or an earlier version.
- `read_xml(xml)`: the validator's entry point; returns the resource, every element's (line, column) and the
  structural problems (`XmlProblem`) instead of raising on them. `parse_xml_with_locations` is its strict form.
- `validate_xsd(xml)`: schema errors against the core package's `fhir-single.xsd`.
"""

from __future__ import annotations

from typing import Any

from fhir_ldn.formats.element_model import element_model
from fhir_ldn.formats.instance_paths import hl7_expression, json_path, location_of
from fhir_ldn.formats.xml_read import XmlDocument, XmlProblem, read_xml
from fhir_ldn.formats.xml_safety import HARDENED_PARSER, XmlFormatError, XmlRootError, encoding_problem
from fhir_ldn.formats.xml_write import write_xml
from fhir_ldn.formats.xsd import validate_xsd

# Problems that do not change the data read: the order of elements, empty elements, xsi:schemaLocation.
HARMLESS_PROBLEMS = frozenset({"order", "empty", "schema-location"})

__all__ = [
    "HARDENED_PARSER",
    "HARMLESS_PROBLEMS",
    "XmlDocument",
    "XmlFormatError",
    "XmlProblem",
    "XmlRootError",
    "encoding_problem",
    "hl7_expression",
    "json_path",
    "location_of",
    "parse_xml_definition",
    "parse_xml_resource",
    "parse_xml_with_locations",
    "read_xml",
    "resource_from_xml",
    "resource_to_xml",
    "validate_xsd",
]


def resource_to_xml(resource: dict[str, Any], *, pretty: bool = False) -> bytes:
    """Serialise a FHIR R5 resource (JSON dict) to FHIR XML bytes; XmlFormatError if it is not valid FHIR JSON."""
    return write_xml(resource, pretty=pretty)


def _strict(document: XmlDocument) -> XmlDocument:
    serious = [p for p in document.problems if p.kind not in HARMLESS_PROBLEMS]
    if serious:
        shown = "; ".join(
            f"{p.message}{'' if p.expression in p.message else ' at ' + p.expression} (line {p.line}, col {p.column})"
            for p in serious[:5]
        )
        more = f" (and {len(serious) - 5} more)" if len(serious) > 5 else ""
        raise XmlFormatError(f"not valid FHIR XML: {shown}{more}")
    return document


def parse_xml_resource(xml: bytes) -> dict[str, Any]:
    """Parse untrusted FHIR XML into a JSON dict; raise XmlFormatError with a clear message."""
    return _strict(read_xml(xml, locations=False)).resource


def parse_xml_definition(xml: bytes, fhir_version: str = "5.0.0") -> dict[str, Any]:
    """Parse a definition (profile, value set...) read as `fhir_version`. One that declares another FHIR
    version (an R4 profile with `constraint.xpath`, loaded for R5) is kept without the elements this version
    lacks, as the HL7 validator converts such definitions; XmlFormatError for anything else that is wrong."""
    document = read_xml(xml, locations=False, model=element_model(fhir_version))
    declared = document.resource.get("fhirVersion")
    other_version = isinstance(declared, str) and declared.split(".")[:2] != fhir_version.split(".")[:2]
    if other_version and all(p.kind in (*HARMLESS_PROBLEMS, "unknown-element") for p in document.problems):
        return document.resource
    return _strict(document).resource


def resource_from_xml(resource_type: str, xml: bytes) -> dict[str, Any]:
    """Parse FHIR XML bytes of a known resource type back into a JSON dict."""
    resource = parse_xml_resource(xml)
    if resource["resourceType"] != resource_type:
        raise XmlFormatError(f"expected a {resource_type}, found a {resource['resourceType']}")
    return resource


def parse_xml_with_locations(xml: bytes) -> tuple[dict[str, Any], dict[str, tuple[int, int]]]:
    """The resource and the (line, column) of each element by path; XmlFormatError as `parse_xml_resource`."""
    document = _strict(read_xml(xml))
    return document.resource, document.locations
