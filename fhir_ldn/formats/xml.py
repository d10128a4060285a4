"""FHIR XML via the fhir.resources R5 models (lxml-based), with the narrative kept as authored."""

from __future__ import annotations

import json
from typing import Any

from fhir.resources import get_fhir_model_class
from lxml import etree

_XHTML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


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
            root = etree.fromstring(text["div"].encode("utf-8"), _XHTML_PARSER)
            text["div"] = etree.tostring(root, encoding="unicode")
        for value in node.values():
            _unicode_divs(value)
    elif isinstance(node, list):
        for value in node:
            _unicode_divs(value)


def resource_from_xml(resource_type: str, xml: bytes) -> dict[str, Any]:
    """Parse FHIR XML bytes of a known resource type back into a JSON dict."""
    model = get_fhir_model_class(resource_type).model_validate_xml(xml)
    data: dict[str, Any] = json.loads(model.model_dump_json(exclude_none=True))
    _unicode_divs(data)
    return data
