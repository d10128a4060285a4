"""FHIR search over the package's resources: parse the query, match resources (pure, small subset of FHIR search)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MODIFIERS = {"name": ("exact", "contains")}


class SearchError(ValueError):
    """A search parameter that is not supported here."""

    def __init__(self, message: str, parameter: str):
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class Criterion:
    """One search parameter: the resource must match one of `values` (comma-separated in the query)."""

    name: str
    modifier: str | None
    values: tuple[str, ...]


def parse_search(pairs: Iterable[tuple[str, str]], allowed: set[str]) -> list[Criterion]:
    """Criteria from query pairs; SearchError for a parameter or modifier this server does not support."""
    out = []
    for key, raw in pairs:
        name, _, modifier = key.partition(":")
        if name not in allowed:
            known = ", ".join(sorted(allowed))
            raise SearchError(f"unknown search parameter '{name}' (supported: {known})", name)
        if modifier and modifier not in MODIFIERS.get(name, ()):
            raise SearchError(f"modifier ':{modifier}' is not supported on '{name}'", key)
        values = tuple(v for v in raw.split(",") if v)
        if not values:
            raise SearchError(f"search parameter '{name}' has no value", name)
        out.append(Criterion(name, modifier or None, values))
    return out


def _tokens(value: Any) -> list[tuple[str | None, str]]:
    """(system, code) pairs of a code, Coding or CodeableConcept element."""
    if isinstance(value, str):
        return [(None, value)]
    if isinstance(value, Mapping):
        codings = value.get("coding", [value])
        return [(c.get("system"), str(c["code"])) for c in codings if isinstance(c, Mapping) and "code" in c]
    if isinstance(value, list):
        return [t for item in value for t in _tokens(item)]
    return []


def _token_match(element: Any, wanted: str) -> bool:
    system, sep, code = wanted.rpartition("|")
    for have_system, have_code in _tokens(element):
        if have_code == code and (not sep or system == (have_system or "")):
            return True
    return False


def _names(resource: Mapping[str, Any]) -> list[str]:
    names = [resource["name"]] if isinstance(resource.get("name"), str) else []
    for item in resource.get("name", []) if isinstance(resource.get("name"), list) else []:
        if isinstance(item, Mapping) and isinstance(item.get("productName"), str):
            names.append(item["productName"])
    if isinstance(resource.get("title"), str):
        names.append(resource["title"])
    return names


def _string_match(candidates: list[str], wanted: str, modifier: str | None) -> bool:
    if modifier == "exact":
        return wanted in candidates
    wanted = wanted.casefold()
    if modifier == "contains":
        return any(wanted in c.casefold() for c in candidates)
    return any(c.casefold().startswith(wanted) for c in candidates)


def _reference_match(resource: Mapping[str, Any], wanted: str) -> bool:
    refs = [s.get("reference", "") for s in resource.get("subject", []) if isinstance(s, Mapping)]
    tail = "/".join(wanted.rstrip("/").split("/")[-2:])
    return any(ref == wanted or "/".join(ref.split("/")[-2:]) == tail for ref in refs)


def _one(resource: Mapping[str, Any], criterion: Criterion, wanted: str) -> bool:
    name = criterion.name
    if name == "_id":
        return resource.get("id") == wanted
    if name in ("url", "version"):
        return resource.get(name) == wanted
    if name == "name":
        return _string_match(_names(resource), wanted, criterion.modifier)
    if name in ("status", "type"):
        return _token_match(resource.get(name), wanted)
    if name == "subject":
        return _reference_match(resource, wanted)
    return False


def matches(resource: Mapping[str, Any], criteria: Iterable[Criterion]) -> bool:
    """Whether a resource matches every criterion (and, within one, any of its values)."""
    return all(any(_one(resource, c, v) for v in c.values) for c in criteria)
