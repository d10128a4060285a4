"""`%medications` facts: origin, codes from orders and Medications, doses, what does not count."""

from __future__ import annotations

from typing import Any

from fhir_ldn.cds.medications import Entry, ResourcePool, medication_facts, unresolved_medication_references
from fhir_ldn.constants import ATC, RXNORM

MG = {"system": "http://unitsofmeasure.org"}


def order(rid: str, **more: Any) -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": rid, "status": "active", **more}


def concept(code: str, system: str = RXNORM) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def facts(drafts: list[dict[str, Any]], existing: list[dict[str, Any]], selections: Any = None) -> list[dict[str, Any]]:
    d, e = [Entry(r) for r in drafts], [Entry(r) for r in existing]
    pool = ResourcePool()
    for entry in (*d, *e):
        pool.add(entry.resource, entry.full_url)
    return medication_facts(d, selections, e, pool, {})


def test_a_resource_both_drafted_and_current_counts_once_as_new() -> None:
    same = order("m1", medicationCodeableConcept=concept("7243"))
    out = facts([same], [same])
    assert [(f["origin"], f["reference"]) for f in out] == [("new", "MedicationRequest/m1")]


def test_unselected_drafts_are_existing() -> None:
    out = facts(
        [order("a", medicationCodeableConcept=concept("1")), order("b", medicationCodeableConcept=concept("2"))],
        [],
        frozenset({"MedicationRequest/b"}),
    )
    assert {f["reference"]: f["origin"] for f in out} == {
        "MedicationRequest/a": "existing",
        "MedicationRequest/b": "new",
    }


def test_medication_codes_and_ingredients_are_collected() -> None:
    medication = {
        "resourceType": "Medication",
        "id": "med",
        "code": concept("N07BB04", ATC),
        "ingredient": [{"itemCodeableConcept": concept("7243")}, {"item": {"concept": concept("7243")}}],
    }
    out = facts([order("m", medicationReference={"reference": "#med"}, contained=[medication])], [])
    assert out[0]["code"]["coding"] == [{"system": ATC, "code": "N07BB04"}, {"system": RXNORM, "code": "7243"}]


def test_several_ingredient_strengths_make_the_dose_unknown() -> None:
    strength = {"numerator": {"value": 4.5, "code": "mg", **MG}, "denominator": {"value": 1, "code": "{capsule}", **MG}}
    medication = {
        "resourceType": "Medication",
        "id": "med",
        "ingredient": [
            {"itemCodeableConcept": concept("7243"), "strength": strength},
            {"itemCodeableConcept": concept("other"), "strength": strength},
        ],
    }
    without_naltrexone_strength = {
        **medication,
        "id": "med2",
        "ingredient": [{"itemCodeableConcept": concept("7243")}, medication["ingredient"][1]],
    }
    dosage = {
        "doseAndRate": [{"doseQuantity": {"value": 1, "code": "{capsule}", **MG}}],
        "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
    }
    for med in (medication, without_naltrexone_strength):  # the other ingredient's strength is not naltrexone's
        reference = {"reference": f"#{med['id']}"}
        out = facts([order("m", medicationReference=reference, contained=[med], dosageInstruction=[dosage])], [])
        assert "dailyDoseMg" not in out[0]
    single = {**medication, "id": "med3", "ingredient": medication["ingredient"][:1]}
    reference = {"reference": "#med3"}
    out = facts([order("m", medicationReference=reference, contained=[single], dosageInstruction=[dosage])], [])
    assert out[0]["dailyDoseMg"] == 4.5


def test_orders_without_codes_or_current_status_are_left_out() -> None:
    assert facts([order("m", medicationCodeableConcept={"text": "something"})], []) == []
    assert facts([], [order("m", status="stopped", medicationCodeableConcept=concept("7243"))]) == []
    assert facts([], [{"resourceType": "Observation", "id": "o", "status": "final"}]) == []


def test_absolute_references_resolve_by_type_and_id() -> None:
    pool = ResourcePool()
    pool.add({"resourceType": "Medication", "id": "x", "code": concept("7243")}, "https://ehr/fhir/Medication/x")
    assert pool.resolve("https://other/fhir/Medication/x", {}) is not None
    assert pool.resolve("Medication/x", {}) is not None
    assert pool.resolve("#x", {}) is None


def test_unresolved_references_are_listed_once() -> None:
    orders = [Entry(order(str(i), medicationReference={"reference": "Medication/m"})) for i in range(3)]
    assert unresolved_medication_references(orders, ResourcePool()) == ["Medication/m"]


def test_resources_without_id_all_count_and_stay_distinct() -> None:
    anonymous = [
        {"resourceType": "MedicationRequest", "status": "active", "medicationCodeableConcept": concept(c)} for c in "12"
    ]
    out = facts(anonymous, [dict(anonymous[0])])
    assert [f["code"]["coding"][0]["code"] for f in out] == ["1", "2", "1"]
    assert len({f["reference"] for f in out}) == 3
