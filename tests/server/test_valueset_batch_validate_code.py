"""ValueSet/$batch-validate-code over HTTP: several codes against one of the package's value sets."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from fhir_ldn.constants import RXNORM
from tests.server.conftest import FHIR_JSON, parameters, values

SSRI = "https://fhir-ldn.github.io/fhir/ValueSet/ssri"


def validation(code: str) -> tuple[str, dict[str, Any]]:
    coding = {"name": "coding", "valueCoding": {"system": RXNORM, "code": code}}
    return ("validation", {"resource": {"resourceType": "Parameters", "parameter": [coding]}})


def test_each_code_gets_its_own_answer(fhir_client: TestClient) -> None:
    body = parameters(("url", {"valueUri": SSRI}), validation("36437"), validation("7243"))
    response = fhir_client.post("/fhir/ValueSet/$batch-validate-code", json=body, headers={"Content-Type": FHIR_JSON})
    assert response.status_code == 200, response.text
    answers = [p["resource"] for p in response.json()["parameter"]]
    assert [values(a)["result"] for a in answers] == [True, False]  # sertraline is an SSRI, naltrexone is not
    assert values(answers[0])["display"] == "sertraline"


def test_a_body_that_is_not_parameters_is_a_clear_error(fhir_client: TestClient) -> None:
    response = fhir_client.post(
        "/fhir/ValueSet/$batch-validate-code", json={"resourceType": "Patient"}, headers={"Content-Type": FHIR_JSON}
    )
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"
