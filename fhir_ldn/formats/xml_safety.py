"""The hardened lxml parser for untrusted XML: no DTD, no entities, no network, bounded trees."""

from __future__ import annotations

import re

from lxml import etree

# No DTDs, no entity expansion, no network, bounded trees (libxml2's default depth and text-size limits).
HARDENED_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)


class XmlFormatError(ValueError):
    """The bytes are not acceptable FHIR XML (malformed, DTD/entities, wrong namespace, unknown type)."""


class XmlRootError(XmlFormatError):
    """Well-formed XML whose root element is not a FHIR resource (another namespace or an unknown name)."""

    def __init__(self, message: str, namespace: str, name: str):
        super().__init__(message)
        self.namespace = namespace
        self.name = name


def parse_untrusted(xml: bytes | str) -> etree._Element:
    """The root element of an XML document; XmlFormatError if it is malformed or has a DOCTYPE."""
    if isinstance(xml, str):
        xml = xml.encode("utf-8")
    try:
        root = etree.fromstring(xml, HARDENED_PARSER)
    except etree.XMLSyntaxError as exc:
        raise XmlFormatError(f"malformed XML: {exc}") from exc
    except ValueError as exc:  # e.g. an encoding declaration lxml cannot use
        raise XmlFormatError(f"unreadable XML: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlFormatError("XML with a DOCTYPE is not accepted (no DTDs or entities in FHIR XML)")
    return root


def document_text(xml: bytes, root: etree._Element) -> str | None:
    """The document as text in its declared encoding (for source positions), or None if it cannot be decoded."""
    encoding = root.getroottree().docinfo.encoding or "utf-8"
    if encoding.lower().replace("-", "") == "utf8":
        encoding = "utf-8-sig"  # tolerate a byte-order mark
    try:
        return xml.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None


_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")


def encoding_problem(xml: bytes) -> tuple[str, bool] | None:
    """FHIR XML is UTF-8: (why not, whether the document is unreadable as such) for other encodings, else None.

    A UTF-16 document (byte-order mark) cannot be read as UTF-8 at all; a document declaring another encoding
    is read in that encoding if it can be."""
    if xml[:2] in (b"\xfe\xff", b"\xff\xfe"):
        return "The XML encoding is invalid (must be UTF-8, found a UTF-16 byte-order mark)", True
    found = _DECLARED_ENCODING.match(xml[:200])
    if found is not None:
        declared = found.group(1).decode("ascii", "replace")
        if declared.lower().replace("-", "").replace("_", "") != "utf8":
            return f"The XML encoding is invalid (must be UTF-8, not '{declared}')", False
    return None
