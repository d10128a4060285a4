"""Value-set membership and expansions for the CDS engine, from the terminology engine (`fhir_ldn.terminology`).

The engine asks two things, both answered once per url and cached: the (system, code) members of a value set
(for `memberOf` and the decision cache) and its codings with displays (for card `overrideReasons`).
"""

from __future__ import annotations

from fhir_ldn.errors import FhirLdnError, PackageError
from fhir_ldn.package.index import Package
from fhir_ldn.terminology import TerminologyService

Coding = dict[str, str]
TERMINOLOGY_TYPES = ("CodeSystem", "ValueSet", "ConceptMap")


class ValueSetIndex:
    """The package's value sets as the CDS engine needs them; PackageError for one that cannot be used."""

    def __init__(self, package: Package, terminology: TerminologyService | None = None):
        self._terminology = terminology or TerminologyService(
            r for r in package if r["resourceType"] in TERMINOLOGY_TYPES
        )
        self._expansions: dict[str, tuple[Coding, ...]] = {}

    def members(self, url: str) -> frozenset[tuple[str, str]]:
        """(system, code) pairs of the value set, for O(1) membership tests (cached by the terminology engine)."""
        try:
            return self._terminology.members(url)
        except KeyError as exc:
            raise PackageError(f"value set {url} is not in the package") from exc
        except FhirLdnError as exc:
            raise PackageError(f"value set {url} cannot be expanded: {exc}") from exc

    def expansion(self, url: str) -> tuple[Coding, ...]:
        """The value set's codings in expansion order, each with its display when one is known."""
        cached = self._expansions.get(url)
        if cached is None:
            members = self.members(url)
            value_set = self._terminology.find_value_set(url)
            if value_set is None:  # pragma: no cover - members() has already failed for an unknown value set
                raise PackageError(f"value set {url} is not in the package")
            codings: list[Coding] = []
            for member in self._terminology.evaluation(value_set).members.values():
                if (member.system, member.code) in members:
                    coding = {"system": member.system, "code": member.code}
                    if member.display:
                        coding["display"] = member.display
                    codings.append(coding)
            cached = tuple(codings)
            self._expansions[url] = cached
        return cached
