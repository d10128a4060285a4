"""Narrative XHTML: parse safely (no DTD, no entities, no network) and apply FHIR's rules (txt-1, txt-2).

Allowed elements and attributes follow the HL7 validator (InstanceValidator.checkInnerNames).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from html.entities import name2codepoint
from typing import TYPE_CHECKING

from lxml import etree

from fhir_ldn.constants import XHTML_NS
from fhir_ldn.formats.xml_safety import HARDENED_PARSER
from fhir_ldn.validation.issues import Pointer

if TYPE_CHECKING:
    from fhir_ldn.validation.structure import Walker

ELEMENTS = frozenset(
    [
        "p",
        "br",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "a",
        "span",
        "b",
        "em",
        "i",
        "strong",
        "small",
        "big",
        "tt",
        "dfn",
        "q",
        "var",
        "abbr",
        "acronym",
        "cite",
        "blockquote",
        "hr",
        "address",
        "bdo",
        "kbd",
        "sub",
        "sup",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "pre",
        "table",
        "caption",
        "colgroup",
        "col",
        "thead",
        "tr",
        "tfoot",
        "tbody",
        "th",
        "td",
        "code",
        "samp",
        "img",
        "map",
        "area",
    ]
)
GLOBAL_ATTRIBUTES = frozenset(
    [
        "title",
        "style",
        "class",
        "id",
        "lang",
        "xml:lang",
        "dir",
        "accesskey",
        "tabindex",
        "span",
        "width",
        "align",
        "valign",
        "char",
        "charoff",
        "abbr",
        "axis",
        "headers",
        "scope",
        "rowspan",
        "colspan",
    ]
)
ELEMENT_ATTRIBUTES = frozenset(
    [
        "a.href",
        "a.name",
        "img.src",
        "img.border",
        "div.xmlns",
        "blockquote.cite",
        "q.cite",
        "a.charset",
        "a.type",
        "a.hreflang",
        "a.rel",
        "a.rev",
        "a.shape",
        "a.coords",
        "img.alt",
        "img.longdesc",
        "img.height",
        "img.width",
        "img.usemap",
        "img.ismap",
        "map.name",
        "area.shape",
        "area.coords",
        "area.href",
        "area.nohref",
        "area.alt",
        "table.summary",
        "table.width",
        "table.border",
        "table.frame",
        "table.rules",
        "table.cellspacing",
        "table.cellpadding",
        "pre.space",
        "td.nowrap",
    ]
)
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_CACHED_TEXT_LENGTH = 20_000  # longer narratives are checked without caching (512 of 2 MiB would be 1 GiB)
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_URL_PUNCTUATION = frozenset(";?:@&=+$.,/%-_~#[]!'()*|")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
# Schemes a reader can follow from a narrative link (urn:, oid: and the like name things, they locate nothing).
_HYPERLINK_SCHEMES = frozenset({"http", "https", "ftp", "ftps", "sftp", "mailto", "tel", "fax", "sms", "data", "file"})


@dataclass(frozen=True)
class XhtmlReport:
    """What the checks found in one narrative."""

    parse_error: str | None
    problems: tuple[tuple[str, str], ...]  # (message id, text)
    names_ok: bool  # txt-1
    has_content: bool  # txt-2


def _html_entities(text: str) -> str:
    def replace(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in _XML_ENTITIES or name not in name2codepoint:
            return m.group(0)
        return f"&#{name2codepoint[name]};"

    return _ENTITY.sub(replace, text)


def _attribute_name(qname: str) -> str:
    if qname.startswith("{"):
        ns, _, local = qname[1:].partition("}")
        return f"xml:{local}" if ns == _XML_NS else local
    return qname


def inspect(text: str, walker: Walker | None = None) -> XhtmlReport:
    """Parse and check narrative XHTML (cached by text, when it is short: the cache must not hoard input; a
    longer one is kept by the walker, for the constraints on the same div, until its validation ends)."""
    if len(text) <= _CACHED_TEXT_LENGTH:
        return _inspect_cached(text)
    if walker is None:
        return _inspect(text)
    found = walker.long_narratives.get(text)
    if found is None:
        found = walker.long_narratives[text] = _inspect(text)
    return found


@lru_cache(maxsize=512)
def _inspect_cached(text: str) -> XhtmlReport:
    return _inspect(text)


def _inspect(text: str) -> XhtmlReport:
    if re.search(r"<!DOCTYPE|<!ENTITY", text, re.IGNORECASE):
        return XhtmlReport("Error parsing XHTML: DOCTYPE declarations are not allowed (XXE)", (), False, False)
    try:
        root = etree.fromstring(_html_entities(text).encode("utf-8"), HARDENED_PARSER)
    except etree.XMLSyntaxError as exc:
        return XhtmlReport(f"Error parsing XHTML: {exc}", (), False, False)
    problems: list[tuple[str, str]] = []
    qname = etree.QName(root)
    if qname.namespace != XHTML_NS:
        problems.append(
            (
                "XHTML_XHTML_NS_InValid",
                f"Wrong namespace on the XHTML ('{qname.namespace or ''}', should be '{XHTML_NS}')",
            )
        )
    if qname.localname != "div":
        problems.append(
            ("XHTML_XHTML_Name_Invalid", f"Wrong name on the XHTML ('{qname.localname}') - must start with div")
        )
    names_ok = True
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        inner_ns = etree.QName(node).namespace
        if node is not root and inner_ns != XHTML_NS:
            text = f"Wrong namespace on the XHTML ('{inner_ns or ''}', should be '{XHTML_NS}')"
            problems.append(("XHTML_XHTML_NS_InValid", text))
        name = etree.QName(node).localname
        if name not in ELEMENTS:
            problems.append(("XHTML_XHTML_Element_Illegal", f"Invalid element name in the XHTML ('{name}')"))
            names_ok = False
        for attr in node.attrib:
            attr_name = _attribute_name(str(attr))
            if attr_name not in GLOBAL_ATTRIBUTES and f"{name}.{attr_name}" not in ELEMENT_ATTRIBUTES:
                problems.append(
                    (
                        "XHTML_XHTML_Attribute_Illegal",
                        f"Invalid attribute name in the XHTML ('{attr_name}' on '{name}')",
                    )
                )
                names_ok = False
    problems.extend(_link_problems(root))
    has_content = bool("".join(root.itertext()).strip()) or any(
        isinstance(n.tag, str) and etree.QName(n).localname == "img" for n in root.iter()
    )
    return XhtmlReport(None, tuple(problems), names_ok, has_content)


def _url_problem(url: str) -> str | None:
    """Why a link target is not a valid URL (the HL7 validator's rule: RFC 3986 characters only), or None."""
    if url == "":
        return "The URL is empty"
    if url.startswith("data:"):
        parts = url[5:].split(",")
        if len(parts) != 2:
            return "The data: URL must have exactly one ',' between the media type and the data"
        return None
    bad = sorted({ch for ch in url if not (ch.isalnum() or ch in _URL_PUNCTUATION)})
    if not bad:
        return None
    count = sum(1 for ch in url if ch in bad)
    listed = ",".join(f"'{ch}'" for ch in bad)
    return f"URL contains {count} Invalid Character{'s' if count != 1 else ''}: {listed}"


def _location(node: etree._Element) -> str:
    names = [etree.QName(n).localname for n in (*reversed(list(node.iterancestors())), node)]
    return "/".join(names)


def _link_problems(root: etree._Element) -> list[tuple[str, str]]:
    """Links (a@href, img@src) must be valid URLs; hyperlinks must use a scheme a browser can follow."""
    out: list[tuple[str, str]] = []
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        name = etree.QName(node).localname
        attribute = {"a": "href", "img": "src"}.get(name)
        url = node.get(attribute) if attribute is not None else None
        if url is None:
            continue
        why = _url_problem(url)
        if why is not None:
            out.append(("XHTML_URL_INVALID", f"The URL is not valid because '({why})': {url}"))
        scheme = _SCHEME.match(url)
        if name == "a" and scheme is not None and scheme.group(1).lower() not in _HYPERLINK_SCHEMES:
            label = "".join(node.itertext()).strip()
            out.append(
                (
                    "XHTML_XHTML_HYPERLINK_SCHEME",
                    f"Hyperlink scheme '{scheme.group(1)}' in '{url}' at '{_location(node)}' for '{label}' is not "
                    "a valid hyperlinkable scheme",
                )
            )
    return out


def check(walker: Walker, text: str, path: str, pointer: Pointer) -> None:
    """Record parse errors and element/attribute/namespace problems of a narrative div."""
    report = inspect(text, walker)
    if report.parse_error is not None:
        walker.add("error", "invalid", path, pointer, report.parse_error, "Error_parsing_XHTML_")
    for message_id, message in report.problems:
        walker.add("error", "invalid", path, pointer, message, message_id)


def html_checks(text: str, which: int, walker: Walker | None = None) -> bool:
    """htmlChecks() for txt-1 (allowed names, parses) and htmlChecks2() for txt-2 (some non-whitespace content)."""
    report = inspect(text, walker)
    if report.parse_error is not None:
        return False
    return report.names_ok if which == 1 else report.has_content
