"""A corpus of realistic orders, R4 and R5, each row naming the order and the outcome the service must give.

Rows cover every way an order names its drug (verified product codes, brand codes, text only, compounded LDN as
a Medication with ingredient 7243), the dose edges of the article's range, combination products, order statuses,
and orders no card concerns (answered at once, without prefetch and without a fetch). Codes outside the
package's verified fragments (brand SBDs such as Zoloft 208161, fluvoxamine 42355, Contrave 1551474) appear only
in these test orders, never in the package: the service must recognise such orders by name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fhir_ldn.config import Settings
from fhir_ldn.constants import RXNORM, UCUM
from fhir_ldn.package.index import Package
from server.app import create_app
from tests.server.cds_support import SERVICE, MockFhirServer, bundle, validate

LDN = "LDN with an SSRI"
BELOW = "Naltrexone below the article's LDN range"
UNCLEAR = "Naltrexone with an SSRI: check the dose"
ABOVE = "Naltrexone above 5 mg/day"
NONE = None
BY_NAME = "Recognised by name, not by a verified code"


def concept(code: str | None = None, display: str | None = None, text: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if code is not None:
        coding: dict[str, Any] = {"system": RXNORM, "code": code}
        if display is not None:
            coding["display"] = display
        out["coding"] = [coding]
    if text is not None:
        out["text"] = text
    return out


def daily(value: float | None, unit: str = "mg", text: str | None = None, period: str = "d") -> list[dict[str, Any]]:
    """One dose a day (or a `period`) of `value` `unit`; with `text`, a dosage stated only in free text."""
    dosage: dict[str, Any] = {"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": period}}}
    if value is not None:
        code = unit if unit in ("mg", "ug") else "{" + unit + "}"
        dosage["doseAndRate"] = [{"doseQuantity": {"value": value, "unit": unit, "system": UCUM, "code": code}}]
    if text is not None:
        dosage = {"text": text}
    return [dosage]


def order(
    rid: str,
    medication: dict[str, Any],
    dosages: list[dict[str, Any]] | None = None,
    *,
    r5: bool = False,
    status: str = "active",
    contained: list[dict[str, Any]] | None = None,
    reference: str | None = None,
) -> dict[str, Any]:
    """A MedicationRequest naming its drug by `medication` (a CodeableConcept) or by `reference`."""
    out: dict[str, Any] = {"resourceType": "MedicationRequest", "id": rid, "status": status, "intent": "order"}
    if reference is not None:
        out.update(
            {"medication": {"reference": {"reference": reference}}}
            if r5
            else {"medicationReference": {"reference": reference}}
        )
    else:
        out.update({"medication": {"concept": medication}} if r5 else {"medicationCodeableConcept": medication})
    out["subject"] = {"reference": "Patient/p1"}
    if contained:
        out["contained"] = contained
    if dosages is not None:
        out["dosageInstruction"] = dosages
    return out


def compounded(
    mg: float, *, r5: bool, coded: bool = True, text: str = "naltrexone capsule (compounded)"
) -> dict[str, Any]:
    """A compounded naltrexone capsule: Medication with one ingredient (7243, or only named) of `mg` per capsule."""
    item = concept("7243") if coded else concept(text="naltrexone hydrochloride powder")
    strength = {
        "numerator": {"value": mg, "unit": "mg", "system": UCUM, "code": "mg"},
        "denominator": {"value": 1, "unit": "capsule", "system": UCUM, "code": "{capsule}"},
    }
    ingredient = (
        {"item": {"concept": item}, "strengthRatio": strength}
        if r5
        else {"itemCodeableConcept": item, "strength": strength}
    )
    return {"resourceType": "Medication", "id": "cap", "code": {"text": text}, "ingredient": [ingredient]}


def ldn_order(r5: bool = False, rid: str = "ldn", mg: float = 4.5) -> dict[str, Any]:
    return order(rid, concept("7243", "naltrexone"), daily(mg), r5=r5)


def sertraline(r5: bool = False, rid: str = "ssri", status: str = "active") -> dict[str, Any]:
    return order(rid, concept("312941", "sertraline 50 MG Oral Tablet"), daily(1, "tablet"), r5=r5, status=status)


def statement_ldn(mg: float = 4.5) -> dict[str, Any]:
    return {
        "resourceType": "MedicationStatement",
        "id": "ldn-statement",
        "status": "recorded",
        "medication": {"concept": concept("7243", "naltrexone")},
        "subject": {"reference": "Patient/p1"},
        "dosage": daily(mg),
    }


AMOXICILLIN = concept("308191", "amoxicillin 500 MG Oral Capsule")


@dataclass
class Row:
    name: str
    drafts: list[dict[str, Any]]
    current: list[dict[str, Any]] | None  # None: no prefetch at all
    expected: str | None
    by_name: bool = False
    hook: str = "order-sign"
    selections: list[str] | None = None
    status: int = 200
    quoted: list[str] = field(default_factory=list)  # order texts the card must quote


def _corpus() -> list[Row]:
    rows: list[Row] = []
    for r5 in (False, True):
        v = "R5" if r5 else "R4"
        rows += [
            Row(
                f"{v} Zoloft SBD code (unverified) with LDN",
                [order("z", concept("208161", "Sertraline 50 MG Oral Tablet [Zoloft]"), daily(1, "tablet"), r5=r5)],
                [ldn_order(r5)],
                LDN,
                True,
                quoted=["Sertraline 50 MG Oral Tablet (Zoloft)"],
            ),
            Row(
                f"{v} Prozac SBD code with LDN",
                [order("p", concept("104849", "Fluoxetine 20 MG Oral Capsule [Prozac]"), daily(1, "capsule"), r5=r5)],
                [ldn_order(r5)],
                LDN,
                True,
            ),
            Row(
                f"{v} Lexapro SBD with LDN",
                [order("l", concept("352272", "Escitalopram 10 MG Oral Tablet [Lexapro]"), daily(1, "tablet"), r5=r5)],
                [ldn_order(r5)],
                LDN,
                True,
            ),
            Row(
                f"{v} Celexa SBD with LDN",
                [order("c", concept("213344", "Citalopram 20 MG Oral Tablet [Celexa]"), daily(1, "tablet"), r5=r5)],
                [ldn_order(r5)],
                LDN,
                True,
            ),
            Row(
                f"{v} Paxil SBD with LDN",
                [order("x", concept("207349", "Paroxetine 20 MG Oral Tablet [Paxil]"), daily(1, "tablet"), r5=r5)],
                [ldn_order(r5)],
                LDN,
                True,
            ),
            Row(
                f"{v} Luvox SBD with LDN",
                [
                    order(
                        "v",
                        concept("903875", "24 HR Fluvoxamine Maleate 100 MG Extended Release Oral Capsule [Luvox]"),
                        daily(1, "capsule"),
                        r5=r5,
                    )
                ],
                [ldn_order(r5)],
                LDN,
                True,
            ),
            Row(
                f"{v} fluvoxamine ingredient 42355 (unverified) with LDN",
                [order("f", concept("42355", "fluvoxamine"), daily(50), r5=r5)],
                [ldn_order(r5)],
                LDN,
                True,
            ),
            Row(
                f"{v} text-only sertraline with LDN",
                [order("t", concept(text="sertraline 50 mg tablet"), daily(50), r5=r5)],
                [ldn_order(r5)],
                LDN,
                True,
                quoted=["sertraline 50 mg tablet"],
            ),
            Row(
                f"{v} text-only LDN 4.5 mg with sertraline",
                [order("t", concept(text="LDN 4.5 mg capsule (compounded)"), daily(4.5), r5=r5)],
                [sertraline(r5)],
                LDN,
                True,
            ),
            Row(
                f"{v} compounded LDN 1.5 mg, Medication with ingredient 7243",
                [order("cmp", {}, daily(1, "capsule"), r5=r5, contained=[compounded(1.5, r5=r5)], reference="#cap")],
                [sertraline(r5)],
                LDN,
            ),
            Row(
                f"{v} compounded LDN 4.5 mg, Medication with ingredient 7243",
                [order("cmp", {}, daily(1, "capsule"), r5=r5, contained=[compounded(4.5, r5=r5)], reference="#cap")],
                [sertraline(r5)],
                LDN,
            ),
            Row(
                f"{v} compounded LDN named only in text, 4.5 mg per capsule",
                [
                    order(
                        "cmp",
                        {},
                        daily(1, "capsule"),
                        r5=r5,
                        contained=[compounded(4.5, r5=r5, coded=False)],
                        reference="#cap",
                    )
                ],
                [sertraline(r5)],
                LDN,
                True,
            ),
            Row(
                f"{v} compounded naltrexone 50 mg per capsule",
                [order("cmp", {}, daily(1, "capsule"), r5=r5, contained=[compounded(50, r5=r5)], reference="#cap")],
                [sertraline(r5)],
                ABOVE,
            ),
            Row(
                f"{v} naltrexone 50 mg tablet by count",
                [
                    order(
                        "n50",
                        concept("1483744", "naltrexone hydrochloride 50 MG Oral Tablet"),
                        daily(1, "tablet"),
                        r5=r5,
                    )
                ],
                [sertraline(r5)],
                ABOVE,
            ),
            Row(f"{v} naltrexone 0.25 mg", [ldn_order(r5, mg=0.25)], [sertraline(r5)], BELOW),
            Row(
                f"{v} naltrexone, no dose",
                [order("n", concept("7243", "naltrexone"), None, r5=r5)],
                [sertraline(r5)],
                UNCLEAR,
            ),
            Row(
                f"{v} naltrexone, dose only in free text",
                [order("n", concept("7243", "naltrexone"), daily(None, text="4.5 mg at bedtime"), r5=r5)],
                [sertraline(r5)],
                UNCLEAR,
            ),
            Row(
                f"{v} Contrave SBD code with sertraline",
                [
                    order(
                        "ct",
                        concept(
                            "1551474",
                            "12 HR Bupropion Hydrochloride 90 MG / Naltrexone hydrochloride 8 MG"
                            " Extended Release Oral Tablet [Contrave]",
                        ),
                        daily(1, "tablet"),
                        r5=r5,
                    )
                ],
                [sertraline(r5)],
                NONE,
            ),
            Row(
                f"{v} Contrave text with sertraline",
                [order("ct", concept(text="Contrave 8 mg/90 mg ER tablet"), daily(1, "tablet"), r5=r5)],
                [sertraline(r5)],
                NONE,
            ),
            Row(
                f"{v} Embeda display with sertraline",
                [
                    order(
                        "em",
                        concept(
                            "999001",
                            "morphine sulfate 20 MG / naltrexone hydrochloride 0.8 MG Extended Release Oral Capsule",
                        ),
                        daily(1, "capsule"),
                        r5=r5,
                    )
                ],
                [sertraline(r5)],
                NONE,
            ),
            Row(
                f"{v} olanzapine/fluoxetine with LDN counts as fluoxetine",
                [
                    order(
                        "sy",
                        concept("999002", "olanzapine 6 MG / fluoxetine 25 MG Oral Capsule"),
                        daily(1, "capsule"),
                        r5=r5,
                    )
                ],
                [ldn_order(r5)],
                LDN,
                True,
            ),
            Row(
                f"{v} Symbyax text with LDN",
                [order("sy", concept(text="Symbyax 6/25"), daily(1, "capsule"), r5=r5)],
                [ldn_order(r5)],
                LDN,
                True,
            ),
            Row(f"{v} stopped sertraline with new LDN", [ldn_order(r5)], [sertraline(r5, status="stopped")], NONE),
            Row(f"{v} on-hold sertraline with new LDN", [ldn_order(r5)], [sertraline(r5, status="on-hold")], LDN),
            Row(
                f"{v} entered-in-error sertraline with new LDN",
                [ldn_order(r5)],
                [sertraline(r5, status="entered-in-error")],
                NONE,
            ),
            Row(f"{v} amoxicillin, no prefetch", [order("amx", AMOXICILLIN, daily(500), r5=r5)], None, NONE),
            Row(
                f"{v} text naming two drugs is not recognised",
                [order("t2", concept(text="sertraline or fluoxetine"), daily(50), r5=r5)],
                [ldn_order(r5)],
                NONE,
            ),
            Row(
                f"{v} olanzapine alone is not fluoxetine",
                [order("ol", concept(text="olanzapine 5 mg"), daily(5), r5=r5)],
                [ldn_order(r5)],
                NONE,
            ),
            Row(
                f"{v} Vivitrol 380 mg monthly is not LDN",
                [order("viv", concept(text="Vivitrol 380 mg IM"), daily(380, period="mo"), r5=r5)],
                [sertraline(r5)],
                ABOVE,
                True,
            ),
            Row(f"{v} new sertraline, no prefetch, no server: 412", [sertraline(r5)], None, None, status=412),
        ]
    rows += [
        Row("R5 statement LDN recorded with new sertraline", [sertraline(True)], [statement_ldn()], LDN),
        Row("LDN 0 mg is a dose not stated", [ldn_order(mg=0)], [sertraline()], UNCLEAR),
        Row(
            "order-select: only an amoxicillin is selected",
            [order("amx", AMOXICILLIN, daily(500)), sertraline()],
            None,
            NONE,
            hook="order-select",
            selections=["MedicationRequest/amx"],
        ),
        Row(
            "order-select: the selected sertraline is relevant (412 without data)",
            [order("amx", AMOXICILLIN, daily(500)), sertraline()],
            None,
            None,
            hook="order-select",
            selections=["MedicationRequest/ssri"],
            status=412,
        ),
        Row(
            "a draft whose Medication is elsewhere cannot be judged (412)",
            [order("ref", {}, daily(1, "capsule"), reference="Medication/unknown")],
            None,
            None,
            status=412,
        ),
        Row(
            "escitalopram text is not citalopram",
            [order("e", concept(text="escitalopram 10 mg"), daily(10))],
            [ldn_order()],
            LDN,
            True,
        ),
    ]
    return rows


CORPUS = _corpus()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("corpus"))
    with TestClient(create_app(settings)) as c:
        yield c


def request_body(row: Row, fhir_server: str | None = None) -> dict[str, Any]:
    context: dict[str, Any] = {
        "userId": "Practitioner/doc1",
        "patientId": "p1",
        "draftOrders": bundle(*row.drafts, bundle_type="collection"),
    }
    if row.hook == "order-select":
        context["selections"] = row.selections or [f"MedicationRequest/{row.drafts[0]['id']}"]
    body: dict[str, Any] = {
        "hook": row.hook,
        "hookInstance": "d1fba0f7-9d9a-4a2d-9d1e-111111111111",
        "context": context,
    }
    if row.current is not None:
        body["prefetch"] = {"medicationRequests": bundle(*row.current), "medicationStatements": None}
    if fhir_server:
        body["fhirServer"] = fhir_server
    return body


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 40
    assert len({row.name for row in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("row", CORPUS, ids=lambda r: r.name)
def test_order_corpus(client: TestClient, row: Row) -> None:
    body = request_body(row)
    validate("request", body)
    response = client.post(f"/cds-services/{SERVICE}", json=body)
    assert response.status_code == row.status, response.text
    if row.status != 200:
        assert response.json()["resourceType"] == "OperationOutcome"
        return
    validate("response", response.json())
    cards = response.json()["cards"]
    if row.expected is None:
        assert cards == []
        return
    (card,) = cards
    assert card["summary"].startswith(row.expected), card["summary"]
    assert (BY_NAME in card["detail"]) is row.by_name
    for text in row.quoted:
        assert f'(from "{text}")' in card["detail"]


def test_every_verified_ssri_product_code_gets_the_card(client: TestClient, package: Package) -> None:
    """Each SSRI product code of the package's value sets, ordered beside current LDN: the LDN card, by code."""
    members = [
        (include["system"], c["code"], c.get("display", ""))
        for include in package.require("ValueSet", "ssri-rxnorm")["compose"]["include"]
        for c in include.get("concept", [])
    ]
    products = [m for m in members if " " in m[2]]  # product displays carry a strength and form
    assert len(products) >= 30
    for system, code, display in products:
        drug = {"coding": [{"system": system, "code": code, "display": display}]}
        row = Row(code, [order("p", drug, daily(1, "tablet"))], [ldn_order()], LDN)
        cards = client.post(f"/cds-services/{SERVICE}", json=request_body(row)).json()["cards"]
        assert [c["summary"].startswith(LDN) for c in cards] == [True], code
        assert BY_NAME not in cards[0]["detail"], code


def test_orders_no_card_concerns_are_answered_without_any_fetch(tmp_path_factory: pytest.TempPathFactory) -> None:
    """No prefetch, an allowlisted FHIR server: an order no card concerns is answered at once, nothing fetched."""
    with MockFhirServer() as fhir:
        settings = Settings(
            data_dir=tmp_path_factory.mktemp("nofetch"),
            fhir_server_allowlist=("*",),
            fhir_fetch_without_authorization=True,
        )
        with TestClient(create_app(settings)) as client:
            for row in CORPUS:
                if row.current is None and row.expected is None and row.status == 200:
                    response = client.post(f"/cds-services/{SERVICE}", json=request_body(row, fhir.base))
                    assert response.status_code == 200, row.name
                    assert response.json() == {"cards": []}
            assert fhir.requests == []
            relevant = next(r for r in CORPUS if r.status == 412)  # the same set-up does fetch for a relevant order
            client.post(f"/cds-services/{SERVICE}", json=request_body(relevant, fhir.base))
            assert fhir.requests
