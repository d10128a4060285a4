"""POST /fhir/$validate and /fhir/{type}/$validate: resource or Parameters bodies, JSON and XML."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.server.conftest import FHIR_JSON, from_xml, parameters

FHIR_XML = "application/fhir+xml"


def issues(outcome: dict[str, object]) -> list[tuple[str, str, str]]:
    return [(i["severity"], i["code"], (i.get("expression") or [""])[0]) for i in outcome["issue"]]  # type: ignore[attr-defined]


def test_a_valid_resource(fhir_client: TestClient) -> None:
    response = fhir_client.post(
        "/fhir/$validate", content=b'{"resourceType": "Patient"}', headers={"Content-Type": FHIR_JSON}
    )
    assert response.status_code == 200
    assert response.json()["issue"][0]["details"]["text"] == "All OK"


def test_an_invalid_resource_is_still_200_with_the_issues(fhir_client: TestClient) -> None:
    body = b'{"resourceType": "Patient",\n "gender": "mail"}'
    response = fhir_client.post("/fhir/Patient/$validate", content=body, headers={"Content-Type": FHIR_JSON})
    assert response.status_code == 200
    assert ("error", "code-invalid", "Patient.gender") in issues(response.json())
    line = next(e for e in response.json()["issue"][-1]["extension"] if e["url"].endswith("issue-line"))
    assert line["valueInteger"] == 2


def test_the_type_in_the_url_must_match(fhir_client: TestClient) -> None:
    response = fhir_client.post(
        "/fhir/Observation/$validate", json={"resourceType": "Patient"}, headers={"Content-Type": FHIR_JSON}
    )
    assert ("error", "invalid", "Patient") in issues(response.json())


def test_parameters_with_resource_and_profile(fhir_client: TestClient) -> None:
    cud = {"resourceType": "ClinicalUseDefinition", "type": "interaction"}
    profile = "https://fhir-ldn.github.io/fhir/StructureDefinition/ldn-interaction"
    body = parameters(("resource", {"resource": cud}), ("profile", {"valueUri": profile}))
    response = fhir_client.post("/fhir/ClinicalUseDefinition/$validate", json=body, headers={"Content-Type": FHIR_JSON})
    texts = [i["details"]["text"] for i in response.json()["issue"]]
    assert any("ClinicalUseDefinition.extension:evidence" in t for t in texts)
    plain = fhir_client.post(
        "/fhir/$validate", json=parameters(("resource", {"resource": cud})), headers={"Content-Type": FHIR_JSON}
    )
    assert not any("evidence" in i["details"]["text"] for i in plain.json()["issue"])
    by_query = fhir_client.post(f"/fhir/$validate?profile={profile}", json=cud, headers={"Content-Type": FHIR_JSON})
    assert any("evidence" in i["details"]["text"] for i in by_query.json()["issue"])


def test_xml_in_and_out(fhir_client: TestClient) -> None:
    xml = b'<Patient xmlns="http://hl7.org/fhir"><active value="yes"/></Patient>'
    response = fhir_client.post("/fhir/$validate", content=xml, headers={"Content-Type": FHIR_XML, "Accept": FHIR_XML})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(FHIR_XML)
    outcome = from_xml(response.content)
    assert ("error", "invalid", "Patient.active") in issues(outcome)


def test_the_package_resources_validate(fhir_client: TestClient) -> None:
    cds = fhir_client.get("/fhir/PlanDefinition/ldn-ssri-cds").json()
    response = fhir_client.post("/fhir/PlanDefinition/$validate", json=cds, headers={"Content-Type": FHIR_JSON})
    assert response.json()["issue"][0]["details"]["text"] == "All OK"


def test_bad_requests(fhir_client: TestClient) -> None:
    assert fhir_client.post("/fhir/$validate", content=b"", headers={"Content-Type": FHIR_JSON}).status_code == 400
    assert fhir_client.post("/fhir/$validate", content=b"{}", headers={"Content-Type": "text/plain"}).status_code == 415
    broken = fhir_client.post("/fhir/$validate", content=b'{"resourceType": ', headers={"Content-Type": FHIR_JSON})
    assert broken.status_code == 200
    assert broken.json()["issue"][0]["severity"] == "fatal"
    empty_param = parameters(("resource", {"valueString": "x"}))
    assert fhir_client.post("/fhir/$validate", json=empty_param, headers={"Content-Type": FHIR_JSON}).status_code == 400


def test_the_fhir_version_mime_parameter_picks_the_definitions(fhir_client: TestClient) -> None:
    """R4's MedicationStatement.medicationCodeableConcept is R5's `medication` (a CodeableReference)."""
    r4 = {
        "resourceType": "MedicationStatement",
        "status": "active",
        "medicationCodeableConcept": {"text": "naltrexone"},
        "subject": {"display": "a patient"},
    }
    as_r4 = fhir_client.post("/fhir/$validate", json=r4, headers={"Content-Type": f"{FHIR_JSON}; fhirVersion=4.0"})
    assert as_r4.status_code == 200
    assert [i for i in issues(as_r4.json()) if i[0] in ("error", "fatal")] == []
    as_r5 = fhir_client.post("/fhir/$validate", json=r4, headers={"Content-Type": FHIR_JSON})
    assert ("error", "structure", "MedicationStatement") in issues(as_r5.json())
    unknown = fhir_client.post("/fhir/$validate", json=r4, headers={"Content-Type": f"{FHIR_JSON}; fhirVersion=3.0"})
    assert unknown.status_code == 415
    assert unknown.json()["issue"][0]["code"] == "not-supported"
