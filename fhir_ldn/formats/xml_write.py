"""FHIR JSON -> FHIR XML, driven by the element model.

Elements come out in StructureDefinition order; primitives as `value` attributes holding the exact lexical
form (decimals as read by `decimal_json`); `_name` ids and extensions on the same element (null-aligned
arrays for repeating elements); `Element.id` and `Extension.url` as attributes; contained resources wrapped
(`<contained><Patient>…</Patient></contained>`); the narrative `div` inserted exactly as the JSON holds it,
after checking it is well-formed XHTML. The XML is written as text, so nothing is reformatted on the way.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from fhir_ldn.constants import FHIR_NS, XHTML_NS
from fhir_ldn.formats.decimal_json import lexical
from fhir_ldn.formats.element_model import Child, ElementModel, Node, element_model
from fhir_ldn.formats.xml_safety import XmlFormatError, parse_untrusted

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_NEEDS_WORK = re.compile('[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
_ESCAPABLE = re.compile('[&<>"\t\n\r]')
_PRIMITIVE_EXTRA = frozenset({"id", "extension"})


def _attribute(value: Any, path: str) -> str:
    """A JSON primitive as an escaped XML attribute value."""
    if isinstance(value, dict | list) or value is None:
        raise XmlFormatError(f"{path}: expected a primitive value, found {type(value).__name__}")
    text = lexical(value)
    if _NEEDS_WORK.search(text) is None:
        return text
    if _NOT_XML.search(text):
        raise XmlFormatError(f"{path}: the value contains a character XML cannot represent")
    return _ESCAPABLE.sub(lambda m: _ESCAPES[m.group()], text)


def representable(text: str) -> str:
    """The text with every character XML 1.0 cannot carry replaced by U+FFFD (for our own messages quoting input)."""
    return _NOT_XML.sub("\ufffd", text)


def checked_div(div: Any, path: str) -> str:
    """The narrative div as XML text: verbatim if it is a bare namespaced <div>, else lxml's serialisation of it."""
    if not isinstance(div, str):
        raise XmlFormatError(f"{path}: the narrative div must be a string of XHTML")
    try:
        root = parse_untrusted(div)  # a DOCTYPE (entities) would make the XML we write ill-formed: refused
    except XmlFormatError as exc:
        raise XmlFormatError(f"{path}: the narrative div is not well-formed XHTML: {exc}") from exc
    if not isinstance(root.tag, str) or not root.tag.startswith("{") or not root.tag.endswith("}div"):
        # Without a namespace it would land in FHIR's; a wrong one is kept, for a validator to report.
        raise XmlFormatError(f"{path}: the narrative must be a <div> in the XHTML namespace {XHTML_NS}")
    if div.startswith("<div") and div.endswith(">"):
        return div.replace("\r", "&#13;")  # XML would read a raw CR as a line end
    return etree.tostring(root, encoding="unicode", with_tail=False)  # drop a prolog or surrounding whitespace


class _Writer:
    def __init__(self, model: ElementModel, pretty: bool):
        self.model = model
        self.pretty = pretty
        self.out: list[str] = []
        self.extension = model.node("Extension")

    def indent(self, depth: int) -> str:
        return ("\n" + "  " * depth) if self.pretty else ""

    def resource(self, obj: Any, path: str, depth: int, namespace: str = "") -> None:
        type_name = obj.get("resourceType") if isinstance(obj, dict) else None
        node = self.model.resource(type_name) if isinstance(type_name, str) else None
        if node is None or not isinstance(type_name, str):
            raise XmlFormatError(f"{path or 'the root'}: not a FHIR resource (resourceType {type_name!r})")
        self.complex(type_name, obj, node, path if depth else type_name, depth, namespace)

    def complex(self, tag: str, obj: Any, node: Node, path: str, depth: int, attrs: str = "") -> None:
        if not isinstance(obj, dict):
            raise XmlFormatError(f"{path}: expected an object, found {type(obj).__name__}")
        entries: dict[str, Child] = {}
        for key, value in obj.items():
            if key == "resourceType" and node.kind == "resource":
                continue
            child = node.children.get(key[1:]) if key[:1] == "_" else node.child(key)
            if child is None or (key[:1] == "_" and child.kind != "primitive"):
                raise XmlFormatError(f"{path}: unknown property '{key}' for {node.key}")
            if child.is_attr:
                attrs += f' {key}="{_attribute(value, f"{path}.{key}")}"'
            else:
                entries[child.name] = child
        pad = self.indent(depth)
        if not entries:
            self.out.append(f"{pad}<{tag}{attrs}/>")
            return
        self.out.append(f"{pad}<{tag}{attrs}>")
        for child in sorted(entries.values(), key=lambda c: c.order):
            self.child(child, obj, path, depth + 1)
        self.out.append(f"{pad}</{tag}>")

    def child(self, child: Child, obj: dict[str, Any], path: str, depth: int) -> None:
        name = child.name
        value, extra = obj.get(name), obj.get("_" + name)
        if not child.is_list:
            if isinstance(value, list) or isinstance(extra, list):
                raise XmlFormatError(f"{path}.{name}: a single value is expected, not an array")
            self.one(child, value, extra, f"{path}.{name}", depth)
            return
        values = [] if value is None else value
        extras = [] if extra is None else extra
        if not isinstance(values, list) or not isinstance(extras, list):
            raise XmlFormatError(f"{path}.{name}: an array is expected")
        for i in range(max(len(values), len(extras))):
            self.one(
                child,
                values[i] if i < len(values) else None,
                extras[i] if i < len(extras) else None,
                f"{path}.{name}[{i}]",
                depth,
            )

    def one(self, child: Child, value: Any, extra: Any, path: str, depth: int) -> None:
        if child.kind == "primitive":
            self.primitive(child.name, value, extra, path, depth)
        elif value is None:
            raise XmlFormatError(f"{path}: null is not a value")
        elif child.kind == "complex":
            self.complex(child.name, value, self.model.node(child.type), path, depth)
        elif child.kind == "resource":
            pad = self.indent(depth)
            self.out.append(f"{pad}<{child.name}>")
            self.resource(value, path, depth + 1)
            self.out.append(f"{pad}</{child.name}>")
        else:  # xhtml
            self.out.append(self.indent(depth) + checked_div(value, path))

    def primitive(self, tag: str, value: Any, extra: Any, path: str, depth: int) -> None:
        if value is None and extra is None:
            raise XmlFormatError(f"{path}: null is not a value")
        attrs = ""
        extensions: list[Any] = []
        if extra is not None:
            if not isinstance(extra, dict) or not set(extra) <= _PRIMITIVE_EXTRA:
                raise XmlFormatError(f"{path}: the '_' object of a primitive may hold only id and extension")
            if "id" in extra:
                attrs += f' id="{_attribute(extra["id"], path + ".id")}"'
            extensions = extra.get("extension") or []
            if not isinstance(extensions, list):
                raise XmlFormatError(f"{path}.extension: an array is expected")
        if value is not None:
            attrs += f' value="{_attribute(value, path)}"'
        pad = self.indent(depth)
        if not extensions:
            self.out.append(f"{pad}<{tag}{attrs}/>")
            return
        self.out.append(f"{pad}<{tag}{attrs}>")
        for i, extension in enumerate(extensions):
            self.complex("extension", extension, self.extension, f"{path}.extension[{i}]", depth + 1)
        self.out.append(f"{pad}</{tag}>")


def write_xml(resource: dict[str, Any], *, pretty: bool = False, model: ElementModel | None = None) -> bytes:
    """FHIR XML (UTF-8, with an XML declaration) for a FHIR JSON resource; XmlFormatError if it cannot be."""
    writer = _Writer(model or element_model(), pretty)
    writer.resource(resource, "", 0, f' xmlns="{FHIR_NS}"')
    return (XML_DECLARATION + "".join(writer.out) + ("\n" if pretty else "")).encode("utf-8")
