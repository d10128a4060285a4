"""FHIRPath navigation driven by the compiled StructureDefinitions (exact choice types and type tests)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir_ldn.fhirpath.nodes import ChildDef, FNode, Model
from fhir_ldn.validation.model import Elem
from fhir_ldn.validation.registry import StructureRegistry


class DefinitionModel(Model):
    """A FHIRPath model whose node definitions are `Elem`s of the registry's compiled structures."""

    def __init__(self, registry: StructureRegistry):
        self.registry = registry

    def child_defs(self, node: FNode) -> Mapping[str, ChildDef] | None:
        d = node.d
        if isinstance(d, Elem):
            return d.child_map()
        if isinstance(node.v, dict):
            root = self.registry.type_root(node.t)
            if root is not None:
                node.d = root
                return root.child_map()
        return None

    def type_definition(self, type_code: str) -> Any:
        return self.registry.type_root(type_code)

    def is_type(self, type_code: str, name: str) -> bool:
        if type_code == name:
            return True
        return name in self.registry.ancestors(type_code)

    def is_datatype(self, type_code: str) -> bool:
        return not self.registry.is_resource_type(type_code)
