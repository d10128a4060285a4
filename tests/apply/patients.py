"""Patient data for the $apply tests: medication orders and statements in R4 and R5 shape, built in code.

Codes are the package's verified RxNorm codes (sertraline 36437, naltrexone 7243, naltrexone 50 mg tablet 1483744).
"""

from __future__ import annotations

from typing import Any

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
PATIENT = "Patient/p1"

SERTRALINE = ("36437", "sertraline")
NALTREXONE = ("7243", "naltrexone")
NALTREXONE_50_TABLET = ("1483744", "naltrexone hydrochloride 50 MG Oral Tablet")


def _dosage(dose: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": dose}],
        }
    ]


def mg(value: float) -> dict[str, Any]:
    return {"value": value, "unit": "mg", "system": UCUM, "code": "mg"}


def tablets(value: float) -> dict[str, Any]:
    return {"value": value, "unit": "tablet", "system": UCUM, "code": "{tablet}"}


def order(
    rid: str, drug: tuple[str, str], dose: dict[str, Any] | None, shape: str, subject: str = PATIENT
) -> dict[str, Any]:
    """A MedicationRequest (R4: medicationCodeableConcept; R5: medication.concept)."""
    concept = {"coding": [{"system": RXNORM, "code": drug[0], "display": drug[1]}]}
    out: dict[str, Any] = {"resourceType": "MedicationRequest", "id": rid, "status": "active", "intent": "order"}
    out.update({"medicationCodeableConcept": concept} if shape == "R4" else {"medication": {"concept": concept}})
    out["subject"] = {"reference": subject}
    if dose is not None:
        out["dosageInstruction"] = _dosage(dose)
    return out


def statement(rid: str, drug: tuple[str, str], dose: dict[str, Any] | None, shape: str) -> dict[str, Any]:
    """A MedicationStatement (R4: status active, medicationCodeableConcept; R5: status recorded, medication)."""
    concept = {"coding": [{"system": RXNORM, "code": drug[0], "display": drug[1]}]}
    out: dict[str, Any] = {"resourceType": "MedicationStatement", "id": rid}
    if shape == "R4":
        out.update(status="active", medicationCodeableConcept=concept)
    else:
        out.update(status="recorded", medication={"concept": concept})
    out["subject"] = {"reference": PATIENT}
    if dose is not None:
        out["dosage"] = _dosage(dose)
    return out


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['resourceType']}-{r['id']}", "resource": r} for r in resources],
    }


# The patients of the tests, each in R4 and in R5 shape.
def on_ssri(shape: str) -> dict[str, Any]:
    return bundle(order("ssri", SERTRALINE, mg(50), shape))


def on_ssri_and_ldn(shape: str) -> dict[str, Any]:
    return bundle(order("ssri", SERTRALINE, mg(50), shape), statement("ldn", NALTREXONE, mg(4.5), shape))


def on_ssri_and_ldn_order(shape: str) -> dict[str, Any]:
    return bundle(order("ssri", SERTRALINE, mg(50), shape), order("ldn", NALTREXONE, mg(4.5), shape))


def on_ssri_and_standard_dose(shape: str) -> dict[str, Any]:
    return bundle(order("ssri", SERTRALINE, mg(50), shape), order("ntx", NALTREXONE_50_TABLET, tablets(1), shape))


def on_ssri_and_naltrexone_50mg(shape: str) -> dict[str, Any]:
    return bundle(statement("ssri", SERTRALINE, mg(100), shape), statement("ntx", NALTREXONE, mg(50), shape))


def ssri_free(shape: str) -> dict[str, Any]:
    return bundle(order("ldn", NALTREXONE, mg(1), shape))
