"""POST /fhir/PlanDefinition/$apply over HTTP: instance and type level, JSON and XML, errors as OperationOutcomes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from fhir_ldn.formats.xml import resource_to_xml
from fhir_ldn.package.index import Package
from server.app import create_app
from tests.apply import patients
from tests.apply.validate import assert_valid_r5

FHIR_JSON = {"Content-Type": "application/fhir+json"}
PROTOCOL = "ldn-ssri-augmentation-protocol"


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


def _params(*extra: dict[str, Any], data: dict[str, Any] | None = None) -> dict[str, Any]:
    parameters = [{"name": "subject", "valueString": patients.PATIENT}, *extra]
    if data is not None:
        parameters.append({"name": "data", "resource": data})
    return {"resourceType": "Parameters", "parameter": parameters}


def _post(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, content=json.dumps(body), headers=FHIR_JSON)


@pytest.mark.parametrize("shape", ["R4", "R5"])
def test_apply_plan_definition_instance_level(client: TestClient, shape: str) -> None:
    response = _post(client, f"/fhir/PlanDefinition/{PROTOCOL}/$apply", _params(data=patients.on_ssri(shape)))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/fhir+json"
    bundle = response.json()
    assert_valid_r5(bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds[0] == "RequestOrchestration"
    assert sorted(kinds[1:]) == sorted(
        ["MedicationRequest", "MedicationRequest", "ServiceRequest", "ServiceRequest", "CommunicationRequest"]
    )
    # a patient already on LDN: no new naltrexone orders, and the answer says why (issue 15, S1)
    response = _post(client, f"/fhir/PlanDefinition/{PROTOCOL}/$apply", _params(data=patients.on_ssri_and_ldn(shape)))
    bundle = response.json()
    assert_valid_r5(bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert sorted(kinds[1:]) == sorted(["ServiceRequest", "ServiceRequest", "CommunicationRequest"])
    assert "already on naltrexone" in bundle["entry"][0]["resource"]["note"][0]["text"]


def test_apply_plan_definition_type_level_by_url(client: TestClient, package: Package) -> None:
    protocol = package.require("PlanDefinition", PROTOCOL)
    body = _params(
        {"name": "url", "valueCanonical": protocol["url"]},
        {"name": "version", "valueString": protocol["version"]},
        data=patients.on_ssri("R4"),
    )
    response = _post(client, "/fhir/PlanDefinition/$apply", body)
    assert response.status_code == 200
    assert response.json()["entry"][0]["resource"]["instantiatesCanonical"] == [
        f"{protocol['url']}|{protocol['version']}"
    ]


def test_apply_plan_definition_standard_dose_explains_in_the_bundle(client: TestClient) -> None:
    response = _post(
        client, f"/fhir/PlanDefinition/{PROTOCOL}/$apply", _params(data=patients.on_ssri_and_standard_dose("R4"))
    )
    assert response.status_code == 200
    bundle = response.json()
    assert len(bundle["entry"]) == 1
    assert bundle["issues"]["issue"][0]["code"] == "business-rule"


@pytest.mark.parametrize(
    ("naltrexone", "computed"),
    [
        (patients.mg(50.0), "50 mg/day"),  # sent as 50.0: read as a decimal, still a dose
        (patients.mg(7.5), "7.5 mg/day"),
        (None, "no computable daily dose"),  # unknown: may be standard-dose naltrexone
    ],
    ids=["50.0 mg", "7.5 mg", "dose unknown"],
)
def test_apply_plan_definition_proposes_no_ldn_unless_naltrexone_is_known_low(
    client: TestClient, naltrexone: dict[str, Any] | None, computed: str
) -> None:
    data = patients.bundle(
        patients.order("ssri", patients.SERTRALINE, patients.mg(50), "R5"),
        patients.statement("ntx", patients.NALTREXONE, naltrexone, "R5"),
    )
    response = _post(client, f"/fhir/PlanDefinition/{PROTOCOL}/$apply", _params(data=data))
    assert response.status_code == 200
    bundle = response.json()
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["RequestOrchestration"]
    assert "action" not in bundle["entry"][0]["resource"]
    assert f"MedicationStatement/ntx: {computed}" in bundle["issues"]["issue"][0]["details"]["text"]


def test_apply_plan_definition_xml_in_and_out(client: TestClient) -> None:
    body = resource_to_xml(_params(data=patients.on_ssri("R5")))
    response = client.post(
        f"/fhir/PlanDefinition/{PROTOCOL}/$apply",
        content=body,
        headers={"Content-Type": "application/fhir+xml", "Accept": "application/fhir+xml"},
    )
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert root.tag == "{http://hl7.org/fhir}Bundle"
    assert root.find(".//{http://hl7.org/fhir}RequestOrchestration") is not None


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        (f"/fhir/PlanDefinition/{PROTOCOL}/$apply", {"resourceType": "Parameters", "parameter": []}, 400, "invalid"),
        (f"/fhir/PlanDefinition/{PROTOCOL}/$apply", {"resourceType": "Patient"}, 400, "invalid"),
        ("/fhir/PlanDefinition/nope/$apply", _params(), 404, "not-found"),
        ("/fhir/PlanDefinition/$apply", _params(), 400, "invalid"),
        (
            "/fhir/PlanDefinition/$apply",
            _params({"name": "url", "valueUri": "https://x/PlanDefinition/y"}),
            404,
            "not-found",
        ),
        (
            "/fhir/PlanDefinition/$apply",
            _params({"name": "planDefinition", "resource": {"resourceType": "PlanDefinition", "status": "draft"}}),
            422,
            "business-rule",
        ),
        (f"/fhir/PlanDefinition/{PROTOCOL}/$apply", _params({"name": "url", "valueUri": "https://x"}), 400, "invalid"),
        (
            f"/fhir/PlanDefinition/{PROTOCOL}/$apply",
            {"resourceType": "Parameters", "parameter": [{"name": "subject", "valueString": "Practitioner/1"}]},
            422,
            "business-rule",
        ),
    ],
)
def test_apply_plan_definition_errors(
    client: TestClient, path: str, body: dict[str, Any], status: int, code: str
) -> None:
    response = _post(client, path, body)
    assert response.status_code == status
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == code


def test_apply_plan_definition_malformed_body(client: TestClient) -> None:
    response = client.post(f"/fhir/PlanDefinition/{PROTOCOL}/$apply", content=b"{not json", headers=FHIR_JSON)
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"
    assert client.post(f"/fhir/PlanDefinition/{PROTOCOL}/$apply", content=b"x").status_code == 415


def test_apply_plan_definition_readme_example(client: TestClient) -> None:
    """docs/examples/apply-ldn-augmentation.json, the body of the README's curl example."""
    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "apply-ldn-augmentation.json"
    response = client.post(f"/fhir/PlanDefinition/{PROTOCOL}/$apply", content=example.read_bytes(), headers=FHIR_JSON)
    assert response.status_code == 200
    kinds = [e["resource"]["resourceType"] for e in response.json()["entry"]]
    assert kinds == [
        "RequestOrchestration",
        "MedicationRequest",
        "MedicationRequest",
        "ServiceRequest",
        "ServiceRequest",
        "CommunicationRequest",
    ]
