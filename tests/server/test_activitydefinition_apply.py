"""POST /fhir/ActivityDefinition/$apply over HTTP: the request resource, R5 and valid."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from fhir_ldn.package.index import Package
from server.app import create_app
from tests.apply import patients
from tests.apply.validate import assert_valid_r5

FHIR_JSON = {"Content-Type": "application/fhir+json"}


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


def _params(*extra: dict[str, object]) -> bytes:
    body = {"resourceType": "Parameters", "parameter": [{"name": "subject", "valueString": patients.PATIENT}, *extra]}
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("definition_id", "kind"),
    [
        ("ldn-titration", "MedicationRequest"),
        ("monitor-mood", "ServiceRequest"),
        ("monitor-gi-side-effects", "ServiceRequest"),
        ("patient-education-titration", "CommunicationRequest"),
    ],
)
def test_apply_activity_definition_instance(
    client: TestClient, package: Package, definition_id: str, kind: str
) -> None:
    response = client.post(f"/fhir/ActivityDefinition/{definition_id}/$apply", content=_params(), headers=FHIR_JSON)
    assert response.status_code == 200
    resource = response.json()
    assert_valid_r5(resource)
    assert resource["resourceType"] == kind
    assert resource["intent"] == "proposal"
    definition = package.require("ActivityDefinition", definition_id)
    if kind == "ServiceRequest":  # the R5 request types with instantiatesCanonical
        assert resource["instantiatesCanonical"] == [f"{definition['url']}|{definition['version']}"]
    else:
        assert "instantiatesCanonical" not in resource
    assert resource["subject"] == {"reference": patients.PATIENT}


def test_apply_activity_definition_titration_keeps_every_step(client: TestClient, package: Package) -> None:
    response = client.post("/fhir/ActivityDefinition/ldn-titration/$apply", content=_params(), headers=FHIR_JSON)
    assert response.json()["dosageInstruction"] == package.require("ActivityDefinition", "ldn-titration")["dosage"]


def test_apply_activity_definition_type_level_by_url(client: TestClient, package: Package) -> None:
    url = package.require("ActivityDefinition", "monitor-mood")["url"]
    response = client.post(
        "/fhir/ActivityDefinition/$apply", content=_params({"name": "url", "valueUri": url}), headers=FHIR_JSON
    )
    assert response.status_code == 200
    assert response.json()["resourceType"] == "ServiceRequest"
    missing = client.post("/fhir/ActivityDefinition/nope/$apply", content=_params(), headers=FHIR_JSON)
    assert missing.status_code == 404
    assert missing.json()["resourceType"] == "OperationOutcome"
