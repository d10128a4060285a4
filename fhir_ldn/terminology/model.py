"""Indexed CodeSystems: concepts by code, hierarchy, status and properties, built once per resource."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from fhir_ldn.constants import CONCEPT_PROPERTIES, EXT_STANDARDS_STATUS

Resource = Mapping[str, Any]

INACTIVE_STATUSES = frozenset({"retired", "inactive", "withdrawn"})


def value_of(element: Mapping[str, Any]) -> tuple[str, Any] | None:
    """The (valueX key, value) of an element with a value[x], or None."""
    for key, value in element.items():
        if key.startswith("value") and key != "value":
            return key, value
    return None


def extension_value(element: Mapping[str, Any], url: str) -> Any:
    """The value of the first extension with this url on an element, or None."""
    for ext in element.get("extension", ()):
        if isinstance(ext, dict) and ext.get("url") == url:
            found = value_of(ext)
            return found[1] if found else None
    return None


@dataclass(slots=True)
class Concept:
    """One concept of a code system, with what the terminology operations need precomputed."""

    code: str
    display: str | None
    definition: str | None
    designations: tuple[dict[str, Any], ...]
    properties: tuple[dict[str, Any], ...]  # CodeSystem.concept.property, as authored
    extensions: tuple[dict[str, Any], ...]
    inactive: bool = False
    abstract: bool = False
    status: str | None = None
    parents: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)

    def property_values(self, code: str) -> list[tuple[str, Any]]:
        """(valueX key, value) of every property with this code."""
        out = []
        for prop in self.properties:
            if prop.get("code") == code:
                found = value_of(prop)
                if found is not None:
                    out.append(found)
        return out


class CodeSystemIndex:
    """Read-only index of one CodeSystem resource (or supplement)."""

    def __init__(self, resource: Resource):
        self.resource = resource
        self.url: str = str(resource.get("url", ""))
        self.version: str | None = resource.get("version")
        self.name: str = str(resource.get("name") or resource.get("title") or self.url)
        self.content: str = str(resource.get("content", "complete"))
        self.case_sensitive: bool = resource.get("caseSensitive") is not False
        self.language: str | None = resource.get("language")
        self.supplements: str | None = resource.get("supplements")
        self.property_defs: dict[str, dict[str, Any]] = {
            p["code"]: p for p in resource.get("property", ()) if isinstance(p, dict) and "code" in p
        }
        self._special = self._special_property_codes()
        self.concepts: dict[str, Concept] = {}
        self.roots: list[str] = []
        for raw in resource.get("concept", ()):
            self._add(raw, None)
        self._link_parent_properties()
        self._folded = {} if self.case_sensitive else {c.casefold(): c for c in self.concepts}
        self._descendants: dict[str, tuple[str, ...]] = {}

    @property
    def canonical(self) -> str:
        """url|version (url alone when unversioned)."""
        return f"{self.url}|{self.version}" if self.version else self.url

    @property
    def is_complete(self) -> bool:
        return self.content == "complete"

    def _special_property_codes(self) -> dict[str, str]:
        """Property codes meaning status / inactive / notSelectable / parent / child, matched by URI or code."""
        special = {name: name for name in ("status", "inactive", "notSelectable", "parent", "child")}
        for code, definition in self.property_defs.items():
            uri = str(definition.get("uri", ""))
            if uri.startswith(CONCEPT_PROPERTIES + "#"):
                special[uri.split("#", 1)[1]] = code
        return special

    def _add(self, raw: Mapping[str, Any], parent: str | None) -> None:
        code = raw.get("code")
        if not isinstance(code, str) or not code:
            return
        concept = self.concepts.get(code)
        if concept is None:
            concept = self._concept(raw)
            self.concepts[code] = concept
            if parent is None:
                self.roots.append(code)
        if parent is not None and parent not in concept.parents:
            concept.parents.append(parent)
            self.concepts[parent].children.append(code)
        for child in raw.get("concept", ()):
            self._add(child, code)

    def _concept(self, raw: Mapping[str, Any]) -> Concept:
        concept = Concept(
            code=raw["code"],
            display=raw.get("display"),
            definition=raw.get("definition"),
            designations=tuple(d for d in raw.get("designation", ()) if isinstance(d, dict)),
            properties=tuple(p for p in raw.get("property", ()) if isinstance(p, dict)),
            extensions=tuple(e for e in raw.get("extension", ()) if isinstance(e, dict)),
        )
        status = next((v for k, v in concept.property_values(self._special["status"]) if k == "valueCode"), None)
        status = status or extension_value(raw, EXT_STANDARDS_STATUS)
        inactive = any(v is True for _, v in concept.property_values(self._special["inactive"]))
        concept.inactive = inactive or status in INACTIVE_STATUSES
        concept.status = status or ("inactive" if concept.inactive else None)
        concept.abstract = any(v is True for _, v in concept.property_values(self._special["notSelectable"]))
        return concept

    def _link_parent_properties(self) -> None:
        """R5 also allows the hierarchy as `parent`/`child` properties instead of nesting."""
        for code, concept in list(self.concepts.items()):
            for kind in ("parent", "child"):
                for _, other in concept.property_values(self._special[kind]):
                    if not isinstance(other, str) or other not in self.concepts or other == code:
                        continue
                    parent, child = (other, code) if kind == "parent" else (code, other)
                    if parent not in self.concepts[child].parents:
                        self.concepts[child].parents.append(parent)
                        self.concepts[parent].children.append(child)
                        if child in self.roots:
                            self.roots.remove(child)

    def find(self, code: str) -> Concept | None:
        """The concept for a code, case-insensitively when the code system says so."""
        concept = self.concepts.get(code)
        if concept is None and not self.case_sensitive:
            real = self._folded.get(code.casefold())
            concept = self.concepts.get(real) if real is not None else None
        return concept

    def __iter__(self) -> Iterator[Concept]:
        return iter(self.concepts.values())

    def descendants(self, code: str) -> tuple[str, ...]:
        """Every code below `code` (not itself), depth first, each once."""
        if code not in self._descendants:
            seen: dict[str, None] = {}
            stack = list(reversed(self.concepts[code].children)) if code in self.concepts else []
            while stack:
                current = stack.pop()
                if current in seen or current == code:
                    continue
                seen[current] = None
                stack.extend(reversed(self.concepts[current].children))
            self._descendants[code] = tuple(seen)
        return self._descendants[code]

    def ancestors(self, code: str) -> list[str]:
        """Every code above `code`, nearest first."""
        out: dict[str, None] = {}
        frontier = list(self.concepts[code].parents) if code in self.concepts else []
        while frontier:
            current = frontier.pop(0)
            if current not in out and current != code:
                out[current] = None
                frontier.extend(self.concepts[current].parents)
        return list(out)

    def subsumes(self, ancestor: str, descendant: str) -> bool:
        return descendant == ancestor or descendant in self.descendants(ancestor)
