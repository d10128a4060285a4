"""The R5 -> R4B/R4 conversion engine: walks an R5 resource with the R5 and the target element models.

Every element is copied when the target has it with the same type; an element a `Rule` names (by its R5
element path, e.g. `ConceptMap.group.element.target.relationship`, or a data type path such as `Meta.profile`)
is handled by that rule; any other element the target lacks, or types differently, goes into HL7's
cross-version extension `http://hl7.org/fhir/5.0/StructureDefinition/extension-<R5 path>` (the convention of
the `hl7.fhir.uv.xver-r5.*` packages: a `value[x]` when the target's Extension can hold the type, else one
nested extension per child element, named by the element). Each rule applied and each extension made is
recorded as a `Change`, from which docs/cross-version.md is generated. The walk is pure (data in, data out).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fhir_ldn.formats.element_model import Child, ElementModel, Node
from fhir_ldn.xver.targets import FhirTarget

XVER_EXTENSION = "http://hl7.org/fhir/5.0/StructureDefinition/extension-"


@dataclass(frozen=True, order=True)
class Change:
    """What the conversion did with one R5 element: `kind` moved, converted, dropped or extension."""

    resource_type: str
    path: str  # the R5 element path
    kind: str
    to: str  # the target element path or extension url ("" when dropped)
    why: str


class ConversionError(ValueError):
    """The R5 resource holds something the conversion cannot place (a bug in the rules, not in the input)."""


@dataclass
class Converter:
    """Converts resources of one package to one target version; collects the `Change`s it makes."""

    target: FhirTarget
    r5: ElementModel
    model: ElementModel
    rules: Mapping[str, Rule]
    context: dict[str, Any] = field(default_factory=dict)  # what rules may consult (the package, ...)
    changes: set[Change] = field(default_factory=set)
    # cross-version extension url -> (the R5 element it carries, the target elements it was placed on)
    extensions_used: dict[str, tuple[Child, set[str]]] = field(default_factory=dict)
    resource_type: str = ""
    placed_on: str = ""  # the target node whose children are being converted (an extension's context)

    def record(self, path: str, kind: str, to: str, why: str) -> None:
        self.changes.add(Change(self.resource_type, path, kind, to, why))

    def resource(self, resource: dict[str, Any], as_type: str | None = None) -> dict[str, Any]:
        """The resource in the target version (`as_type`: the target type, when a rule changes it)."""
        r5_type = resource["resourceType"]
        target_type = as_type or r5_type
        node = self.model.resource(target_type)
        if node is None:
            raise ConversionError(f"{self.target.label} has no resource type {target_type}")
        outer, self.resource_type = self.resource_type, self.resource_type or r5_type
        try:
            out = self.elements(resource, self.r5.node(r5_type), node)
        finally:
            self.resource_type = outer
        out["resourceType"] = target_type
        return ordered(out, node, first=("resourceType",))

    def elements(self, obj: Mapping[str, Any], r5_node: Node, node: Node | None) -> dict[str, Any]:
        """The children of one R5 object, placed on the target object (`node`: its target shape)."""
        outer, self.placed_on = self.placed_on, node.key if node is not None else self.placed_on
        try:
            return self._elements(obj, r5_node, node)
        finally:
            self.placed_on = outer

    def _elements(self, obj: Mapping[str, Any], r5_node: Node, node: Node | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in obj.items():
            if key == "resourceType" or key.startswith("_"):
                continue
            child = r5_node.child(key)
            if child is None:
                raise ConversionError(f"{r5_node.key} has no element '{key}' in R5")
            rule = self.rules.get(child.path)
            if rule is not None:
                rule.apply(self, child, value, out)
                if rule.kind:  # a rule with no kind records what it did itself
                    self.record(child.path, rule.kind, rule.to, rule.why)
                continue
            target_child = node.child(key) if node is not None else None
            if target_child is None or not self.same_type(child, target_child):
                if target_child is not None and (convert := TYPE_CONVERSIONS.get((child.type, target_child.type))):
                    convert(self, child, target_child, value, out)
                    continue
                why = (
                    f"{self.target.label} has no element {child.path}"
                    if target_child is None
                    else f"{self.target.label} types {child.path} as {target_child.type}, R5 as {child.type}"
                )
                self.extension(child, value, out, why)
                continue
            if child.is_list and not target_child.is_list:
                items = value if isinstance(value, list) else [value]
                out[key] = self.value(child, target_child, items[0])
                if items[1:]:
                    self.extension(child, items[1:], out, f"{self.target.label} holds one {child.path}; R5 several")
                else:
                    self.record(child.path, "converted", target_child.path, f"{self.target.label} holds one")
                continue
            if target_child.is_list and not isinstance(value, list):
                value = [value]
                self.record(child.path, "converted", target_child.path, f"{target_child.path} repeats in the target")
            out[key] = self.value(child, target_child, value)
            if f"_{key}" in obj:
                out[f"_{key}"] = obj[f"_{key}"]
        lost = [k for k in obj if k.startswith("_") and k not in out]
        if lost:  # an id or extension on a primitive that was moved, renamed or dropped: never lose it silently
            raise ConversionError(f"{r5_node.key}: the primitive extensions {', '.join(lost)} cannot be carried")
        return out

    def same_type(self, child: Child, target_child: Child) -> bool:
        """Whether the value can be copied (walked) as it is: same type, both backbones, or a primitive whose
        JSON form is the same (markdown -> string and canonical -> uri are recorded as conversions)."""
        if child.kind != target_child.kind:
            return False
        if child.kind == "primitive" and child.type != target_child.type:
            same_json = self.r5.node(child.type).json_type == self.model.node(target_child.type).json_type
            if same_json and (child.type, target_child.type) != ("id", "string"):  # R4's Resource.id is a string
                self.record(child.path, "converted", target_child.path, f"{child.type} -> {target_child.type}")
            return same_json
        return child.type == target_child.type or child.kind == "resource" or self.both_backbones(child, target_child)

    def both_backbones(self, child: Child, target_child: Child) -> bool:
        target_node = self.model.nodes.get(target_child.type)
        is_backbone = target_node is not None and target_node.kind == "backbone"
        return is_backbone and self.r5.node(child.type).kind == "backbone"

    def r5_child(self, node_key: str, name: str) -> Child:
        """The R5 element `name` of a node (ConversionError if R5 has none: the input is not R5)."""
        child = self.r5.node(node_key).child(name)
        if child is None:
            raise ConversionError(f"{node_key} has no element '{name}' in R5")
        return child

    def value(self, child: Child, target_child: Child, value: Any) -> Any:
        """One element's value (a list item by item) in the target shape."""
        if isinstance(value, list):
            return [self.value(child, target_child, item) for item in value]
        if child.kind == "resource":
            return self.resource(value)
        if child.kind in ("primitive", "xhtml") or not isinstance(value, dict):
            return value
        target_node = self.model.nodes.get(target_child.type)
        return ordered(self.elements(value, self.r5.node(child.type), target_node), target_node)

    def extension(self, child: Child, value: Any, out: dict[str, Any], why: str, placed_on: str = "") -> None:
        """Carry an element the target cannot hold in HL7's cross-version extension on its parent (`placed_on`:
        the target element `out` is, when it is not the one being converted)."""
        url = XVER_EXTENSION + child.path.replace("[x]", "")
        self.extensions_used.setdefault(url, (child, set()))[1].add(placed_on or self.placed_on)
        for item in value if isinstance(value, list) else [value]:
            out.setdefault("extension", []).append({"url": url, **self.extension_value(child, item)})
        self.record(child.path, "extension", url, why)

    def extension_value(self, child: Child, item: Any) -> dict[str, Any]:
        type_code = child.choice_type or child.type
        name = "value" + type_code[:1].upper() + type_code[1:]
        target_child = self.model.node("Extension").child(name)
        is_backbone = self.r5.node(child.type).kind == "backbone" if child.kind == "complex" else False
        if target_child is not None and not is_backbone and target_child.type == child.type:
            return {name: self.value(child, target_child, item)}
        if child.kind == "primitive" or not isinstance(item, dict):
            raise ConversionError(f"{child.path}: the target's Extension cannot hold a {type_code}")
        r5_node = self.r5.node(child.type)
        nested = []
        for key, sub in item.items():
            if key.startswith("_") or key in ("id", "extension", "modifierExtension"):
                continue
            sub_child = r5_node.child(key)
            if sub_child is None:
                raise ConversionError(f"{r5_node.key} has no element '{key}' in R5")
            for sub_item in sub if isinstance(sub, list) else [sub]:
                nested.append({"url": sub_child.element, **self.extension_value(sub_child, sub_item)})
        return {"extension": nested}


@dataclass(frozen=True)
class Rule:
    """What to do with one R5 element (by path) instead of copying it: `apply` writes onto the target parent."""

    kind: str  # moved | converted | dropped | extension
    to: str
    why: str
    apply: Callable[[Converter, Child, Any, dict[str, Any]], None]


def codeable_reference_to_concept(
    conv: Converter, child: Child, target_child: Child, value: Any, out: dict[str, Any]
) -> None:
    """R5 CodeableReference -> CodeableConcept: its concept in place, a reference in the cross-version extension."""
    concepts = []
    for item in value if isinstance(value, list) else [value]:
        if "concept" in item:
            concepts.append(item["concept"])  # a CodeableConcept in every version
        if "reference" in item:
            conv.extension(child, [{"reference": item["reference"]}], out, "a CodeableReference's reference")
    if concepts:
        out[child.name] = concepts if target_child.is_list else concepts[0]
        conv.record(child.path, "converted", target_child.path, "CodeableReference.concept -> CodeableConcept")
        if len(concepts) > 1 and not target_child.is_list:
            conv.extension(child, [{"concept": c} for c in concepts[1:]], out, "the target holds one")


TYPE_CONVERSIONS: dict[tuple[str, str], Callable[[Converter, Child, Child, Any, dict[str, Any]], None]] = {
    ("CodeableReference", "CodeableConcept"): codeable_reference_to_concept,
}


def ordered(obj: dict[str, Any], node: Node | None, first: tuple[str, ...] = ()) -> dict[str, Any]:
    """The object's keys in the target's element order (primitive `_name` twins after their value)."""
    if node is None:
        return obj
    position = {name: (child.order, 0) for name, child in {**node.children, **node.attributes}.items()}

    def key(name: str) -> tuple[int, int, int]:
        if name in first:
            return (-1, first.index(name), 0)
        base = name[1:] if name.startswith("_") else name
        order, _ = position.get(base, (len(position), 0))
        return (order, 0, 1 if name.startswith("_") else 0)

    return {name: obj[name] for name in sorted(obj, key=key)}


def rename(to_name: str, why: str, *, to: str = "", values: Mapping[str, str] | None = None) -> Rule:
    """The element under another name in the target (its codes mapped through `values`, when given)."""

    def apply(conv: Converter, child: Child, value: Any, out: dict[str, Any]) -> None:
        if values is not None:
            value = [values[v] for v in value] if isinstance(value, list) else values[value]
        out[to_name] = value

    return Rule("moved", to or to_name, why, apply)


def drop(why: str) -> Rule:
    """The element left out of the target (`why` says where its meaning still is)."""
    return Rule("dropped", "", why, lambda conv, child, value, out: None)
