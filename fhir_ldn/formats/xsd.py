"""Check FHIR XML against the R5 schema `xml/fhir-single.xsd` of the core package (loaded once)."""

from __future__ import annotations

import threading
from functools import cache

from lxml import etree

from fhir_ldn.core_defs import load_core_definitions
from fhir_ldn.formats.xml_safety import XmlFormatError, parse_untrusted

_LOCK = threading.Lock()  # an XMLSchema keeps its error log on itself: one validation at a time


@cache
def fhir_schema() -> etree.XMLSchema:
    """The R5 XML schema (a trusted file of the pinned core package; its imports are local files)."""
    path = load_core_definitions().folder / "xml" / "fhir-single.xsd"
    parser = etree.XMLParser(no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(path), parser))


def validate_xsd(xml: bytes) -> list[str]:
    """The schema errors of a FHIR XML document (`line L, col C: message`); empty if it is valid."""
    try:
        root = parse_untrusted(xml)
    except XmlFormatError as exc:
        return [str(exc)]
    schema = fhir_schema()
    with _LOCK:
        if schema.validate(root):
            return []
        return [f"line {e.line}, col {e.column}: {e.message}" for e in schema.error_log]
