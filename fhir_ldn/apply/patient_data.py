"""The patient's medications in an $apply `data` Bundle, as the `%medications` facts the CDS rule uses.

No second normaliser: the facts come from `fhir_ldn.cds.medications` (R4 and R5 shapes, referenced and contained
Medications, daily doses from `fhir_ldn.cds.dose`), with product strengths from the package's PlanDefinitions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir_ldn.cds.drug_names import DrugNames
from fhir_ldn.cds.engine import product_strengths
from fhir_ldn.cds.medications import (
    MEDICATION_TYPES,
    CodeKey,
    Entry,
    ResourcePool,
    Strength,
    as_list,
    medication_facts,
)
from fhir_ldn.package.index import Package

Resource = dict[str, Any]


def package_strengths(package: Package) -> dict[CodeKey, Strength]:
    """Strength per unit of every product any PlanDefinition of the package depends on."""
    out: dict[CodeKey, Strength] = {}
    for plan in package.of_type("PlanDefinition"):
        out.update(product_strengths(package, plan))
    return out


def _tail(reference: str) -> str:
    """`Patient/1` from `Patient/1`, `https://ehr/fhir/Patient/1` or `Patient/1/_history/2`."""
    parts = reference.split("/_history/")[0].rstrip("/").split("/")
    return "/".join(parts[-2:])


def is_about(resource: Mapping[str, Any], subject: str) -> bool:
    """True if the resource's subject (R4/R5 `subject`, or none given) is the patient the plan is for."""
    reference = (resource.get("subject") or {}).get("reference") if isinstance(resource.get("subject"), dict) else None
    return not isinstance(reference, str) or _tail(reference) == _tail(subject)


def _is_medication(resource: Mapping[str, Any]) -> bool:
    kind = resource.get("resourceType")
    return isinstance(kind, str) and kind in MEDICATION_TYPES


def medications_from_data(
    data: Mapping[str, Any] | None,
    subject: str,
    strengths: Mapping[CodeKey, Strength],
    names: DrugNames | None = None,
) -> list[dict[str, Any]]:
    """`%medications` for the subject: every countable MedicationRequest/Statement of the Bundle that is about them."""
    if data is None:
        return []
    everything: list[Entry] = []
    for item in as_list(data.get("entry")):
        resource = item.get("resource") if isinstance(item, dict) else None
        if isinstance(resource, dict):
            full_url = item.get("fullUrl")
            everything.append(Entry(resource, full_url if isinstance(full_url, str) else None))
    own = [e for e in everything if _is_medication(e.resource) and is_about(e.resource, subject)]
    return medication_facts((), None, own, ResourcePool(everything), strengths, names=names)
