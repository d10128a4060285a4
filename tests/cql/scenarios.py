"""The CDS scenarios of the test suite as cases both engines can run: drafts, selections and current medications.

Sources: every row of the order corpus (tests/server/test_cds_order_corpus.py, R4 and R5 shapes), every dosage of
the dose tests (tests/cds/test_dose.py, as a naltrexone order beside a current sertraline), and the fact-building
situations below (selection, duplicates, statements, references, several ingredients). R5-shaped resources are
written in their R4 shape for the CQL (FHIR 4.0.1), by `r4_shape`: the same order in the other version's elements.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from fhir_ldn.constants import ATC, RXNORM, UCUM
from tests.cds import test_dose
from tests.server import test_cds_order_corpus as corpus

Resource = dict[str, Any]
MEDICATION_TYPES = ("MedicationRequest", "MedicationStatement")


@dataclass
class Scenario:
    name: str
    drafts: list[Resource]
    current: list[Resource] = field(default_factory=list)
    selections: list[str] | None = None  # None: order-sign, every draft is new

    def new_ids(self) -> set[str]:
        """References of the drafts that are new orders (selected, or all of them for order-sign)."""
        refs = {f"{r['resourceType']}/{r.get('id')}" for r in self.drafts}
        return refs if self.selections is None else refs & set(self.selections)


def _ingredient_r4(ingredient: Resource) -> Resource:
    out = {k: v for k, v in ingredient.items() if k not in ("item", "strengthRatio", "strengthQuantity")}
    item = ingredient.get("item")
    if isinstance(item, dict) and "concept" in item:
        out["itemCodeableConcept"] = item["concept"]
    if isinstance(item, dict) and "reference" in item:
        out["itemReference"] = item["reference"]
    if "strengthRatio" in ingredient:
        out["strength"] = ingredient["strengthRatio"]
    if "strengthQuantity" in ingredient:  # a mass per administered unit: the R4 Ratio without denominator
        out["strength"] = {"numerator": ingredient["strengthQuantity"]}
    return out


def r4_shape(resource: Resource) -> Resource:
    """The resource in its FHIR 4.0.1 shape (R5 CodeableReference medication, recorded status, ingredient item)."""
    out = copy.deepcopy(resource)
    medication = out.pop("medication", None)
    if isinstance(medication, dict):
        if "concept" in medication:
            out["medicationCodeableConcept"] = medication["concept"]
        if "reference" in medication:
            out["medicationReference"] = medication["reference"]
    if out.get("resourceType") == "MedicationStatement" and out.get("status") == "recorded":
        ended = isinstance(out.get("effectivePeriod"), dict) and out["effectivePeriod"].get("end")
        out["status"] = "completed" if ended else "active"  # R5 `recorded` is R4's active unless it has ended
    if out.get("resourceType") == "Medication" and isinstance(out.get("ingredient"), list):
        out["ingredient"] = [_ingredient_r4(i) for i in out["ingredient"]]
    if isinstance(out.get("contained"), list):
        out["contained"] = [r4_shape(c) for c in out["contained"]]
    return out


def _corpus() -> list[Scenario]:
    return [
        Scenario(
            f"corpus: {row.name}", row.drafts, row.current or [], row.selections if row.hook == "order-select" else None
        )
        for row in corpus.CORPUS
    ]


def _strength_medication(strength: tuple[float, str, float]) -> Resource:
    """A Medication of naltrexone (ingredient 7243) with the strength the dose test gives directly."""
    mg, kind, amount = strength
    unit = "mL" if kind == "volume" else "{tbl}"
    ratio = {
        "numerator": {"value": mg, "unit": "mg", "system": UCUM, "code": "mg"},
        "denominator": {"value": amount, "unit": unit, "system": UCUM, "code": unit},
    }
    ingredient = {"itemCodeableConcept": {"coding": [{"system": RXNORM, "code": "7243"}]}, "strength": ratio}
    return {"resourceType": "Medication", "id": "strength", "ingredient": [ingredient]}


def _dose_order(dosages: list[Any], strength: Any) -> Resource:
    order: Resource = {"resourceType": "MedicationRequest", "id": "nx", "status": "active", "intent": "order"}
    if strength is None:
        order["medicationCodeableConcept"] = {"coding": [{"system": RXNORM, "code": "7243"}]}
    elif strength == test_dose.FIFTY_MG_TABLET:  # the package's product strength: the 50 mg tablet's code
        order["medicationCodeableConcept"] = {"coding": [{"system": RXNORM, "code": "1483744"}]}
    else:
        order["contained"] = [_strength_medication(strength)]
        order["medicationReference"] = {"reference": "#strength"}
    order["subject"] = {"reference": "Patient/p1"}
    order["dosageInstruction"] = dosages
    return order


def _parameters(test: Any) -> list[tuple[Any, ...]]:
    (mark,) = [m for m in test.pytestmark if m.name == "parametrize"]
    return [tuple(p) for p in mark.args[1]]


def _doses() -> list[Scenario]:
    out = []
    for test in (test_dose.test_computed_daily_doses, test_dose.test_unknown_daily_doses, test_dose.test_single_doses):
        for n, params in enumerate(_parameters(test)):
            dosages, strength = params[0], params[1]
            name = f"dose: {test.__name__}[{n}] {json.dumps(dosages, sort_keys=True)} strength={strength}"
            out.append(Scenario(name, [_dose_order(dosages, strength)], [corpus.sertraline()]))
    return out


def _order(rid: str, code: str | None = None, mg: float | None = 4.5, **more: Any) -> Resource:
    out: Resource = {"resourceType": "MedicationRequest", "id": rid, "status": "active", "intent": "order"}
    if code is not None:
        out["medicationCodeableConcept"] = {"coding": [{"system": RXNORM, "code": code}]}
    out["subject"] = {"reference": "Patient/p1"}
    if mg is not None:
        out["dosageInstruction"] = corpus.daily(mg)
    return {**out, **more}


def _capsule_medication(mid: str, *items: Resource, mg: float = 4.5) -> Resource:
    strength = {
        "numerator": {"value": mg, "unit": "mg", "system": UCUM, "code": "mg"},
        "denominator": {"value": 1, "unit": "capsule", "system": UCUM, "code": "{capsule}"},
    }
    return {"resourceType": "Medication", "id": mid, "ingredient": [{**item, "strength": strength} for item in items]}


NALTREXONE_ITEM = {"itemCodeableConcept": {"coding": [{"system": RXNORM, "code": "7243"}]}}


def _situations() -> list[Scenario]:
    ldn = _order("ldn", "7243")
    sertraline = corpus.sertraline()
    capsules = corpus.daily(1, "capsule")
    return [
        Scenario("fact: a resource both drafted and current counts once, as new", [ldn], [ldn, sertraline]),
        Scenario(
            "fact: order-select, the unselected LDN draft is existing",
            [ldn, sertraline],
            [],
            ["MedicationRequest/ssri"],
        ),
        Scenario(
            "fact: order-select, neither drug selected",
            [ldn, sertraline, _order("amx", "308191", 500)],
            [],
            ["MedicationRequest/amx"],
        ),
        Scenario(
            "fact: Medication by relative reference, in the drafts",
            [
                _order("m", None, None, medicationReference={"reference": "Medication/m1"}, dosageInstruction=capsules),
                _capsule_medication("m1", NALTREXONE_ITEM),
            ],
            [sertraline],
        ),
        Scenario(
            "fact: Medication by absolute reference",
            [
                _order(
                    "m",
                    None,
                    None,
                    medicationReference={"reference": "https://ehr.example/fhir/Medication/m1"},
                    dosageInstruction=capsules,
                )
            ],
            [sertraline, _capsule_medication("m1", NALTREXONE_ITEM, mg=50)],
        ),
        Scenario(
            "fact: ingredient by reference to a Substance",
            [
                _order(
                    "m",
                    None,
                    None,
                    medicationReference={"reference": "#c"},
                    dosageInstruction=capsules,
                    contained=[_capsule_medication("c", {"itemReference": {"reference": "Substance/s1"}})],
                )
            ],
            [
                sertraline,
                {"resourceType": "Substance", "id": "s1", "code": {"coding": [{"system": RXNORM, "code": "7243"}]}},
            ],
        ),
        Scenario(
            "fact: several ingredient strengths leave the dose unknown",
            [
                _order(
                    "m",
                    None,
                    None,
                    medicationReference={"reference": "#c"},
                    dosageInstruction=capsules,
                    contained=[_capsule_medication("c", NALTREXONE_ITEM, {"itemCodeableConcept": {"text": "filler"}})],
                )
            ],
            [sertraline],
        ),
        Scenario(
            "fact: doNotPerform naltrexone does not count", [_order("ldn", "7243", doNotPerform=True)], [sertraline]
        ),
        Scenario("fact: a stopped draft does not count", [_order("ldn", "7243", status="stopped")], [sertraline]),
        Scenario("fact: two naltrexone orders", [ldn], [_order("ldn2", "7243", 1), sertraline]),
        Scenario("fact: 4.5 mg LDN beside a 50 mg order", [ldn], [_order("n50", "7243", 50), sertraline]),
        Scenario(
            "fact: an active naltrexone statement",
            [sertraline],
            [
                {
                    "resourceType": "MedicationStatement",
                    "id": "st",
                    "status": "active",
                    "subject": {"reference": "Patient/p1"},
                    "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "7243"}]},
                    "dosage": corpus.daily(2),
                }
            ],
        ),
        Scenario(
            "fact: a completed naltrexone statement does not count",
            [sertraline],
            [
                {
                    "resourceType": "MedicationStatement",
                    "id": "st",
                    "status": "completed",
                    "subject": {"reference": "Patient/p1"},
                    "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "7243"}]},
                    "dosage": corpus.daily(2),
                }
            ],
        ),
        Scenario(
            "fact: an SSRI coded by ATC",
            [ldn],
            [
                _order(
                    "atc",
                    None,
                    50,
                    medicationCodeableConcept={"coding": [{"system": ATC, "code": "N06AB06"}]},
                )
            ],
        ),
        Scenario("fact: an SSRI alone, no naltrexone", [sertraline], []),
        Scenario("fact: nothing at all", [], []),
        Scenario(
            "fact: titration steps, the highest counts",
            [
                _order(
                    "ldn",
                    "7243",
                    None,
                    dosageInstruction=[{**corpus.daily(1)[0], "sequence": 1}, {**corpus.daily(4.5)[0], "sequence": 2}],
                )
            ],
            [sertraline],
        ),
    ]


EDGES_MG = (0.49, 0.5, 1, 1.01, 4.5, 4.51, 5, 5.01, 50)


def _edges() -> list[Scenario]:
    """The article's range edges, new LDN beside a current sertraline, and the same doses in mcg and g."""
    out = []
    for mg in EDGES_MG:
        out.append(Scenario(f"edge: {mg} mg/day", [_order("ldn", "7243", mg)], [corpus.sertraline()]))
        out.append(
            Scenario(
                f"edge: {mg * 1000:g} mcg/day",
                [_order("ldn", "7243", None, dosageInstruction=_in(mg * 1000, "mcg"))],
                [corpus.sertraline()],
            )
        )
        out.append(
            Scenario(
                f"edge: {mg / 1000:g} g/day, current",
                [corpus.sertraline()],
                [_order("ldn", "7243", None, dosageInstruction=_in(mg / 1000, "g"))],
            )
        )
    return out


def _in(value: float, unit: str) -> list[Resource]:
    dosage = corpus.daily(1)[0]
    return [{**dosage, "doseAndRate": [{"doseQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}]}]


def scenarios() -> list[Scenario]:
    """Every scenario, names unique."""
    out = _corpus() + _doses() + _situations() + _edges()
    assert len({s.name for s in out}) == len(out)
    return out
