"""CodeSystem/$subsumes: how two codes of one code system relate in its hierarchy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fhir_ldn.errors import RequestError
from fhir_ldn.terminology import messages
from fhir_ldn.terminology.params import OperationParams

if TYPE_CHECKING:
    from fhir_ldn.terminology.service import TerminologyService


def _side(params: OperationParams, letter: str) -> tuple[str | None, str | None, str | None]:
    if params.has(f"coding{letter}"):
        coding = params.complex(f"coding{letter}", "valueCoding") or {}
        return coding.get("system"), coding.get("code"), coding.get("version")
    return None, params.string(f"code{letter}"), None


def subsumes(
    service: TerminologyService, params: OperationParams, instance: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """CodeSystem/$subsumes → Parameters with `outcome`: equivalent, subsumes, subsumed-by or not-subsumed."""
    service = service.with_resources(params.resources("tx-resource"))
    system_a, code_a, version_a = _side(params, "A")
    system_b, code_b, version_b = _side(params, "B")
    if not code_a or not code_b:
        raise RequestError("give codeA and codeB (or codingA and codingB)", expression="codeA")
    system = str(instance["url"]) if instance is not None else params.string("system")
    systems = {s for s in (system, system_a, system_b) if s}
    if len(systems) != 1:
        raise RequestError("both codes must be from one code system (system or the codings)", expression="system")
    url = systems.pop()
    version = params.string("version") or version_a or version_b
    cs = service.find_code_system(url, version)
    if cs is None:
        raise messages.unknown_code_system_error(f"{url}|{version}" if version else url)
    found = []
    for code, where in ((code_a, "codeA"), (code_b, "codeB")):
        concept = cs.find(code)
        if concept is None:
            raise messages.as_not_found(messages.unknown_code(code, cs.url, cs.version, where))
        found.append(concept.code)
    a, b = found
    if a == b:
        outcome = "equivalent"
    elif cs.subsumes(a, b):
        outcome = "subsumes"
    elif cs.subsumes(b, a):
        outcome = "subsumed-by"
    else:
        outcome = "not-subsumed"
    return {"resourceType": "Parameters", "parameter": [{"name": "outcome", "valueCode": outcome}]}
