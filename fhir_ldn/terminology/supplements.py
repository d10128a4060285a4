"""CodeSystem supplements: which apply to a request, and what they add to a concept."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from fhir_ldn.constants import EXT_VS_SUPPLEMENT
from fhir_ldn.terminology import messages
from fhir_ldn.terminology.model import CodeSystemIndex, Concept
from fhir_ldn.terminology.params import OperationParams

if TYPE_CHECKING:
    from fhir_ldn.terminology.service import TerminologyService


def resolve_supplements(
    service: TerminologyService, vs: Mapping[str, Any] | None, params: OperationParams
) -> list[CodeSystemIndex]:
    """The supplements a value set asks for (valueset-supplement) and the request adds (useSupplement).

    TerminologyError (404) when one of them is not known: a required supplement changes the answer.
    """
    wanted: list[str] = []
    for ext in (vs or {}).get("extension", ()):
        if isinstance(ext, dict) and ext.get("url") == EXT_VS_SUPPLEMENT and isinstance(ext.get("valueCanonical"), str):
            wanted.append(ext["valueCanonical"])
    wanted.extend(params.strings("useSupplement"))
    out: list[CodeSystemIndex] = []
    for canonical in dict.fromkeys(wanted):
        found = service.find_supplement(canonical)
        if found is None:
            raise messages.supplement_missing(canonical)
        if all(found is not s for s in out):
            out.append(found)
    return out


def for_system(supplements: Iterable[CodeSystemIndex], system: str) -> list[CodeSystemIndex]:
    """The supplements of one code system."""
    return [s for s in supplements if (s.supplements or "").partition("|")[0] == system]


def supplement_concepts(
    concept: Concept, supplements: Iterable[CodeSystemIndex]
) -> list[tuple[CodeSystemIndex, Concept]]:
    """(supplement, its entry) for each supplement that says something about the concept."""
    out = []
    for supplement in supplements:
        extra = supplement.concepts.get(concept.code)
        if extra is not None:
            out.append((supplement, extra))
    return out
