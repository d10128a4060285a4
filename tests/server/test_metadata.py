"""GET /fhir/metadata (CapabilityStatement, TerminologyCapabilities) and $versions."""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from fhir_ldn.package.index import Package
from server import routes
from server.app import create_app
from tests.server.conftest import from_xml, values


def test_capability_statement_lists_what_is_served(fhir_client: TestClient, package: Package) -> None:
    statement = fhir_client.get("/fhir/metadata").json()
    assert statement["resourceType"] == "CapabilityStatement"
    assert statement["fhirVersion"] == "5.0.0"
    assert statement["kind"] == "instance"
    assert "http://hl7.org/fhir/CapabilityStatement/terminology-server" in statement["instantiates"]
    rest = statement["rest"][0]
    resources = {r["type"]: r for r in rest["resource"]}
    assert set(resources) == {r["resourceType"] for r in package} | {"Bundle"}
    operations = {t: sorted(o["name"] for o in r.get("operation", [])) for t, r in resources.items()}
    assert operations["ValueSet"] == ["batch-validate-code", "expand", "validate", "validate-code"]
    assert operations["CodeSystem"] == ["lookup", "subsumes", "validate", "validate-code"]
    assert operations["ConceptMap"] == ["translate", "validate"]
    assert operations["PlanDefinition"] == ["apply", "validate"]
    assert operations["ActivityDefinition"] == ["apply", "validate"]
    apply = next(o for o in resources["PlanDefinition"]["operation"] if o["name"] == "apply")
    assert apply["definition"] == "http://hl7.org/fhir/OperationDefinition/PlanDefinition-apply"
    expand = next(o for o in resources["ValueSet"]["operation"] if o["name"] == "expand")
    assert expand["definition"] == "http://hl7.org/fhir/OperationDefinition/ValueSet-expand"
    assert {p["name"] for p in resources["ClinicalUseDefinition"]["searchParam"]} >= {"subject", "type", "status"}
    assert [o["name"] for o in rest["operation"]] == ["validate", "versions"]


def test_a_router_registered_later_appears_in_the_statement(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = APIRouter(prefix="/fhir")

    @extra.post("/{resource_type}/$validate", openapi_extra={"x-fhir-operation-definition": "http://example.org/OD"})
    def validate(resource_type: str) -> dict[str, str]:
        return {}

    monkeypatch.setattr(routes, "ROUTERS", [*routes.ROUTERS, extra])
    with TestClient(create_app()) as client:
        statement = client.get("/fhir/metadata").json()
    for resource in statement["rest"][0]["resource"]:
        assert {"name": "validate", "definition": "http://example.org/OD"} in resource["operation"]


def test_terminology_capabilities(fhir_client: TestClient, package: Package) -> None:
    caps = fhir_client.get("/fhir/metadata", params={"mode": "terminology"}).json()
    assert caps["resourceType"] == "TerminologyCapabilities"
    assert {c["uri"] for c in caps["codeSystem"]} == {r["url"] for r in package.of_type("CodeSystem")}
    assert {c["uri"]: c["content"] for c in caps["codeSystem"]}["http://www.nlm.nih.gov/research/umls/rxnorm"] == (
        "fragment"
    )
    names = {p["name"] for p in caps["expansion"]["parameter"]}
    assert {"count", "offset", "filter", "activeOnly", "tx-resource", "displayLanguage"} <= names


def test_metadata_as_xml_and_bad_mode(fhir_client: TestClient) -> None:
    xml = fhir_client.get("/fhir/metadata", params={"mode": "terminology", "_format": "xml"})
    assert xml.status_code == 200
    assert from_xml(xml.content)["resourceType"] == "TerminologyCapabilities"
    statement = from_xml(fhir_client.get("/fhir/metadata", headers={"Accept": "application/fhir+xml"}).content)
    assert statement["fhirVersion"] == "5.0.0"
    bad = fhir_client.get("/fhir/metadata", params={"mode": "everything"})
    assert bad.status_code == 400
    assert bad.json()["resourceType"] == "OperationOutcome"


def test_versions(fhir_client: TestClient) -> None:
    assert values(fhir_client.get("/fhir/$versions").json()) == {"version": "5.0", "default": "5.0"}
