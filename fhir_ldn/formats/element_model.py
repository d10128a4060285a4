"""The shape of every resource and data type of a FHIR version (R5 by default), from the core snapshots.

One `Node` per resource, data type, primitive type and backbone element (keyed `Patient`, `HumanName`,
`string`, `Patient.contact`): its children in StructureDefinition order, each with its JSON/XML name (choice
elements expanded, `deceasedBoolean`), type, cardinality and whether XML writes it as an attribute (`id` of an
element, `Extension.url`, the `value` of a primitive). Built once from the snapshots and cached as compact JSON
next to the core package (`CoreDefinitions.derived`), so loading it takes milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from fhir_ldn.core_defs import CoreDefinitions, load_core_definitions

MODEL_VERSION = 2
SYSTEM_TYPE_PREFIX = "http://hl7.org/fhirpath/System."
FHIR_TYPE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"

Kind = Literal["primitive", "complex", "resource", "xhtml"]
NodeKind = Literal["resource", "complex", "primitive", "backbone"]
JsonType = Literal["boolean", "integer", "decimal", "string"]

_JSON_TYPES: dict[str, JsonType] = {
    "boolean": "boolean",
    "integer": "integer",
    "positiveInt": "integer",
    "unsignedInt": "integer",
    "decimal": "decimal",
}


@dataclass(frozen=True, slots=True)
class Child:
    """One JSON property / XML element (or attribute) of a node."""

    name: str  # JSON/XML name: "deceasedBoolean", "contact", "id"
    element: str  # element name without the type suffix: "deceased"
    path: str  # StructureDefinition element path: "Patient.deceased[x]"
    order: int  # position among the node's elements (all types of one choice share it)
    type: str  # node key of the value: "boolean", "HumanName", "Patient.contact"; "Resource"; "xhtml"
    kind: Kind
    is_list: bool
    is_attr: bool  # an XML attribute (Element.id, Extension.url, a primitive's value)
    choice_type: str | None  # the FHIR type code of a choice variant ("boolean"), else None


@dataclass(frozen=True, slots=True)
class Node:
    """A resource, data type, primitive type or backbone element."""

    key: str
    kind: NodeKind
    url: str  # the versioned StructureDefinition the elements come from
    children: dict[str, Child] = field(default_factory=dict)  # by JSON/XML name, attributes excluded
    attributes: dict[str, Child] = field(default_factory=dict)  # by name
    json_type: JsonType = "string"  # for primitives: the JSON type of the value

    def child(self, name: str) -> Child | None:
        """The child (element or attribute) with this JSON name."""
        return self.children.get(name) or self.attributes.get(name)


@dataclass(frozen=True, slots=True)
class ElementModel:
    """Every node of the R5 base definitions, and which types are resources."""

    nodes: dict[str, Node]
    resource_types: frozenset[str]  # concrete (non-abstract) resource types

    def node(self, key: str) -> Node:
        return self.nodes[key]

    def resource(self, type_name: str) -> Node | None:
        """The node of a concrete resource type, or None for anything else."""
        return self.nodes[type_name] if type_name in self.resource_types else None


# --- building from the snapshots (cached as plain JSON) -------------------------------------------------------


def _type_code(type_entry: dict[str, Any]) -> str:
    code: str = type_entry["code"]
    if code.startswith(SYSTEM_TYPE_PREFIX):
        for ext in type_entry.get("extension", []):
            if ext.get("url") == FHIR_TYPE_EXTENSION:
                return str(ext.get("valueUrl") or ext.get("valueString"))
        return "string"
    return code


def _compact_sd(sd: dict[str, Any], kinds: dict[str, str], constraint_base: dict[str, str]) -> dict[str, Any]:
    """The nodes one StructureDefinition contributes: {key: [node kind, url, [[elements...]]]}."""
    url = f"{sd['url']}|{sd.get('version', '')}"
    elements = sd["snapshot"]["element"]
    paths = [e["path"] for e in elements]
    has_children = {p.rsplit(".", 1)[0] for p in paths if "." in p}
    nodes: dict[str, Any] = {}
    root_kind = {"resource": "resource", "primitive-type": "primitive"}.get(sd["kind"], "complex")
    nodes[paths[0]] = [root_kind, url, []]
    for element in elements[1:]:
        if element.get("sliceName"):
            continue
        path: str = element["path"]
        parent, name = path.rsplit(".", 1)
        if parent not in nodes:  # a child of a skipped (sliced) element
            continue
        is_attr = "xmlAttr" in element.get("representation", [])
        is_list = element.get("max", "1") not in ("0", "1")
        types: list[list[str]] = []
        if path in has_children:
            nodes[path] = ["backbone", url, []]
            types.append(["", path, "complex"])
        elif "contentReference" in element:
            types.append(["", element["contentReference"].split("#", 1)[1], "complex"])
        else:
            for type_entry in element.get("type", []):
                code = _type_code(type_entry)
                code = constraint_base.get(code, code)
                kind = kinds.get(code, "complex")
                types.append([type_entry["code"] if not type_entry["code"].startswith("http") else code, code, kind])
        nodes[parent][2].append([name, path, int(is_list), int(is_attr), types])
    return nodes


def build_compact_model(defs: CoreDefinitions) -> dict[str, Any]:
    """The element model of a core package as plain JSON (what the cache file holds)."""
    sds = {}
    for name in defs.type_names():
        sd = defs.structure_definition_for_type(name)
        if sd is not None and sd.get("snapshot"):
            sds[name] = sd
    kinds: dict[str, str] = {}
    resources: list[str] = []
    for name, sd in sds.items():
        if sd["kind"] == "resource":
            kinds[name] = "resource"
            if not sd.get("abstract"):
                resources.append(name)
        elif sd["kind"] == "primitive-type":
            kinds[name] = "xhtml" if name == "xhtml" else "primitive"
        else:
            kinds[name] = "complex"
    # Profiles of data types used as type codes (SimpleQuantity, MoneyQuantity) are shaped like their base.
    constraint_base = {
        url.rsplit("/", 1)[1]: str(sd["type"])
        for url in defs.urls()
        if url.startswith("http://hl7.org/fhir/StructureDefinition/")
        and (sd := defs.resource(url)) is not None
        and sd.get("resourceType") == "StructureDefinition"
        and sd.get("derivation") == "constraint"
        and sd.get("kind") == "complex-type"
    }
    nodes: dict[str, Any] = {}
    for sd in sds.values():
        nodes.update(_compact_sd(sd, kinds, constraint_base))
    return {"nodes": nodes, "resources": sorted(resources)}


def _capitalised(code: str) -> str:
    return code[:1].upper() + code[1:]


def model_from_compact(data: dict[str, Any]) -> ElementModel:
    """Expand the cached plain-JSON model into Nodes (choice variants get their own names)."""
    nodes: dict[str, Node] = {}
    for key, (node_kind, url, elements) in data["nodes"].items():
        node = Node(key=key, kind=node_kind, url=url, json_type=_JSON_TYPES.get(key, "string"))
        for order, (name, path, is_list, is_attr, types) in enumerate(elements):
            choice = name.endswith("[x]")
            element = name[:-3] if choice else name
            for code, type_key, kind in types:
                json_name = element + _capitalised(code) if choice else element
                child = Child(
                    name=json_name,
                    element=element,
                    path=path,
                    order=order,
                    type=type_key,
                    kind=kind,
                    is_list=bool(is_list),
                    is_attr=bool(is_attr),
                    choice_type=code if choice else None,
                )
                (node.attributes if child.is_attr else node.children)[json_name] = child
        nodes[key] = node
    return ElementModel(nodes=nodes, resource_types=frozenset(data["resources"]))


@cache
def element_model(fhir_version: str = "5.0.0") -> ElementModel:
    """The element model of a FHIR version (R5 unless named; built from its core package on first use, then
    read from its cache file)."""
    if fhir_version == "5.0.0":
        core = load_core_definitions()
    else:
        from fhir_ldn.core_defs import load_package_definitions
        from fhir_ldn.core_defs.versions import release_for

        core = load_package_definitions(*release_for(fhir_version).core)
    return model_from_compact(core.derived("element-model", MODEL_VERSION, build_compact_model))
