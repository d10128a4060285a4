"""FHIR XML: read with a hardened lxml parser, convert through the fhir.resources R5 models.

`resource_to_xml` / `resource_from_xml` / `parse_xml_resource` are the project's XML interface; the
StructureDefinition-driven converter of the validator issue replaces their internals, not their signatures.
"""

from __future__ import annotations

import json
from typing import Any

from fhir.resources import get_fhir_model_class
from lxml import etree

from fhir_ldn.constants import FHIR_NS

# No DTDs, no entity expansion, no network, bounded trees: safe for untrusted input.
HARDENED_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)


class XmlFormatError(ValueError):
    """The bytes are not acceptable FHIR XML (malformed, DTD/entities, wrong namespace, unknown type)."""


def resource_to_xml(resource: dict[str, Any]) -> bytes:
    """Serialise a FHIR R5 resource (JSON dict) to FHIR XML bytes."""
    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    xml = model.model_dump_xml(pretty_print=False)
    return xml if isinstance(xml, bytes) else str(xml).encode("utf-8")


def _unicode_divs(node: Any) -> None:
    """fhir.resources reads a div back with character references (&#8211;); restore real characters."""
    if isinstance(node, dict):
        text = node.get("text")
        if isinstance(text, dict) and isinstance(text.get("div"), str) and "&#" in text["div"]:
            root = etree.fromstring(text["div"].encode("utf-8"), HARDENED_PARSER)
            text["div"] = etree.tostring(root, encoding="unicode")
        for value in node.values():
            _unicode_divs(value)
    elif isinstance(node, list):
        for value in node:
            _unicode_divs(value)


def resource_from_xml(resource_type: str, xml: bytes) -> dict[str, Any]:
    """Parse FHIR XML bytes of a known resource type back into a JSON dict (trusted input)."""
    model = get_fhir_model_class(resource_type).model_validate_xml(xml)
    data: dict[str, Any] = json.loads(model.model_dump_json(exclude_none=True))
    _unicode_divs(data)
    return data


def parse_xml_resource(xml: bytes) -> dict[str, Any]:
    """Parse untrusted FHIR XML into a JSON dict; raise XmlFormatError with a clear message."""
    try:
        root = etree.fromstring(xml, HARDENED_PARSER)
    except etree.XMLSyntaxError as exc:
        raise XmlFormatError(f"malformed XML: {exc}") from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise XmlFormatError("XML with a DOCTYPE is not accepted")
    qname = etree.QName(root)
    if qname.namespace != FHIR_NS:
        raise XmlFormatError(f"root element must be in the FHIR namespace {FHIR_NS}")
    try:
        get_fhir_model_class(qname.localname)
    except (KeyError, ValueError) as exc:
        raise XmlFormatError(f"unknown resource type '{qname.localname}'") from exc
    try:
        return resource_from_xml(qname.localname, xml)
    except Exception as exc:  # pydantic/lxml errors from the model layer
        raise XmlFormatError(f"not a valid {qname.localname}: {str(exc).splitlines()[0]}") from exc
