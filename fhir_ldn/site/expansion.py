"""A ValueSet's members for its page, from the project's terminology engine (`fhir_ldn.terminology`).

The page lists what the engine's evaluation of `compose` yields, and says in words what it cannot list:
whole code systems the package does not hold, and fragments (only the codes they hold are known).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fhir_ldn.errors import FhirLdnError
from fhir_ldn.package.index import Package
from fhir_ldn.terminology import TerminologyService

TERMINOLOGY_TYPES = ("CodeSystem", "ValueSet", "ConceptMap")


@dataclass(frozen=True)
class Member:
    system: str
    code: str
    display: str


@dataclass
class Enumeration:
    """The members found, and what could not be listed (in words)."""

    members: list[Member] = field(default_factory=list)
    not_enumerated: list[str] = field(default_factory=list)


def terminology_service(package: Package) -> TerminologyService:
    """A terminology service over the package's code systems, value sets and concept maps."""
    return TerminologyService(r for r in package if r["resourceType"] in TERMINOLOGY_TYPES)


def enumerate_value_set(service: TerminologyService, url: str) -> Enumeration:
    """The members of the value set `url`, in the engine's order, with what it could not enumerate."""
    value_set = service.find_value_set(url)
    if value_set is None:
        return Enumeration(not_enumerated=[f"value set {url} (not in this package)"])
    try:
        evaluation = service.evaluation(value_set)
    except FhirLdnError as exc:
        return Enumeration(not_enumerated=[f"{url}: {exc.message}"])
    out = Enumeration(members=[Member(m.system, m.code, m.display or "") for m in evaluation.members.values()])
    out.not_enumerated += [
        f"all codes of {s} (a code system this package does not hold)" for s in evaluation.unexpandable
    ]
    out.not_enumerated += [f"codes of {s} beyond those this package's fragment holds" for s in evaluation.open_systems]
    return out
