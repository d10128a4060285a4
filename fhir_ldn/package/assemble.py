"""Turn loaded resource dicts into a checked Package: rebase canonicals, add narratives, index, check."""

from __future__ import annotations

from collections.abc import Iterable

from fhir_ldn.config import Settings
from fhir_ldn.constants import AUTHORED_CANONICAL_BASE
from fhir_ldn.jsonwalk import map_strings
from fhir_ldn.package.index import Package, PackageMeta, Resource
from fhir_ldn.package.integrity import check_package
from fhir_ldn.package.narrative import with_narrative


def rebase(resource: Resource, base: str) -> Resource:
    """Rewrite the authored canonical base to `base` in every string of the resource."""
    if base == AUTHORED_CANONICAL_BASE:
        return resource
    old = AUTHORED_CANONICAL_BASE
    return dict(map_strings(resource, lambda s: s.replace(old + "/", base + "/") if old in s else s))


def _sort_key(item: tuple[str, Resource]) -> tuple[str, str]:
    return (item[1]["resourceType"], item[1]["id"])


def assemble_package(sources: Iterable[tuple[str, Resource]], settings: Settings) -> Package:
    """Rebase, narrate, index and check the loaded resources (pure: no I/O)."""
    entries = sorted(((loc, with_narrative(rebase(r, settings.canonical_base))) for loc, r in sources), key=_sort_key)
    dates = [str(r["date"]) for _, r in entries if isinstance(r.get("date"), str)]
    meta = PackageMeta(
        id=settings.package_id,
        version=settings.package_version,
        canonical=settings.canonical_base,
        title=settings.package_title,
        license=settings.package_license,
        author=settings.package_author,
        date=max(dates) if dates else "1970-01-01",
    )
    package = Package(meta, entries)
    check_package(package, [loc for loc, _ in entries])
    return package
