"""Where the validator finds canonical resources: a core package (R5, R4B or R4) plus extra resources (package, --ig).

Extra resources shadow the core ones with the same url. Versioned canonicals (`url|1.0.0`) pick that
version when it is loaded, else the only or latest one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from fhir_ldn.core_defs.definitions import defines_type

Resource = dict[str, Any]
CANONICAL_TYPES = frozenset({"StructureDefinition", "ValueSet", "CodeSystem", "ConceptMap", "NamingSystem"})


class CoreSource(Protocol):
    def resource(self, url: str) -> Resource | None: ...

    def structure_definition_for_type(self, type_name: str) -> Resource | None: ...

    def urls(self) -> list[str]: ...


class DefinitionSource:
    """Canonical resources by url: extra ones first, then each package in order (core first)."""

    def __init__(self, cores: Iterable[CoreSource] = (), extra: Iterable[Resource] = (), fhir_version: str = "5.0.0"):
        self.cores = list(cores)
        self.fhir_version = fhir_version  # the version the cores define (instances are read as this version)
        self._extra: dict[str, list[Resource]] = {}
        self._types: dict[str, Resource] = {}
        self.generation = 0
        self.add(extra)

    def add(self, resources: Iterable[Resource]) -> None:
        """Register more canonical resources (later registrations of the same url|version win)."""
        for r in resources:
            url = r.get("url")
            if r.get("resourceType") not in CANONICAL_TYPES or not isinstance(url, str):
                continue
            versions = self._extra.setdefault(url, [])
            versions[:] = [v for v in versions if v.get("version") != r.get("version")]
            versions.append(r)
            if r.get("resourceType") == "StructureDefinition" and defines_type(r):
                self._types[str(r.get("type"))] = r
        self.generation += 1

    def resource(self, canonical: str) -> Resource | None:
        url, _, version = canonical.partition("|")
        candidates = self._extra.get(url)
        if candidates:
            if version:
                for r in candidates:
                    if r.get("version") == version:
                        return r
            return max(candidates, key=lambda r: str(r.get("version", "")))
        for core in self.cores:
            found = core.resource(url)
            if found is not None:
                return found
        return None

    def structure(self, url: str) -> Resource | None:
        r = self.resource(url)
        return r if r is not None and r.get("resourceType") == "StructureDefinition" else None

    def type_structure(self, type_name: str) -> Resource | None:
        """The base StructureDefinition of a resource or data type."""
        if type_name in self._types:
            return self._types[type_name]
        for core in self.cores:
            found = core.structure_definition_for_type(type_name)
            if found is not None:
                return found
        return None

    def extra_resources(self) -> list[Resource]:
        return [r for versions in self._extra.values() for r in versions]
