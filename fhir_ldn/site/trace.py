"""The traceability table as page data: each article claim or reference → the resources and element values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fhir_ldn.package.index import Package
from fhir_ldn.site.views import doi_url, page_name, title_of
from fhir_ldn.traceability import mapped_values


@dataclass(frozen=True)
class Mapping:
    """One claim → resource element link, with the values the element holds now."""

    entry_id: str
    resource_key: tuple[str, str]
    page: str
    resource_title: str
    element: str
    contains: str
    values: list[str]


@dataclass(frozen=True)
class Entry:
    """A claim or a reference of the source article, as docs/traceability.json lists it."""

    id: str
    text: str
    quotes: list[str]
    doi_url: str | None
    mappings: list[Mapping]

    @property
    def anchor(self) -> str:
        return f"trace-{self.id}"


EXCERPT = 90  # characters kept on each side of the expected text in a long value


def _excerpt(value: str, contains: str) -> str:
    """A long value cut down to the expected text with some context either side."""
    at = value.find(contains) if contains else -1
    if at < 0 or len(value) <= len(contains) + 2 * EXCERPT:
        return value
    start, end = max(at - EXCERPT, 0), min(at + len(contains) + EXCERPT, len(value))
    return ("…" if start else "") + value[start:end] + ("…" if end < len(value) else "")


def _shown(values: list[str], contains: str) -> list[str]:
    """The values that hold the expected text (all values when nothing is expected), long ones as excerpts."""
    hits = [v for v in values if contains in v] if contains else values
    return [_excerpt(v, contains) for v in hits or values]


def _entries(package: Package, items: list[dict[str, Any]], text_key: str) -> list[Entry]:
    out = []
    for item in items:
        mappings = []
        for m in item.get("encodedIn", []):
            resource = package.resolve_reference(m["resource"])
            if resource is None:
                continue
            contains = str(m.get("contains", ""))
            mappings.append(
                Mapping(
                    entry_id=item["id"],
                    resource_key=(resource["resourceType"], resource["id"]),
                    page=page_name(resource),
                    resource_title=title_of(resource),
                    element=m["element"],
                    contains=contains,
                    values=_shown(mapped_values(resource, m), contains),
                )
            )
        text = item.get(text_key) or ""
        if not text and mappings:
            text = mappings[0].resource_title
        doi = item.get("doi")
        out.append(Entry(item["id"], text, list(item.get("quotes", [])), doi_url(doi) if doi else None, mappings))
    return out


@dataclass(frozen=True)
class Traceability:
    claims: list[Entry]
    references: list[Entry]

    def for_resource(self, key: tuple[str, str]) -> list[tuple[Entry, Mapping]]:
        """Every claim or reference mapped to this resource, with the mapping."""
        return [(e, m) for e in self.claims + self.references for m in e.mappings if m.resource_key == key]


def build_traceability(package: Package, data: dict[str, Any]) -> Traceability:
    return Traceability(
        _entries(package, data.get("claims", []), "claim"), _entries(package, data.get("references", []), "")
    )
