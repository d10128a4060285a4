"""Compiled StructureDefinitions on demand: snapshots generated when missing, trees cached per url."""

from __future__ import annotations

from typing import Any

from fhir_ldn.validation.definitions import DefinitionSource
from fhir_ldn.validation.model import CompiledStructure, Elem, compile_structure
from fhir_ldn.validation.snapshot import SnapshotError, generate_snapshot

PRIMITIVE_BASE = "http://hl7.org/fhir/StructureDefinition/"


def renamed_choices_as_slices(elements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Older profiles constrain one type of a choice by renaming it (`Observation.valueQuantity` next to
    `Observation.value[x]`); read such an element as the type slice `value[x]:valueQuantity`, as R4+ spells it."""
    choice_types: dict[str, set[str]] = {}  # choice path -> its type codes, capitalised as in JSON names
    for e in elements:
        if str(e.get("path", "")).endswith("[x]"):
            codes = {str(t.get("code", "")) for t in e.get("type", []) if isinstance(t, dict)}
            choice_types.setdefault(str(e["path"]), set()).update(c[:1].upper() + c[1:] for c in codes)
    renames: dict[str, tuple[str, str]] = {}  # renamed path -> (choice path, slice name)
    for e in elements:
        path = e.get("path")
        if not isinstance(path, str) or "." not in path or path.endswith("[x]"):
            continue
        parent, name = path.rsplit(".", 1)
        for i in range(len(name) - 1, 0, -1):
            if name[i].isupper() and name[i:] in choice_types.get(f"{parent}.{name[:i]}[x]", ()):
                renames[path] = (f"{parent}.{name[:i]}[x]", name)
                break
    if not renames:
        return elements
    ids = {e.get("id") for e in elements}
    out = []
    for e in elements:
        path = str(e.get("path", ""))
        head = next((p for p in renames if path == p or path.startswith(p + ".")), None)
        if head is None:
            out.append(e)
            continue
        choice, slice_name = renames[head]
        copy = dict(e)
        copy["path"] = choice + path[len(head) :]
        element_id = str(e.get("id", path))
        head_id = element_id[: len(element_id) - (len(path) - len(head))]
        choice_id = head_id.rsplit(".", 1)[0] + "." + choice.rsplit(".", 1)[1]
        as_slice = choice_id in ids  # else the renamed element is the only definition of the choice there
        copy["id"] = (f"{choice_id}:{slice_name}" if as_slice else choice_id) + element_id[len(head_id) :]
        if path == head and as_slice:
            copy["sliceName"] = slice_name
        out.append(copy)
    return out


class StructureRegistry:
    """Compiles and caches StructureDefinitions from a DefinitionSource."""

    def __init__(self, source: DefinitionSource):
        self.source = source
        self._compiled: dict[str, CompiledStructure | None] = {}
        self._type_roots: dict[str, Elem | None] = {}
        self._ancestors: dict[str, tuple[str, ...]] = {}
        self.snapshot_errors: dict[str, str] = {}
        self._primitive: dict[str, bool] = {}
        self._resource: dict[str, bool] = {}

    def compiled(self, url: str) -> CompiledStructure | None:
        """The compiled profile or type definition for a canonical url (None if unknown or broken)."""
        key = url.split("|", 1)[0] if "|" not in url else url
        if key in self._compiled:
            return self._compiled[key]
        self._compiled[key] = None  # recursion guard
        sd = self.source.structure(url)
        result = None
        if sd is not None:
            snapshot = self.snapshot(sd)
            if snapshot is not None:
                result = compile_structure(self, sd, snapshot)
        self._compiled[key] = result
        return result

    def snapshot(self, sd: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The snapshot elements of `sd`, generated from its base when it has only a differential."""
        snapshot = sd.get("snapshot", {}).get("element") if isinstance(sd.get("snapshot"), dict) else None
        if snapshot:
            return renamed_choices_as_slices(list(snapshot))
        try:
            return generate_snapshot(sd, self)
        except SnapshotError as exc:
            self.snapshot_errors[str(sd.get("url"))] = str(exc)
            return None

    def compiled_type(self, type_code: str) -> CompiledStructure | None:
        sd = self.source.type_structure(type_code)
        if sd is None and type_code.startswith("http"):
            return self.compiled(type_code)
        if sd is None:
            return None
        return self.compiled(str(sd["url"]))

    def type_root(self, type_code: str) -> Elem | None:
        """The root element of a type's base definition ('Identifier', 'Patient', 'string'...)."""
        if type_code in self._type_roots:
            return self._type_roots[type_code]
        structure = self.compiled_type(type_code)
        root = structure.root if structure is not None else None
        self._type_roots[type_code] = root
        return root

    def ancestors(self, type_code: str) -> tuple[str, ...]:
        """The type and every type it specialises, nearest first (Patient, DomainResource, Resource)."""
        if type_code in self._ancestors:
            return self._ancestors[type_code]
        chain = [type_code]
        sd = self.source.type_structure(type_code)
        seen = {type_code}
        while sd is not None and isinstance(sd.get("baseDefinition"), str):
            base = self.source.structure(sd["baseDefinition"])
            if base is None or base.get("type") in seen:
                break
            name = str(base.get("type"))
            seen.add(name)
            chain.append(name)
            sd = base if base.get("derivation") == "specialization" or base.get("abstract") else None
        result = tuple(chain)
        self._ancestors[type_code] = result
        return result

    def is_resource_type(self, type_code: str) -> bool:
        found = self._resource.get(type_code)
        if found is None:
            sd = self.source.type_structure(type_code)
            found = sd is not None and sd.get("kind") == "resource"
            self._resource[type_code] = found
        return found

    def is_primitive(self, type_code: str) -> bool:
        found = self._primitive.get(type_code)
        if found is None:
            sd = None if type_code.startswith("System.") else self.source.type_structure(type_code)
            found = type_code.startswith("System.") or (sd is not None and sd.get("kind") == "primitive-type")
            self._primitive[type_code] = found
        return found
