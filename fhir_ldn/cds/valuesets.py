"""Value-set membership for the CDS engine: a small private adapter over the package's ValueSets.

The project's terminology engine (`fhir_ldn.terminology`, issue 4) was not on main when the CDS service was
written, so this module expands the package's value sets itself, just far enough for the CDS rule: enumerated
`compose.include.concept` lists, nested `compose.include.valueSet`s, `is-a` / `descendent-of` / `=concept`
filters over a CodeSystem held in the package, and `compose.exclude`. Every expansion is computed once per url
and cached. `ValueSetIndex.expansion` is the single entry point the engine uses; switch it to the terminology
engine's `$expand` when that lands.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from fhir_ldn.errors import PackageError
from fhir_ldn.package.index import Package

Coding = dict[str, str]


def _concepts_below(concepts: Any) -> Iterator[Mapping[str, Any]]:
    for concept in concepts or ():
        yield concept
        yield from _concepts_below(concept.get("concept"))


def _find(concepts: Any, code: str) -> Mapping[str, Any] | None:
    return next((c for c in _concepts_below(concepts) if c.get("code") == code), None)


class ValueSetIndex:
    """Expansions (system, code, display) of the package's value sets, by canonical url; computed once each."""

    def __init__(self, package: Package):
        self._package = package
        self._expansions: dict[str, tuple[Coding, ...]] = {}
        self._members: dict[str, frozenset[tuple[str, str]]] = {}

    def expansion(self, url: str) -> tuple[Coding, ...]:
        """The codings of the value set (PackageError if it is not in the package or cannot be expanded here)."""
        cached = self._expansions.get(url)
        if cached is None:
            cached = tuple(self._expand(url, ()))
            self._expansions[url] = cached
        return cached

    def members(self, url: str) -> frozenset[tuple[str, str]]:
        """(system, code) pairs of the value set, for O(1) membership tests."""
        cached = self._members.get(url)
        if cached is None:
            cached = frozenset((c["system"], c["code"]) for c in self.expansion(url))
            self._members[url] = cached
        return cached

    def _expand(self, url: str, stack: tuple[str, ...]) -> list[Coding]:
        if url in stack:
            raise PackageError(f"value set {url} includes itself")
        vs = self._package.resolve_canonical(url)
        if vs is None or vs.get("resourceType") != "ValueSet":
            raise PackageError(f"value set {url} is not in the package")
        compose = vs.get("compose") or {}
        included = self._part(compose.get("include"), (*stack, url))
        excluded = {(c["system"], c["code"]) for c in self._part(compose.get("exclude"), (*stack, url))}
        out: list[Coding] = []
        seen: set[tuple[str, str]] = set()
        for coding in included:
            key = (coding["system"], coding["code"])
            if key not in excluded and key not in seen:
                seen.add(key)
                out.append(coding)
        return out

    def _part(self, parts: Any, stack: tuple[str, ...]) -> list[Coding]:
        out: list[Coding] = []
        for part in parts or ():
            codings = self._include(part, stack)
            for nested in part.get("valueSet") or ():  # a nested set intersects with the system part, if any
                nested_keys = {(c["system"], c["code"]) for c in self._expand(nested, stack)}
                if codings is None:
                    codings = list(self._expand(nested, stack))
                else:
                    codings = [c for c in codings if (c["system"], c["code"]) in nested_keys]
            out += codings or []
        return out

    def _include(self, part: Mapping[str, Any], stack: tuple[str, ...]) -> list[Coding] | None:
        system = part.get("system")
        if not system:
            return None
        if part.get("concept"):
            return [self._coding(system, c["code"], c.get("display")) for c in part["concept"]]
        code_system = self._package.resolve_canonical(system)
        if code_system is None or code_system.get("resourceType") != "CodeSystem":
            raise PackageError(f"{stack[-1]}: code system {system} is not in the package, so it cannot be expanded")
        concepts: list[Mapping[str, Any]] = list(_concepts_below(code_system.get("concept")))
        for flt in part.get("filter") or ():
            concepts = self._filter(concepts, code_system, flt, stack)
        return [self._coding(system, c["code"], c.get("display")) for c in concepts]

    @staticmethod
    def _filter(
        concepts: list[Mapping[str, Any]],
        code_system: Mapping[str, Any],
        flt: Mapping[str, Any],
        stack: tuple[str, ...],
    ) -> list[Mapping[str, Any]]:
        prop, op, value = flt.get("property"), flt.get("op"), flt.get("value")
        if prop == "concept" and op in ("is-a", "descendent-of") and isinstance(value, str):
            root = _find(code_system.get("concept"), value)
            if root is None:
                return []
            below = {c["code"] for c in _concepts_below(root.get("concept"))}
            if op == "is-a":
                below.add(root["code"])
            return [c for c in concepts if c["code"] in below]
        if prop == "concept" and op == "=":
            return [c for c in concepts if c["code"] == value]
        raise PackageError(f"{stack[-1]}: filter {prop} {op} is not supported by the CDS value-set adapter")

    @staticmethod
    def _coding(system: str, code: str, display: Any) -> Coding:
        coding = {"system": system, "code": code}
        if isinstance(display, str) and display:
            coding["display"] = display
        return coding
