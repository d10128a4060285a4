"""CDS Hooks discovery and service calls over HTTP: which cards the PlanDefinition gives, and bad input."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fhir_ldn.config import Settings
from fhir_ldn.package.index import Package
from server.app import create_app
from tests.server.cds_support import (
    BELOW_RANGE,
    DOSE_NOT_STATED,
    LDN_CARD,
    NALTREXONE,
    NALTREXONE_50_TAB,
    SERVICE,
    STANDARD_DOSE,
    atc_ssri,
    bundle,
    dosage,
    hook_request,
    ldn,
    med_request,
    sandbox_request,
    ssri,
    summaries,
    times_of_day,
    validate,
)

HOOKS = ["order-select", "order-sign"]
LISTED = {"order-select": f"{SERVICE}-order-select", "order-sign": f"{SERVICE}-order-sign"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("cds-data"))
    with TestClient(create_app(settings)) as c:
        yield c


def call(
    client: TestClient, body: dict[str, Any], *, check_request: bool = True, service: str = SERVICE
) -> dict[str, Any]:
    """POST a spec-valid request; the 200 response must validate against the response schema."""
    if check_request:
        validate("request", body)
    response = client.post(f"/cds-services/{service}", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    result: dict[str, Any] = response.json()
    validate("response", result)
    return result


def only_card(result: dict[str, Any], title_start: str) -> dict[str, Any]:
    assert len(result["cards"]) == 1, summaries(result)
    card: dict[str, Any] = result["cards"][0]
    assert card["summary"].startswith(title_start)
    return card


def test_discovery_lists_one_id_per_hook(client: TestClient) -> None:
    response = client.get("/cds-services")
    assert response.status_code == 200
    body = response.json()
    validate("discovery", body)
    ids = [s["id"] for s in body["services"]]
    assert len(ids) == len(set(ids))  # a service's id is the last segment of its URL: clients key by it
    assert {s["hook"]: s["id"] for s in body["services"]} == LISTED
    assert SERVICE not in ids  # the id of earlier versions answers, unlisted
    for service in body["services"]:
        # the rule counts active and on-hold orders, so the template asks for both; nothing reads a Patient
        assert service["prefetch"] == {
            "medicationRequests": "MedicationRequest?patient={{context.patientId}}&status=active,on-hold",
            "medicationStatements": "MedicationStatement?patient={{context.patientId}}",
        }


@pytest.mark.parametrize("hook", HOOKS)
def test_each_listed_id_answers_its_own_hook(client: TestClient, hook: str) -> None:
    (service,) = [s for s in client.get("/cds-services").json()["services"] if s["hook"] == hook]
    body = hook_request(hook, [ssri()], current=[ldn()])
    only_card(call(client, body, service=service["id"]), LDN_CARD)


@pytest.mark.parametrize("hook", HOOKS)
def test_each_listed_id_refuses_the_other_hook(client: TestClient, hook: str) -> None:
    (other,) = set(HOOKS) - {hook}
    body = hook_request(other, [ssri()], current=[ldn()])
    validate("request", body)
    outcome = outcome_of(client.post(f"/cds-services/{LISTED[hook]}", json=body), 400)
    assert outcome["issue"][0]["expression"] == ["hook"]
    assert f"not '{other}'" in outcome["issue"][0]["details"]["text"]


@pytest.mark.parametrize("hook", HOOKS)
def test_the_unlisted_rule_id_answers_every_hook(client: TestClient, hook: str) -> None:
    only_card(call(client, hook_request(hook, [ssri()], current=[ldn()]), service=SERVICE), LDN_CARD)


@pytest.mark.parametrize("hook", HOOKS)
def test_new_ssri_for_patient_on_ldn(client: TestClient, hook: str) -> None:
    card = only_card(call(client, hook_request(hook, [ssri()], current=[ldn()])), LDN_CARD)
    assert card["indicator"] == "info"
    assert card["source"]["label"] == "fhir-ldn"
    assert card["source"]["topic"]["code"] == "ldn-ssri-advice"
    assert "serotonin syndrome" in card["detail"].lower()
    assert "https://doi.org/10.1016/j.jad.2016.10.018" in [link["url"] for link in card["links"]]
    assert all(link["url"].startswith("https://doi.org/10.") for link in card["links"])
    assert {r["code"] for r in card["overrideReasons"]} == {"discussed-with-patient", "will-monitor", "not-applicable"}
    assert all(r["display"] for r in card["overrideReasons"])
    assert card["selectionBehavior"] == "any"
    assert "serotonin syndrome (theoretical)" in card["summary"]
    assert "off-label" in card["detail"]
    assert "1–5 mg daily, started at 0.5–1 mg" in card["detail"]
    labels = [s["label"] for s in card["suggestions"]]
    assert labels == [
        "Track subtle mood shifts",
        "Track GI side effects",
        "Educate the patient about gradual titration",
    ]
    assert len({card["uuid"], *(s["uuid"] for s in card["suggestions"])}) == 4
    # a patient on LDN is never proposed another naltrexone order (the doses would add up)
    created = [a["resource"]["resourceType"] for s in card["suggestions"] for a in s["actions"]]
    assert "MedicationRequest" not in created


@pytest.mark.parametrize("hook", HOOKS)
def test_new_ldn_for_patient_on_ssri(client: TestClient, hook: str) -> None:
    only_card(call(client, hook_request(hook, [ldn()], current=[ssri()])), LDN_CARD)


def test_uuids_are_fresh_per_response(client: TestClient) -> None:
    body = hook_request("order-select", [ssri()], current=[ldn()])
    first, second = call(client, body)["cards"][0], call(client, body)["cards"][0]
    assert first["uuid"] != second["uuid"]
    assert first["suggestions"][0]["uuid"] != second["suggestions"][0]["uuid"]


@pytest.mark.parametrize(
    "naltrexone",
    [
        pytest.param(ldn(mg=50), id="50 mg by mg"),
        pytest.param(med_request("ntx", NALTREXONE, dosages=[dosage(0.05, "g")]), id="0.05 g"),
        pytest.param(med_request("ntx", NALTREXONE_50_TAB, dosages=[dosage(1, "{pill}")]), id="1 tablet of 1483744"),
        pytest.param(med_request("ntx", NALTREXONE, dosages=[dosage(4.5, frequency=3)]), id="4.5 mg TID (13.5)"),
        pytest.param(med_request("ntx", NALTREXONE, dosages=[dosage(4.5, timing_code="BID")]), id="4.5 mg BID code"),
        pytest.param(med_request("ntx", NALTREXONE, dosages=[dosage(35, period_unit="wk")]), id="35 mg weekly"),
        pytest.param(med_request("ntx", NALTREXONE, dosages=[dosage(10, period=2)]), id="10 mg every other day"),
        pytest.param(med_request("ntx", NALTREXONE, dosages=[dosage(50, frequency=None)]), id="50 mg, no timing"),
        pytest.param(
            med_request("ntx", NALTREXONE, dosages=[times_of_day(dosage(4.5), "08:00", "14:00", "20:00")]),
            id="4.5 mg at three times of day (13.5)",
        ),
        pytest.param(
            med_request("ntx", NALTREXONE, dosages=[dosage(50, frequency=0)]), id="50 mg with an invalid frequency 0"
        ),
    ],
)
@pytest.mark.parametrize("hook", HOOKS)
def test_standard_dose_naltrexone_is_not_ldn(client: TestClient, hook: str, naltrexone: dict[str, Any]) -> None:
    for body in (
        hook_request(hook, [ssri()], current=[naltrexone]),
        hook_request(hook, [naltrexone], current=[ssri()]),
    ):
        card = only_card(call(client, body), STANDARD_DOSE)
        assert "does not apply" in card["summary"]
        assert "above the LDN range" in card["summary"]
        assert card["indicator"] == "info"
        assert "suggestions" not in card
        # it gives no monitoring advice, so no "will monitor" reason, and its source is not the LDN protocol
        assert {r["code"] for r in card["overrideReasons"]} == {"discussed-with-patient", "not-applicable"}
        assert "augmentation-protocol" not in card["source"]["url"]
        # the article's pharmacokinetic finding covers naltrexone at any dose
        assert "no significant pharmacokinetic interactions between naltrexone and SSRIs" in card["detail"]
        assert "no other guidance on standard-dose" not in card["detail"]


@pytest.mark.parametrize(
    "naltrexone",
    [
        pytest.param(med_request("ntx", NALTREXONE, dosages=[dosage(1, "{pill}")]), id="pill without strength"),
        pytest.param(med_request("ntx", NALTREXONE), id="no dosage"),
        pytest.param(med_request("ntx", NALTREXONE, dosages=[dosage(4.5, frequency=None)]), id="no timing"),
        pytest.param(med_request("ntx", NALTREXONE, dosages=[dosage(4.5, "mL")]), id="mL without concentration"),
        pytest.param(med_request("ntx", NALTREXONE, dosages=[dosage(4.5, frequency=0)]), id="frequency 0 (invalid)"),
        pytest.param(med_request("ntx", NALTREXONE, dosages=[dosage(-4.5)]), id="a negative dose"),
    ],
)
def test_unknown_naltrexone_dose_gets_dose_not_stated_card(client: TestClient, naltrexone: dict[str, Any]) -> None:
    card = only_card(
        call(client, hook_request("order-select", [ssri()], current=[naltrexone])), "Naltrexone with an SSRI"
    )
    assert DOSE_NOT_STATED in card["summary"]
    assert "check the dose" in card["summary"]
    assert card["indicator"] == "warning"  # its advice cannot be used until someone checks the dose
    assert "not stated" in card["detail"]
    assert "will-monitor" not in {r["code"] for r in card["overrideReasons"]}


@pytest.mark.parametrize(
    "naltrexone",
    [
        pytest.param(ldn(mg=0.25), id="0.25 mg"),
        pytest.param(ldn(mg=0.1), id="0.1 mg"),
        pytest.param(med_request("ntx", NALTREXONE, dosages=[dosage(4.5, "ug")]), id="4.5 micrograms"),
    ],
)
@pytest.mark.parametrize("hook", HOOKS)
def test_dose_below_the_articles_range_says_so(client: TestClient, hook: str, naltrexone: dict[str, Any]) -> None:
    """The article: LDN 1–5 mg daily, started at 0.5–1 mg. Less than 0.5 mg/day is not plain LDN advice."""
    for body in (
        hook_request(hook, [ssri()], current=[naltrexone]),
        hook_request(hook, [naltrexone], current=[ssri()]),
    ):
        card = only_card(call(client, body), BELOW_RANGE)
        assert "check the dose" in card["summary"]
        assert card["indicator"] == "warning"
        assert "below the article's LDN range" in card["detail"]
        assert "will-monitor" in {r["code"] for r in card["overrideReasons"]}


@pytest.mark.parametrize("hook", HOOKS)
def test_zero_dose_is_an_unknown_dose(client: TestClient, hook: str) -> None:
    card = only_card(call(client, hook_request(hook, [ssri()], current=[ldn(mg=0)])), "Naltrexone with an SSRI")
    assert DOSE_NOT_STATED in card["summary"]


@pytest.mark.parametrize("hook", HOOKS)
def test_several_naltrexone_orders_never_get_the_ldn_card(client: TestClient, hook: str) -> None:
    """Two 4.5 mg orders may be 9 mg/day: whether this is LDN is unclear; with a 50 mg one it is not LDN."""
    body = hook_request(hook, [ssri()], current=[ldn("ldn-a"), ldn("ldn-b")])
    card = only_card(call(client, body), "Naltrexone with an SSRI")
    assert DOSE_NOT_STATED in card["summary"]
    assert "more than one naltrexone order" in card["detail"]
    only_card(call(client, hook_request(hook, [ssri()], current=[ldn("ldn-a"), ldn("ntx", mg=50)])), STANDARD_DOSE)


@pytest.mark.parametrize(
    ("mg", "stage"),
    [
        (0.5, "is a starting dose"),
        (1, "is a starting dose"),
        (1.5, "is a titration dose"),
        (4.5, "is a titration dose"),
        (5, "is above the article's titration target"),
    ],
)
@pytest.mark.parametrize("hook", HOOKS)
def test_new_ldn_order_says_where_its_dose_stands_in_the_titration(
    client: TestClient, package: Package, hook: str, mg: float, stage: str
) -> None:
    card = only_card(call(client, hook_request(hook, [ldn(mg=mg)], current=[ssri()])), LDN_CARD)
    assert f"The new naltrexone order {stage}" in card["detail"]
    assert card["detail"].count("The new naltrexone order") == 1
    # an existing LDN order is not "new": no titration sentence
    existing = only_card(call(client, hook_request(hook, [ssri()], current=[ldn(mg=mg)])), LDN_CARD)
    assert "The new naltrexone order" not in existing["detail"]
    static = package.require("PlanDefinition", "ldn-ssri-cds")["action"][0]["action"][0]["description"]
    assert static in card["detail"]
    assert static in existing["detail"]


def test_four_and_a_half_mg_once_daily_is_ldn(client: TestClient) -> None:
    only_card(call(client, hook_request("order-sign", [ldn(mg=4.5)], current=[ssri()])), LDN_CARD)


NOT_AN_SSRI = med_request("other", "not-a-drug-code", system="http://example.org/fhir-ldn-tests/drugs")


@pytest.mark.parametrize(
    ("drafts", "current"),
    [
        pytest.param([NOT_AN_SSRI], [ldn()], id="non-SSRI with LDN"),
        pytest.param([ssri()], [], id="SSRI alone"),
        pytest.param([ldn()], [], id="LDN alone"),
        pytest.param([ldn()], [NOT_AN_SSRI], id="LDN with a non-SSRI"),
    ],
)
@pytest.mark.parametrize("hook", HOOKS)
def test_no_card_without_both_drugs(client: TestClient, hook: str, drafts: list[Any], current: list[Any]) -> None:
    assert call(client, hook_request(hook, drafts, current=current)) == {"cards": []}


@pytest.mark.parametrize("status", ["stopped", "cancelled", "completed", "entered-in-error", "unknown", "ended"])
def test_orders_that_are_not_current_do_not_count(client: TestClient, status: str) -> None:
    assert call(client, hook_request("order-select", [ssri()], current=[ldn(status=status)])) == {"cards": []}
    stopped_ssri = ssri(status=status)
    body = hook_request("order-sign", [ldn(status=status)], current=[stopped_ssri])
    assert call(client, body) == {"cards": []}


@pytest.mark.parametrize("status", ["active", "on-hold", "draft"])
def test_current_statuses_count(client: TestClient, status: str) -> None:
    only_card(call(client, hook_request("order-select", [ssri()], current=[ldn(status=status)])), LDN_CARD)


def test_do_not_perform_order_does_not_count(client: TestClient) -> None:
    not_ldn = ldn() | {"doNotPerform": True}
    assert call(client, hook_request("order-select", [ssri()], current=[not_ldn])) == {"cards": []}


def test_order_select_counts_only_selected_drafts_as_new(client: TestClient) -> None:
    # Both drugs present, but the only selected draft is neither: nothing new about naltrexone or an SSRI.
    body = hook_request("order-select", [NOT_AN_SSRI, ssri()], current=[ldn()], selections=["MedicationRequest/other"])
    assert call(client, body) == {"cards": []}
    # The unselected SSRI draft still counts as present when the selected order is LDN.
    body = hook_request("order-select", [ldn(), ssri()], current=[], selections=["MedicationRequest/ldn"])
    only_card(call(client, body), LDN_CARD)
    # order-sign: every draft is new.
    only_card(call(client, hook_request("order-sign", [NOT_AN_SSRI, ssri()], current=[ldn()])), LDN_CARD)


def test_existing_drugs_alone_give_no_card(client: TestClient) -> None:
    body = hook_request("order-sign", [NOT_AN_SSRI], current=[ssri(), ldn()])
    assert call(client, body) == {"cards": []}


def test_r5_shapes(client: TestClient) -> None:
    body = hook_request("order-select", [ssri(r5=True)], current=[ldn(r5=True)])
    card = only_card(call(client, body), LDN_CARD)
    monitor = card["suggestions"][0]["actions"][0]["resource"]
    assert monitor["resourceType"] == "ServiceRequest"
    assert monitor["code"]["concept"]["coding"][0]["code"] == "monitor-mood"  # R5 CodeableReference
    education = card["suggestions"][2]["actions"][0]["resource"]
    assert education["payload"][0]["contentCodeableConcept"]["coding"][0]["code"] == "educate-titration"


def test_r4_suggestion_resources(client: TestClient) -> None:
    card = only_card(call(client, hook_request("order-select", [ssri()], current=[ldn()])), LDN_CARD)
    action = card["suggestions"][0]["actions"][0]
    assert action["type"] == "create"
    assert action["description"] == "Create a proposal to track subtle mood shifts."
    resource = action["resource"]
    assert resource["code"]["coding"][0]["code"] == "monitor-mood"  # R4 CodeableConcept
    assert resource["subject"] == {"reference": "Patient/p1"}
    assert resource["requester"] == {"reference": "Practitioner/doc1"}
    assert resource["status"] == "draft"
    assert resource["intent"] == "proposal"
    assert resource["instantiatesCanonical"][0].endswith("/ActivityDefinition/monitor-mood|0.1.0")
    education = card["suggestions"][2]["actions"][0]["resource"]
    assert education["payload"] == [{"contentString": "Educate the patient about gradual titration"}]


def test_r5_medication_statement_counts(client: TestClient) -> None:
    statement = {
        "resourceType": "MedicationStatement",
        "id": "ms1",
        "status": "recorded",
        "medication": {
            "concept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": NALTREXONE}]}
        },
        "dosage": [dosage(3)],
    }
    prefetch = {"medicationRequests": None, "medicationStatements": bundle(statement)}
    only_card(call(client, hook_request("order-select", [ssri(r5=True)], prefetch=prefetch)), LDN_CARD)
    ended = statement | {"effectivePeriod": {"start": "2020-01-01", "end": "2020-02-01"}}
    prefetch = {"medicationRequests": None, "medicationStatements": bundle(ended)}
    assert call(client, hook_request("order-select", [ssri(r5=True)], prefetch=prefetch)) == {"cards": []}


def test_r4_medication_statement_counts(client: TestClient) -> None:
    statement = {
        "resourceType": "MedicationStatement",
        "id": "ms1",
        "status": "active",
        "medicationCodeableConcept": {
            "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": NALTREXONE}]
        },
        "dosage": [dosage(50)],
    }
    prefetch = {"medicationRequests": None, "medicationStatements": bundle(statement)}
    only_card(call(client, hook_request("order-select", [ssri()], prefetch=prefetch)), STANDARD_DOSE)


def capsule_medication(mid: str, mg: float) -> dict[str, Any]:
    """A compounded naltrexone capsule: coded only by its ingredient, strength `mg` per capsule."""
    return {
        "resourceType": "Medication",
        "id": mid,
        "code": {"text": "naltrexone capsule (compounded)"},
        "ingredient": [
            {
                "itemCodeableConcept": {
                    "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": NALTREXONE}]
                },
                "strength": {
                    "numerator": {"value": mg, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"},
                    "denominator": {
                        "value": 1,
                        "unit": "capsule",
                        "system": "http://unitsofmeasure.org",
                        "code": "{capsule}",
                    },
                },
            }
        ],
    }


@pytest.mark.parametrize(("mg", "expected"), [(4.5, LDN_CARD), (50, STANDARD_DOSE)])
def test_contained_medication_with_ingredient_strength(client: TestClient, mg: float, expected: str) -> None:
    order = med_request(
        "cmp",
        "",
        medication_reference="#med",
        contained=[capsule_medication("med", mg)],
        dosages=[dosage(1, "{capsule}")],
    )
    only_card(call(client, hook_request("order-sign", [order], current=[ssri()])), expected)


def test_referenced_medication_in_the_prefetch_bundle(client: TestClient) -> None:
    order = med_request("cmp", "", medication_reference="Medication/m1", dosages=[dosage(2, "{capsule}")])
    current = bundle(ssri(), capsule_medication("m1", 1.5))
    body = hook_request("order-select", [order], prefetch={"medicationRequests": current})
    card = only_card(call(client, body), LDN_CARD)  # 2 × 1.5 mg = 3 mg/day
    assert card["indicator"] == "info"


def test_referenced_medication_by_full_url_r5(client: TestClient) -> None:
    order = med_request("cmp", "", r5=True, medication_reference="urn:uuid:7d1a", dosages=[dosage(1, "{capsule}")])
    drafts = hook_request("order-sign", [order], current=[ssri(r5=True)])
    drafts["context"]["draftOrders"]["entry"].append(
        {"fullUrl": "urn:uuid:7d1a", "resource": {"resourceType": "Medication", "id": "m2", **r5_ingredient(4.5)}}
    )
    only_card(call(client, drafts), LDN_CARD)


def r5_ingredient(mg: float) -> dict[str, Any]:
    return {
        "ingredient": [
            {
                "item": {
                    "concept": {
                        "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": NALTREXONE}]
                    }
                },
                "strengthRatio": {
                    "numerator": {"value": mg, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"},
                    "denominator": {"value": 1, "system": "http://unitsofmeasure.org", "code": "{capsule}"},
                },
            }
        ]
    }


@pytest.mark.parametrize("hook", HOOKS)
def test_atc_coded_ssri(client: TestClient, hook: str) -> None:
    only_card(call(client, hook_request(hook, [atc_ssri()], current=[ldn()])), LDN_CARD)


def test_sandbox_request_shape(client: TestClient) -> None:
    body = sandbox_request()
    card = only_card(call(client, body), LDN_CARD)
    resource = card["suggestions"][0]["actions"][0]["resource"]
    assert resource["subject"] == {"reference": "Patient/pt1"}
    assert resource["requester"] == {"reference": "Practitioner/COREPRACTITIONER1"}


def test_sandbox_page_load_without_medication(client: TestClient) -> None:
    body = sandbox_request()
    draft = body["context"]["draftOrders"]["entry"][0]["resource"]
    del draft["medicationCodeableConcept"]
    del draft["dosageInstruction"]
    assert call(client, body) == {"cards": []}


def test_sandbox_shape_with_standard_dose_tablet(client: TestClient) -> None:
    body = sandbox_request()
    body["context"]["draftOrders"]["entry"][0]["resource"]["medicationCodeableConcept"]["coding"][0]["code"] = (
        NALTREXONE_50_TAB
    )
    body["prefetch"]["medicationRequests"] = bundle(ssri())
    only_card(call(client, body), STANDARD_DOSE)


def outcome_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["severity"] in ("error", "fatal")
    return body


def _valid() -> dict[str, Any]:
    return hook_request("order-select", [ssri()], current=[ldn()])


def _without(path: str) -> dict[str, Any]:
    body = _valid()
    *parents, last = path.split(".")
    node = body
    for p in parents:
        node = node[p]
    del node[last]
    return body


def _with(path: str, value: Any) -> dict[str, Any]:
    body = _valid()
    *parents, last = path.split(".")
    node = body
    for p in parents:
        node = node[p]
    node[last] = value
    return body


BAD_BODIES = {
    "missing hook": _without("hook"),
    "missing hookInstance": _without("hookInstance"),
    "missing context": _without("context"),
    "hook not a string": _with("hook", 3),
    "hookInstance null": _with("hookInstance", None),
    "context an array": _with("context", []),
    "wrong hook for the service": _with("hook", "patient-view"),
    "missing patientId": _without("context.patientId"),
    "patientId a number": _with("context.patientId", 12),
    "missing selections": _without("context.selections"),
    "selections not strings": _with("context.selections", [1]),
    "missing draftOrders": _without("context.draftOrders"),
    "draftOrders not a Bundle": _with("context.draftOrders", {"resourceType": "MedicationRequest"}),
    "draftOrders entry an object": _with("context.draftOrders.entry", {}),
    "prefetch an array": _with("prefetch", []),
    "prefetch value a string": _with("prefetch.medicationRequests", "Bundle"),
    "fhirServer not a URL": _with("fhirServer", "file:///etc/passwd"),
    "fhirServer without a host": _with("fhirServer", "http://"),
    "fhirServer an unclosed IPv6 literal": _with("fhirServer", "http://["),
    "fhirServer with a port out of range": _with("fhirServer", "http://ehr.example.org:99999/fhir"),
    "fhirAuthorization without fhirServer": _with("fhirAuthorization", {"access_token": "t", "token_type": "Bearer"}),
}


@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_bad_request_bodies_get_400(client: TestClient, name: str) -> None:
    response = client.post(f"/cds-services/{SERVICE}", json=copy.deepcopy(BAD_BODIES[name]))
    outcome_of(response, 400)


@pytest.mark.parametrize("content", [b"", b"{", b"[]", b'"text"', b"\xff\xfe", b"null"])
def test_malformed_json_gets_400(client: TestClient, content: bytes) -> None:
    response = client.post(f"/cds-services/{SERVICE}", content=content, headers={"Content-Type": "application/json"})
    outcome_of(response, 400)


def test_unknown_service_gets_404(client: TestClient) -> None:
    response = client.post("/cds-services/no-such-service", json=_valid())
    outcome_of(response, 404)
    outcome_of(client.post("/cds-services/no-such-service/feedback", json={"feedback": []}), 404)


def test_the_token_never_appears_in_errors(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    body = _with("fhirAuthorization", {"access_token": "SECRET-TOKEN-123", "token_type": "Mac"})
    body["fhirServer"] = "http://127.0.0.1:9/fhir"
    response = client.post(f"/cds-services/{SERVICE}", json=body)
    outcome_of(response, 400)
    assert "SECRET-TOKEN-123" not in response.text
    assert "SECRET-TOKEN-123" not in caplog.text


@pytest.mark.filterwarnings("ignore:Duplicate Operation ID:UserWarning")  # downloads' GET+HEAD routes, not ours
def test_openapi_documents_every_cds_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "post" in paths["/cds-services/{service_id}"]
    assert "get" in paths["/cds-services"]
    assert {"get", "post"} <= set(paths["/cds-services/{service_id}/feedback"])


def test_the_readme_example_returns_the_ldn_card(client: TestClient) -> None:
    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "cds-order-select-ldn.json"
    body = json.loads(example.read_text(encoding="utf-8"))
    only_card(call(client, body), LDN_CARD)


def test_cards_name_the_drugs_they_are_about(client: TestClient) -> None:
    """Issue 16: the card says which order and which current medication it is about, as the orders name them."""
    fluoxetine = med_request("flx", "310385", dosages=[dosage(1, "{pill}")])
    fluoxetine["medicationCodeableConcept"]["coding"][0]["display"] = "fluoxetine 20 MG Oral Capsule"
    current = ldn()
    current["medicationCodeableConcept"]["text"] = "LDN 4.5 mg capsule"
    card = only_card(call(client, hook_request("order-sign", [fluoxetine], current=[current])), LDN_CARD)
    assert card["detail"].startswith(
        "**For this patient:** fluoxetine 20 MG Oral Capsule (new order) with LDN 4.5 mg capsule, 4.5 mg/day (current)."
    )
    # fluoxetine is one of the article's examples of endorphin blunting: said of this patient's drug
    assert "fluoxetine 20 MG Oral Capsule is one of the SSRIs the article names" in card["detail"]


def test_endorphin_blunting_for_an_ssri_the_article_does_not_name(client: TestClient) -> None:
    card = only_card(call(client, hook_request("order-sign", [atc_ssri()], current=[ldn()])), LDN_CARD)
    assert "the article names fluoxetine and sertraline as examples" in card["detail"]
    assert "is one of the SSRIs the article names" not in card["detail"]
