"""Small read-only views over resources for the pages: titles, page names, links between resources, DOIs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fhir_ldn.constants import DOI
from fhir_ldn.jsonwalk import walk
from fhir_ldn.package.index import Package, Resource

# The order resource kinds appear in the index of all resources (other kinds follow, alphabetically).
TYPE_ORDER = (
    "ClinicalUseDefinition",
    "PlanDefinition",
    "ActivityDefinition",
    "Citation",
    "MedicinalProductDefinition",
    "ValueSet",
    "CodeSystem",
    "ConceptMap",
    "StructureDefinition",
)


# Elements whose string value may name another resource of the package (a reference or a canonical).
_LINK_KEYS = frozenset({"reference", "resource", "definitionCanonical", "valueSet", "url", "profile"})


def page_name(resource: Resource) -> str:
    """The page of a resource in the site: `Type-id.html` (flat, like the IG publisher)."""
    return f"{resource['resourceType']}-{resource['id']}.html"


def concept_text(concept: Any) -> str:
    """A CodeableConcept (or CodeableReference's concept, or Coding) as words: text, else displays, else codes."""
    if not isinstance(concept, dict):
        return ""
    if isinstance(concept.get("concept"), dict):
        return concept_text(concept["concept"])
    if concept.get("text"):
        return str(concept["text"])
    codings = concept.get("coding", [concept] if "code" in concept else [])
    return "; ".join(str(c.get("display") or c.get("code", "")) for c in codings)


def codings(concept: Any) -> list[dict[str, Any]]:
    """Every Coding of a CodeableConcept or CodeableReference."""
    if not isinstance(concept, dict):
        return []
    if isinstance(concept.get("concept"), dict):
        return codings(concept["concept"])
    return [c for c in concept.get("coding", []) if isinstance(c, dict)]


def title_of(resource: Resource) -> str:
    """A human title for any resource of the package."""
    for key in ("title", "name"):
        value = resource.get(key)
        if isinstance(value, str) and value:
            return value
    names = resource.get("name")
    if isinstance(names, list) and names and isinstance(names[0], dict) and names[0].get("productName"):
        return str(names[0]["productName"])
    if resource["resourceType"] == "ClinicalUseDefinition":
        return clinical_use_title(resource)
    return f"{resource['resourceType']} {resource['id']}"


def clinical_use_title(resource: Resource) -> str:
    """`Interaction: serotonin syndrome`, `Indication: treatment-resistant depression`, ..."""
    kind = str(resource.get("type", "clinical use"))
    focus = _clinical_use_focus(resource, kind)
    label = ", ".join(c.get("display", c.get("code", "")) for c in codings(focus)) if focus else ""
    heading = kind.replace("-", " ").capitalize()
    return f"{heading}: {label}" if label else heading


def _clinical_use_focus(resource: Resource, kind: str) -> Any:
    """The concept a clinical use statement is about: the effect, the disease, the warning..."""
    if kind == "interaction":
        return resource.get("interaction", {}).get("effect")
    if kind in ("indication", "contraindication"):
        part = resource.get(kind, {})
        return (part.get("comorbidity") or [None])[0] or part.get("diseaseSymptomProcedure")
    if kind == "undesirable-effect":
        return resource.get("undesirableEffect", {}).get("symptomConditionEffect")
    if kind == "warning":
        return resource.get("warning", {}).get("code")
    return None


def doi_of(citation: Resource) -> str | None:
    """The DOI of a Citation's cited artifact, if it has one."""
    for identifier in citation.get("citedArtifact", {}).get("identifier", []):
        if identifier.get("system") == DOI and identifier.get("value"):
            return str(identifier["value"])
    return None


def doi_url(doi: str) -> str:
    return f"{DOI}/{doi}"


class Linker:
    """Resolves references and canonicals inside the package to page names, and finds who links to whom."""

    def __init__(self, package: Package):
        self.package = package
        self._used_by: dict[tuple[str, str], list[Resource]] = {}
        for resource in package:
            for target in self._targets(resource):
                key = (target["resourceType"], target["id"])
                users = self._used_by.setdefault(key, [])
                if target is not resource and resource not in users:
                    users.append(resource)

    def resolve(self, ref: Any) -> Resource | None:
        """The package resource a reference (`Type/id`, a Reference dict) or canonical (`url[|version]`) names."""
        if isinstance(ref, dict):
            ref = ref.get("reference") or ref.get("resource")
        if not isinstance(ref, str) or not ref:
            return None
        return self.package.resolve_reference(ref) or self.package.resolve_canonical(ref)

    def href(self, ref: Any) -> str | None:
        target = self.resolve(ref)
        return page_name(target) if target is not None else None

    def used_by(self, resource: Resource) -> list[Resource]:
        """Resources of the package that reference this one (by reference or canonical)."""
        return list(self._used_by.get((resource["resourceType"], resource["id"]), []))

    def _targets(self, resource: Resource) -> Iterable[Resource]:
        for _, key, value in walk(resource, resource["resourceType"]):
            # array items come one by one (walk yields each with its key), so a list never reaches here
            if key in _LINK_KEYS and isinstance(value, str):
                if key == "url" and not value.startswith(self.package.meta.canonical):
                    continue
                target = self.resolve(value)
                if target is not None:
                    yield target


def sorted_by_kind(resources: Iterable[Resource]) -> list[Resource]:
    """Resources grouped in TYPE_ORDER, then by title."""

    def key(r: Resource) -> tuple[int, str, str]:
        rank = TYPE_ORDER.index(r["resourceType"]) if r["resourceType"] in TYPE_ORDER else len(TYPE_ORDER)
        return (rank, r["resourceType"], title_of(r).casefold())

    return sorted(resources, key=key)
