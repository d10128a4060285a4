"""Index of a FHIR package folder: canonical resources by url, StructureDefinitions by type (loaded lazily)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from fhir_ldn.core_defs.cache import ensure_package

INDEX_FILE = ".fhir-ldn-index.json"
INDEX_VERSION = 2
_INDEXED_TYPES = {
    "StructureDefinition",
    "ValueSet",
    "CodeSystem",
    "ConceptMap",
    "SearchParameter",
    "OperationDefinition",
    "NamingSystem",
}


def _build_index(folder: Path) -> dict[str, Any]:
    by_url: dict[str, str] = {}
    types: dict[str, str] = {}
    for path in sorted(folder.glob("*.json")):
        if path.name in ("package.json", ".index.json", INDEX_FILE):
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("resourceType") not in _INDEXED_TYPES or not isinstance(data.get("url"), str):
            continue
        by_url[data["url"]] = path.name
        if data["resourceType"] == "StructureDefinition" and defines_type(data):
            types[data["type"]] = data["url"]
    return {"index-version": INDEX_VERSION, "by_url": by_url, "types": types}


def defines_type(sd: dict[str, Any]) -> bool:
    """Whether a StructureDefinition defines a type: a specialization, or a root (R4's Resource and Element
    have neither a base nor a derivation)."""
    if sd.get("derivation") == "specialization":
        return True
    return "baseDefinition" not in sd and sd.get("kind") in ("resource", "complex-type", "primitive-type")


def _cached_json(path: Path, key: str, version: int, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """JSON data cached in `path`, rebuilt by `build` when missing or when its `key` is not `version`."""
    try:
        cached: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        if cached.get(key) == version:
            return cached
    except (OSError, ValueError):
        pass
    data = {**build(), key: version}
    try:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a read-only cache still works, just slower to start
    return data


def _load_index(folder: Path) -> dict[str, Any]:
    """The compact index, cached next to the package files (rebuilt if missing or stale)."""
    return _cached_json(folder / INDEX_FILE, "index-version", INDEX_VERSION, lambda: _build_index(folder))


class CoreDefinitions:
    """Read-only access to the definitions of one FHIR package folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        index = _load_index(folder)
        self._by_url: dict[str, str] = index["by_url"]
        self._types: dict[str, str] = index["types"]
        self._loaded: dict[str, dict[str, Any]] = {}

    def urls(self) -> list[str]:
        return list(self._by_url)

    def resource(self, url: str) -> dict[str, Any] | None:
        """The canonical resource with this url (version suffix `|5.0.0` ignored), or None."""
        url = url.split("|", 1)[0]
        if url not in self._loaded:
            name = self._by_url.get(url)
            if name is None:
                return None
            self._loaded[url] = json.loads((self.folder / name).read_text(encoding="utf-8"))
        return self._loaded[url]

    def structure_definition_for_type(self, type_name: str) -> dict[str, Any] | None:
        """The base StructureDefinition of a resource or data type (e.g. 'Patient', 'string')."""
        url = self._types.get(type_name)
        return self.resource(url) if url else None

    def type_names(self) -> list[str]:
        return sorted(self._types)

    def derived(self, name: str, version: int, build: Callable[[CoreDefinitions], dict[str, Any]]) -> dict[str, Any]:
        """Data derived from these definitions by `build`, cached as `.fhir-ldn-<name>.json` next to the files.

        The cache is rebuilt when missing or when its `version` differs; a read-only cache still works.
        """
        path = self.folder / f".fhir-ldn-{name}.json"
        return _cached_json(path, "derived-version", version, lambda: build(self))


@cache
def load_core_definitions(version: str = "5.0.0") -> CoreDefinitions:
    """The R5 core definitions, installed into the FHIR package cache on first use."""
    return CoreDefinitions(ensure_package("hl7.fhir.r5.core", version))


@cache
def load_package_definitions(name: str, version: str) -> CoreDefinitions:
    """The definitions of another pinned FHIR package (e.g. the standard extensions), installed on first use."""
    return CoreDefinitions(ensure_package(name, version))
