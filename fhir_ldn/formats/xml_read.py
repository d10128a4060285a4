"""FHIR XML -> FHIR JSON, driven by the element model, reporting structural problems instead of fixing them.

Values are typed per the StructureDefinitions (booleans, integers, decimals as `JsonDecimal` keeping their
lexical form); a value whose lexical form does not fit its type stays the string as written and is reported.
Primitive ids and extensions become `_name` (null-aligned arrays for repeating elements), contained resources
are unwrapped, and the narrative `div` is kept exactly as written in the source. Comments are ignored.
Nothing is silently repaired: unknown elements, wrong order, empty elements and stray text are returned as
`XmlProblem`s (in the HL7 validator's terms) together with the resource and the source position of every
element, keyed by its FHIRPath-style path (`Patient.identifier[0].system`).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, replace
from typing import Any

from lxml import etree

from fhir_ldn.constants import FHIR_NS
from fhir_ldn.formats.decimal_json import JsonDecimal
from fhir_ldn.formats.element_model import Child, ElementModel, Node, element_model
from fhir_ldn.formats.instance_paths import hl7_expression
from fhir_ldn.formats.xml_positions import LineIndex, div_spans, start_tag_ends
from fhir_ldn.formats.xml_safety import HARDENED_PARSER, XmlRootError, document_text, parse_untrusted

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_NO_POSITION = (0, 0)


@dataclass(frozen=True, slots=True)
class XmlProblem:
    """Something wrong in the XML itself, as the HL7 validator reports it."""

    kind: str  # unknown-element | unknown-attribute | schema-location | wrong-namespace | order | empty |
    #            repeated | text | lexical | processing-instruction | resource
    message: str
    expression: str  # what HL7 reports: an instance path (List.status) or an XPath (/f:List/f:entry)
    path: str  # the FHIRPath-style instance path of the element concerned
    xpath: str  # the element's XPath (/f:List/f:entry)
    line: int
    column: int
    code: str = "structure"  # FHIR issue type
    severity: str = "error"


@dataclass(frozen=True, slots=True)
class XmlDocument:
    """A FHIR resource read from XML: the JSON dict, element positions and the structural problems found."""

    resource: dict[str, Any]
    locations: dict[str, tuple[int, int]] = field(default_factory=dict)
    problems: list[XmlProblem] = field(default_factory=list)


_SPLIT_CACHE: dict[str, tuple[str, str]] = {}


def _split(tag: Any) -> tuple[str, str]:
    """(namespace, local name) of a Clark-notation tag, memoised: tags repeat a lot."""
    split = _SPLIT_CACHE.get(tag)
    if split is None:
        if tag[:1] == "{":
            ns, local = tag[1:].split("}", 1)
            split = (ns, local)
        else:
            split = ("", tag)
        if len(_SPLIT_CACHE) < 10_000:
            _SPLIT_CACHE[tag] = split
    return split


def _blank(text: str | None) -> bool:
    return text is None or text.isspace() or not text


def _texts(el: etree._Element) -> list[str]:
    """The non-blank text and tails directly inside `el` (FHIR elements hold none)."""
    return [t for t in [el.text, *(child.tail for child in el)] if t is not None and not _blank(t)]


def _child_xpath(xpath: str, ns: str, local: str) -> str:
    """The HL7 validator's XPath of a child: `f:` for FHIR, `?:` for an element in another namespace."""
    return f"{xpath}/{'f:' if ns == FHIR_NS else '?:' if ns else ''}{local}"


class _Reader:
    def __init__(self, model: ElementModel, root: etree._Element, text: str | None, want_locations: bool):
        self.model = model
        self.root = root
        self.text = text
        self.problems: list[XmlProblem] = []
        self.locations: dict[str, tuple[int, int]] = {}
        self.want_locations = want_locations
        self.extension = model.node("Extension")
        self._order: dict[etree._Element, int] | None = None  # element -> document position, built on demand
        self._tag_ends: list[int] = []
        self._lines: LineIndex | None = None
        self._divs: dict[etree._Element, tuple[int, int]] | None = None

    # --- positions and problems ---------------------------------------------------------------------------

    def position(self, el: etree._Element) -> tuple[int, int]:
        """(line, column) just after the element's start tag, as the HL7 validator reports it."""
        if self._order is None:
            self._order = {}
            if self.text is not None:
                ends = start_tag_ends(self.text)
                elements = list(self.root.iter(etree.Element))
                if len(ends) == len(elements):
                    self._tag_ends = ends
                    self._order = {element: i for i, element in enumerate(elements)}
                    self._lines = LineIndex(self.text)
        index = self._order.get(el)
        if index is None or self._lines is None:
            return (el.sourceline or 0, 0)
        return self._lines.position(self._tag_ends[index])

    def problem(
        self, kind: str, message: str, el: etree._Element, path: str, xpath: str, expression: str, code: str
    ) -> None:
        line, column = self.position(el)
        self.problems.append(XmlProblem(kind, message, expression, path, xpath, line, column, code))

    def locate(self, path: str, el: etree._Element) -> None:
        if self.want_locations:
            self.locations[path] = self.position(el)

    def stray_text(self, el: etree._Element, texts: list[str], path: str, xpath: str) -> None:
        shown = " ".join(" ".join(t.split()) for t in texts)
        self.problem("text", f"Text should not be present ('{shown}')", el, path, xpath, xpath, "structure")

    def empty(self, el: etree._Element, path: str, xpath: str) -> None:
        self.problem("empty", "Element must have some content", el, path, xpath, xpath, "invalid")

    def unknown_element(self, el: etree._Element, local: str, path: str, xpath: str, child_xpath: str) -> None:
        message = f"Undefined element '{local}' at {xpath}"
        self.problem("unknown-element", message, el, path, child_xpath, xpath, "structure")

    def unknown_attribute(self, el: etree._Element, name: str, node: Node, path: str, xpath: str) -> None:
        if name == f"{{{XSI_NS}}}schemaLocation":
            message = "xsi:schemaLocation is not allowed on FHIR content"
            self.problem("schema-location", message, el, path, xpath, xpath, "structure")
            return
        shown = ":".join(_split(name)) if name[:1] == "{" else name
        message = f"Undefined attribute '@{shown}' on {_split(el.tag)[1]} for type {node.key}"
        self.problem("unknown-attribute", message, el, path, xpath, xpath, "structure")

    # --- resources and complex values ---------------------------------------------------------------------

    def wrapped_resource(self, el: etree._Element, path: str, xpath: str) -> dict[str, Any] | None:
        inner = [child for child in el if isinstance(child.tag, str)]
        texts = _texts(el)
        if texts:
            self.stray_text(el, texts, path, xpath)
        if len(inner) != 1:
            message = f"'{_split(el.tag)[1]}' must hold exactly one resource (found {len(inner)})"
            self.problem("resource", message, el, path, xpath, xpath, "structure")
            if not inner:
                return None
        ns, local = _split(inner[0].tag)
        node = self.model.resource(local)
        inner_xpath = _child_xpath(xpath, ns, local)
        if node is None or ns != FHIR_NS:
            what = f"'{local}' is not a FHIR resource type" if node is None else f"'{local}' is not in {FHIR_NS}"
            self.problem("resource", what, inner[0], path, inner_xpath, inner_xpath, "structure")
            return None
        result: dict[str, Any] = {"resourceType": local}
        self.content(inner[0], node, result, path, inner_xpath)
        return result

    def content(self, el: etree._Element, node: Node, result: dict[str, Any], path: str, xpath: str) -> None:
        """Read the attributes and child elements of `el` (a resource or complex value) into `result`."""
        found: dict[str, Child] = {}
        values: dict[str, list[Any]] = {}
        for name, value in el.items():
            attribute = node.attributes.get(name)
            if attribute is None:
                self.unknown_attribute(el, name, node, path, xpath)
                continue
            found[name] = attribute
            values[name] = [value]
            if self.want_locations:
                self.locations[f"{path}.{name}"] = self.position(el)
        texts: list[str] = [] if el.text is None or _blank(el.text) else [el.text]
        children = node.children
        last: Child | None = None
        counts: dict[str, int] = {}
        for child_el in el:
            tail = child_el.tail
            if tail is not None and not _blank(tail):
                texts.append(tail)
            tag = child_el.tag
            if tag.__class__ is not str:
                if isinstance(child_el, etree._ProcessingInstruction):
                    message = "No processing instructions allowed in resources"
                    self.problem("processing-instruction", message, child_el, path, xpath, xpath, "invalid")
                continue
            ns, local = _split(tag)
            child = children.get(local)
            if child is None:
                self.unknown_element(child_el, local, path, xpath, _child_xpath(xpath, ns, local))
                continue
            name = child.name
            count = counts.get(name, 0)
            counts[name] = count + 1
            child_path = f"{path}.{name}[{count}]" if child.is_list else f"{path}.{name}"
            if ns != FHIR_NS and child.kind != "xhtml":
                child_xpath = _child_xpath(xpath, ns, local)
                message = f"Wrong namespace - expected '{FHIR_NS}'"
                self.problem("wrong-namespace", message, child_el, child_path, child_xpath, child_xpath, "invalid")
            if last is not None and child.order < last.order:
                message = (
                    f"As specified by profile {node.url}, Element '{child.element}' is out of order "
                    f"(found after {last.element})"
                )
                child_xpath = _child_xpath(xpath, ns, local)
                self.problem("order", message, child_el, child_path, child_xpath, child_path, "invalid")
            else:
                last = child
            if count and not child.is_list:
                continue  # reported below, once, with the count
            if self.want_locations:
                self.locations[child_path] = self.position(child_el)
            value = self.value(child_el, child, child_path, xpath, ns, local)
            if value is not None:
                if name in values:
                    values[name].append(value)
                else:
                    found[name] = child
                    values[name] = [value]
        if texts:
            self.stray_text(el, texts, path, xpath)
        for name, count in counts.items():
            if count > 1 and not children[name].is_list:
                message = f"{children[name].path}: max allowed = 1, but found {count} (from {node.url})"
                self.problem("repeated", message, el, f"{path}.{name}", xpath, f"{path}.{name}", "structure")
        for name, child in sorted(found.items(), key=lambda item: item[1].order):
            items = values[name]
            if child.kind != "primitive" or child.is_attr:
                result[name] = items if child.is_list else items[0]
                continue
            if child.is_list:
                plain = [v for v, _ in items]
                extra = [e for _, e in items]
                if any(v is not None for v in plain):
                    result[name] = plain
                if any(e is not None for e in extra):
                    result["_" + name] = extra
            else:
                value, ext = items[0]
                if value is not None:
                    result[name] = value
                if ext is not None:
                    result["_" + name] = ext

    def value(self, el: etree._Element, child: Child, path: str, parent_xpath: str, ns: str, local: str) -> Any:
        """The JSON value of one child element (None if it holds nothing JSON can show)."""
        kind = child.kind
        if kind == "primitive":
            return self.primitive(el, self.model.nodes[child.type], path, parent_xpath, ns, local)
        xpath = _child_xpath(parent_xpath, ns, local)
        if kind == "xhtml":
            return self.xhtml(el)
        if kind == "resource":
            return self.wrapped_resource(el, path, xpath)
        if not len(el) and not el.attrib and _blank(el.text):
            self.empty(el, path, xpath)
        result: dict[str, Any] = {}
        self.content(el, self.model.nodes[child.type], result, path, xpath)
        return result

    def primitive(
        self, el: etree._Element, node: Node, path: str, parent_xpath: str, ns: str, local: str
    ) -> tuple[Any, dict[str, Any] | None] | None:
        """(value, {"id", "extension"} or None) of a primitive element; None if it holds nothing at all."""
        value: Any = None
        extra: dict[str, Any] = {}
        for name, text in el.items():
            if name == "value":
                value = self.typed(text, node, el, path, parent_xpath, ns, local)
            elif name == "id":
                extra["id"] = text
            else:
                self.unknown_attribute(el, name, node, path, _child_xpath(parent_xpath, ns, local))
        if len(el) or not _blank(el.text):
            self.primitive_children(el, extra, path, _child_xpath(parent_xpath, ns, local))
        if value is None and not extra:
            if not len(el) and not el.attrib and _blank(el.text):
                self.empty(el, path, _child_xpath(parent_xpath, ns, local))
            return None
        return value, extra or None

    def primitive_children(self, el: etree._Element, extra: dict[str, Any], path: str, xpath: str) -> None:
        texts = _texts(el)
        extensions: list[dict[str, Any]] = []
        for child_el in el:
            if not isinstance(child_el.tag, str):
                continue
            ns, local = _split(child_el.tag)
            child_xpath = _child_xpath(xpath, ns, local)
            if local != "extension" or ns != FHIR_NS:
                self.unknown_element(child_el, local, path, xpath, child_xpath)
                continue
            ext_path = f"{path}.extension[{len(extensions)}]"
            self.locate(ext_path, child_el)
            if not len(child_el) and not child_el.attrib and _blank(child_el.text):
                self.empty(child_el, ext_path, child_xpath)
            ext: dict[str, Any] = {}
            self.content(child_el, self.extension, ext, ext_path, child_xpath)
            extensions.append(ext)
        if texts:
            self.stray_text(el, texts, path, xpath)
        if extensions:
            extra["extension"] = extensions

    def typed(
        self, text: str, node: Node, el: etree._Element, path: str, parent_xpath: str, ns: str, local: str
    ) -> Any:
        """The JSON value of a primitive's lexical form; the text itself (and a problem) if it does not fit."""
        kind = node.json_type
        if kind == "string":
            return text
        if kind == "boolean" and text in ("true", "false"):
            return text == "true"
        if kind == "integer" and _INTEGER.fullmatch(text):
            return int(text)
        if kind == "decimal" and _JSON_NUMBER.fullmatch(text):
            return JsonDecimal(text) if ("." in text or "e" in text or "E" in text) else int(text)
        message = {
            "boolean": "Boolean values must be 'true' or 'false'",
            "integer": f"The value '{text}' is not a valid integer",
            "decimal": f"The value '{text}' is not a valid decimal",
        }[kind]
        self.problem("lexical", message, el, path, _child_xpath(parent_xpath, ns, local), path, "invalid")
        return text

    def xhtml(self, el: etree._Element) -> str:
        """The div as written in the source (line ends as XML reads them), else as lxml serialises it."""
        if self.text is not None:
            if self._divs is None:
                spans = div_spans(self.text)
                divs = list(self.root.iter("{*}div"))
                self._divs = dict(zip(divs, spans, strict=True)) if len(spans) == len(divs) else {}
            span = self._divs.get(el)
            if span is not None:
                # XML's end-of-line handling, then the one character reference the writer makes (a CR)
                raw = self.text[span[0] : span[1]].replace("\r\n", "\n").replace("\r", "\n").replace("&#13;", "\r")
                try:
                    if etree.fromstring(raw, HARDENED_PARSER).tag == el.tag:
                        return raw
                except etree.XMLSyntaxError:
                    pass  # it relies on namespace declarations outside itself
        return etree.tostring(copy.deepcopy(el), encoding="unicode", with_tail=False)  # a copy: only its own namespaces


def read_xml(xml: bytes, *, locations: bool = True, model: ElementModel | None = None) -> XmlDocument:
    """Read FHIR XML: the resource as FHIR JSON, source positions (if asked) and structural problems.

    Raises XmlFormatError only when there is no resource to speak of: malformed XML, a DOCTYPE, or a root
    element that is not a FHIR resource.
    """
    root = parse_untrusted(xml)
    ns, local = _split(root.tag) if isinstance(root.tag, str) else ("", "")
    if ns != FHIR_NS:
        message = f"the root element must be in the FHIR namespace {FHIR_NS} (found '{ns or 'none'}')"
        raise XmlRootError(message, ns, local)
    model = model or element_model()
    if model.resource(local) is None:
        raise XmlRootError(f"unknown resource type '{local}'", ns, local)
    text = document_text(xml if isinstance(xml, bytes) else xml.encode("utf-8"), root)
    reader = _Reader(model, root, text, locations)
    for sibling in root.itersiblings(preceding=True):
        if isinstance(sibling, etree._ProcessingInstruction):
            message = "No processing instructions allowed in resources"
            reader.problem("processing-instruction", message, sibling, local, "(document)", "(document)", "invalid")
    resource: dict[str, Any] = {"resourceType": local}
    reader.locate(local, root)
    reader.content(root, model.node(local), resource, local, f"/f:{local}")
    problems = [  # instance paths in the HL7 validator's spelling
        replace(p, expression=hl7_expression(p.path, resource, model)) if p.expression == p.path else p
        for p in reader.problems
    ]
    return XmlDocument(resource, reader.locations, problems)
