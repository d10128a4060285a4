"""The in-memory Package: every resource indexed by type/id and by canonical url|version."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from fhir_ldn.constants import FHIR_VERSION

Resource = dict[str, Any]


@dataclass(frozen=True)
class PackageMeta:
    """Identity of the package, as written into package.json and the bundles."""

    id: str
    version: str
    canonical: str
    title: str
    license: str
    author: str
    date: str  # the latest `date` of any resource: builds are reproducible
    fhir_version: str = FHIR_VERSION

    @property
    def description(self) -> str:
        encoded = (
            "encoded as FHIR R5 resources."
            if self.fhir_version == FHIR_VERSION
            else f"encoded as FHIR R5 resources, converted to FHIR {self.fhir_version}."
        )
        return (
            f"{self.title}: the clinical article 'Interactions Between Low-Dose Naltrexone and Selective "
            f"Serotonin Reuptake Inhibitors: Clinical Considerations' {encoded}"
        )


class Package:
    """An immutable index over the package's resources. Treat the resource dicts as read-only."""

    def __init__(self, meta: PackageMeta, entries: Sequence[tuple[str, Resource]]):
        self.meta = meta
        self._entries = tuple(entries)
        self._by_key = MappingProxyType({(r["resourceType"], r["id"]): r for _, r in self._entries})
        self._location = MappingProxyType({(r["resourceType"], r["id"]): loc for loc, r in self._entries})
        by_url: dict[str, list[Resource]] = {}
        for _, r in self._entries:
            if isinstance(r.get("url"), str):
                by_url.setdefault(r["url"], []).append(r)
        self._by_url = MappingProxyType({k: tuple(v) for k, v in by_url.items()})

    def __iter__(self) -> Iterator[Resource]:
        return (r for _, r in self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def resources(self) -> tuple[Resource, ...]:
        return tuple(self)

    def get(self, resource_type: str, resource_id: str) -> Resource | None:
        return self._by_key.get((resource_type, resource_id))

    def require(self, resource_type: str, resource_id: str) -> Resource:
        """The resource, or KeyError naming what is missing."""
        resource = self.get(resource_type, resource_id)
        if resource is None:
            raise KeyError(f"{resource_type}/{resource_id} is not in the package")
        return resource

    def location(self, resource: Resource) -> str:
        """The file a resource was loaded from (for messages)."""
        return self._location.get((resource["resourceType"], resource["id"]), "")

    def of_type(self, resource_type: str) -> list[Resource]:
        return [r for r in self if r["resourceType"] == resource_type]

    def resolve_canonical(self, canonical: str) -> Resource | None:
        """The resource for `url` or `url|version` (the highest version when none is given)."""
        url, _, version = canonical.partition("|")
        candidates = self._by_url.get(url, ())
        if version:
            candidates = tuple(r for r in candidates if r.get("version") == version)
        if not candidates:
            return None
        return max(candidates, key=lambda r: str(r.get("version", "")))

    def resolve_reference(self, reference: str) -> Resource | None:
        """The resource for a relative `Type/id` reference or an absolute URL under the canonical base."""
        if reference.startswith(self.meta.canonical + "/"):
            reference = reference[len(self.meta.canonical) + 1 :]
        parts = reference.split("/")
        if len(parts) == 2:
            return self.get(parts[0], parts[1])
        return None
