"""A structural check of R4/R4B JSON against the target's StructureDefinitions (until a full validator has them).

For every object: each property is an element the definitions name (choice types included), arrays exactly
where the element repeats, primitives where the type is primitive, and every element with `min` >= 1 present.
Terminology bindings and invariants are not checked.
"""

from __future__ import annotations

from typing import Any

from fhir_ldn.core_defs import CoreDefinitions
from fhir_ldn.formats.element_model import ElementModel, Node


class StructureChecker:
    """Checks resources against one version's element model and the `min` of its snapshot elements."""

    def __init__(self, model: ElementModel, definitions: CoreDefinitions):
        self.model = model
        self.definitions = definitions
        self._required: dict[str, list[str]] = {}

    def required(self, node: Node) -> list[str]:
        """The element names of a node with min >= 1 (from the snapshot of the type that defines it)."""
        if node.key not in self._required:
            sd = self.definitions.structure_definition_for_type(node.key.split(".", 1)[0]) or {}
            prefix = node.key + "."
            self._required[node.key] = [
                e["path"][len(prefix) :].replace("[x]", "")
                for e in sd.get("snapshot", {}).get("element", [])
                if e["path"].startswith(prefix) and "." not in e["path"][len(prefix) :] and e.get("min", 0) >= 1
            ]
        return self._required[node.key]

    def problems(self, resource: dict[str, Any]) -> list[str]:
        node = self.model.resource(str(resource.get("resourceType")))
        if node is None:
            return [f"{resource.get('resourceType')}: not a resource type of this version"]
        out: list[str] = []
        self._object(resource, node, node.key, out)
        return out

    def _object(self, obj: dict[str, Any], node: Node, path: str, out: list[str]) -> None:
        for name in self.required(node):
            if not any(k == name or (k.startswith(name) and k[len(name) :][:1].isupper()) for k in obj):
                out.append(f"{path}: required element '{name}' is missing")
        for key, value in obj.items():
            if key == "resourceType" or key.startswith("_"):
                continue
            child = node.child(key)
            if child is None:
                out.append(f"{path}: unknown element '{key}'")
                continue
            if child.is_list != isinstance(value, list):
                out.append(f"{path}.{key}: {'an array' if child.is_list else 'a single value'} expected")
                continue
            for i, item in enumerate(value if isinstance(value, list) else [value]):
                where = f"{path}.{key}" + (f"[{i}]" if child.is_list else "")
                if child.kind in ("primitive", "xhtml"):
                    if isinstance(item, dict | list):
                        out.append(f"{where}: a primitive value expected")
                elif not isinstance(item, dict):
                    out.append(f"{where}: an object expected")
                elif child.kind == "resource":
                    out.extend(f"{where}: {p}" for p in self.problems(item))
                else:
                    self._object(item, self.model.node(child.type), where, out)
