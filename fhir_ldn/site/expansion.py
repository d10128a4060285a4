"""Enumerate a ValueSet's members for its page (compose rules over the package's code systems).

A page-only stand-in until the terminology engine's $expand is available: it follows explicit concepts,
whole held code systems, `is-a`/`descendent-of` filters on held hierarchies and nested value sets, and says
plainly which rules it could not enumerate.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fhir_ldn.package.index import Package, Resource


@dataclass(frozen=True)
class Member:
    system: str
    code: str
    display: str


@dataclass
class Enumeration:
    """The members found, and the compose rules that could not be enumerated (described in words)."""

    members: list[Member] = field(default_factory=list)
    not_enumerated: list[str] = field(default_factory=list)


def _code_system(package: Package, system: str) -> Resource | None:
    found = package.resolve_canonical(system)
    return found if found is not None and found["resourceType"] == "CodeSystem" else None


def _walk_concepts(concepts: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for concept in concepts:
        yield concept
        yield from _walk_concepts(concept.get("concept", []))


def _find(concepts: list[dict[str, Any]], code: str) -> dict[str, Any] | None:
    return next((c for c in _walk_concepts(concepts) if c.get("code") == code), None)


def _include(package: Package, rule: dict[str, Any], seen: frozenset[str]) -> Enumeration:
    out = Enumeration()
    system = rule.get("system")
    nested = [enumerate_value_set(package, url, seen) for url in rule.get("valueSet", [])]
    if system is None:  # only value sets: their intersection (one value set: its members)
        if nested:
            keep = set.intersection(*({(m.system, m.code) for m in e.members} for e in nested))
            out.members = [m for m in nested[0].members if (m.system, m.code) in keep]
            out.not_enumerated = [p for e in nested for p in e.not_enumerated]
        return out
    held = _code_system(package, system)
    if rule.get("concept"):
        for c in rule["concept"]:
            defined = _find(held.get("concept", []), c["code"]) if held else None
            display = c.get("display") or (defined or {}).get("display", "")
            out.members.append(Member(system, c["code"], display))
    elif held is None:
        out.not_enumerated.append(f"all of {system} (a code system this package does not hold)")
    elif rule.get("filter"):
        candidates: list[dict[str, Any]] | None = list(_walk_concepts(held.get("concept", [])))
        for f in rule["filter"]:
            if f.get("property") != "concept" or f.get("op") not in ("is-a", "descendent-of"):
                out.not_enumerated.append(f"filter {f.get('property')} {f.get('op')} {f.get('value')} on {system}")
                candidates = None
                break
            root = _find(held.get("concept", []), f.get("value", ""))
            below = list(_walk_concepts(root.get("concept", []))) if root else []
            allowed = ([root] if root and f["op"] == "is-a" else []) + below
            codes = {c["code"] for c in allowed}
            candidates = [c for c in (candidates or []) if c["code"] in codes]
        out.members += [Member(system, c["code"], c.get("display", "")) for c in candidates or []]
    else:
        out.members += [
            Member(system, c["code"], c.get("display", "")) for c in _walk_concepts(held.get("concept", []))
        ]
    if nested:  # system + value sets: the intersection
        keep = set.intersection(*({(m.system, m.code) for m in e.members} for e in nested))
        out.members = [m for m in out.members if (m.system, m.code) in keep]
        out.not_enumerated += [p for e in nested for p in e.not_enumerated]
    return out


def enumerate_value_set(package: Package, url: str, seen: frozenset[str] = frozenset()) -> Enumeration:
    """The members of the package value set `url` (cycles and unknown value sets are reported, not followed)."""
    value_set = package.resolve_canonical(url)
    if value_set is None or value_set["resourceType"] != "ValueSet":
        return Enumeration(not_enumerated=[f"value set {url} (not in this package)"])
    if url in seen:
        return Enumeration(not_enumerated=[f"value set {url} (includes itself)"])
    compose = value_set.get("compose", {})
    result = Enumeration()
    for rule in compose.get("include", []):
        part = _include(package, rule, seen | {url})
        known = {(m.system, m.code) for m in result.members}
        result.members += [m for m in part.members if (m.system, m.code) not in known]
        result.not_enumerated += part.not_enumerated
    for rule in compose.get("exclude", []):
        part = _include(package, rule, seen | {url})
        gone = {(m.system, m.code) for m in part.members}
        result.members = [m for m in result.members if (m.system, m.code) not in gone]
        result.not_enumerated += [f"exclusion: {p}" for p in part.not_enumerated]
    return result
