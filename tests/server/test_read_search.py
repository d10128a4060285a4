"""Read and search of the package's resources under /fhir, JSON and XML, and the importable Bundles."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from fhir_ldn.package.bundles import transaction_bundle
from fhir_ldn.package.index import Package
from tests.server.conftest import from_xml


@pytest.mark.parametrize(
    ("rtype", "rid"),
    [
        ("ValueSet", "ssri"),
        ("PlanDefinition", "ldn-ssri-cds"),
        ("ClinicalUseDefinition", "interaction-ldn-ssri-serotonin-syndrome"),
        ("Citation", "kim-ldn-ssri-article"),
    ],
)
def test_read_returns_the_package_resource(fhir_client: TestClient, package: Package, rtype: str, rid: str) -> None:
    response = fhir_client.get(f"/fhir/{rtype}/{rid}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    assert response.json() == package.require(rtype, rid)


def test_read_as_xml(fhir_client: TestClient, package: Package) -> None:
    response = fhir_client.get("/fhir/ValueSet/naltrexone", headers={"Accept": "application/fhir+xml"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+xml")
    assert from_xml(response.content)["compose"] == package.require("ValueSet", "naltrexone")["compose"]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/fhir/ValueSet/unknown", 404, "not-found"),
        ("/fhir/Patient/example", 404, "not-found"),
        ("/fhir/Patient", 404, "not-found"),
        ("/fhir/ValueSet/bad%20id", 400, "invalid"),
        ("/fhir/ValueSet/$nonsense", 404, "not-found"),
        ("/fhir/ValueSet?colour=red", 400, "invalid"),
        ("/fhir/ValueSet?name:below=x", 400, "invalid"),
        ("/fhir/ValueSet?_count=many", 400, "invalid"),
        ("/fhir/ValueSet?url=", 400, "invalid"),
        ("/fhir/ValueSet/ssri?_format=pdf", 400, "invalid"),
    ],
)
def test_errors_are_operation_outcomes(fhir_client: TestClient, path: str, status: int, code: str) -> None:
    response = fhir_client.get(path)
    assert response.status_code == status
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == code


def test_search_by_url_version_name_and_status(fhir_client: TestClient, package: Package) -> None:
    ssri = package.require("ValueSet", "ssri")
    by_url = fhir_client.get("/fhir/ValueSet", params={"url": ssri["url"], "version": ssri["version"]}).json()
    assert by_url["type"] == "searchset"
    assert by_url["total"] == 1
    assert by_url["entry"][0]["resource"] == ssri
    assert by_url["entry"][0]["fullUrl"].endswith("/fhir/ValueSet/ssri")
    assert by_url["entry"][0]["search"] == {"mode": "match"}
    by_name = fhir_client.get("/fhir/ValueSet", params={"name": "ssri"}).json()  # prefix, any case
    assert sorted(e["resource"]["id"] for e in by_name["entry"]) == [
        "ssri",
        "ssri-atc",
        "ssri-endorphin-blunting-examples",
        "ssri-rxnorm",
    ]
    exact = fhir_client.get("/fhir/ValueSet", params={"name:exact": "Ssri"}).json()
    assert [e["resource"]["id"] for e in exact["entry"]] == ["ssri"]
    active = fhir_client.get("/fhir/CodeSystem", params={"status": "active"}).json()
    assert sorted(e["resource"]["id"] for e in active["entry"]) == ["atc-fragment", "rxnorm-fragment"]
    none = fhir_client.get("/fhir/ValueSet", params={"url": "http://example.org/none"}).json()
    assert none["total"] == 0
    assert "entry" not in none


def test_search_pages_with_count_offset_and_next_links(fhir_client: TestClient, package: Package) -> None:
    first = fhir_client.get("/fhir/ValueSet", params={"_count": 3}).json()
    assert first["total"] == len(package.of_type("ValueSet"))
    assert len(first["entry"]) == 3
    next_url = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = fhir_client.get(next_url).json()
    ids = [e["resource"]["id"] for e in first["entry"] + second["entry"]]
    assert len(ids) == len(set(ids)) == 6
    summary = fhir_client.get("/fhir/ValueSet", params={"_count": 0}).json()
    assert summary["total"] == first["total"]
    assert "entry" not in summary


def test_clinical_use_definitions_by_subject_and_type(fhir_client: TestClient) -> None:
    ldn = fhir_client.get(
        "/fhir/ClinicalUseDefinition",
        params={"subject": "MedicinalProductDefinition/naltrexone-50mg-oral-tablet", "type": "interaction"},
    ).json()
    assert sorted(e["resource"]["id"] for e in ldn["entry"]) == [
        "interaction-naltrexone-50mg-sertraline",
        "interaction-naltrexone-ssri-pharmacokinetics",
    ]
    warnings = fhir_client.get("/fhir/ClinicalUseDefinition", params={"type": "warning,undesirable-effect"}).json()
    assert warnings["total"] == 3
    drafts = fhir_client.get("/fhir/ClinicalUseDefinition", params={"status": "draft"}).json()
    assert drafts["total"] == 11


def test_the_transaction_bundle_is_served_for_import(fhir_client: TestClient, package: Package) -> None:
    expected = transaction_bundle(package)
    read = fhir_client.get(f"/fhir/Bundle/{expected['id']}")
    assert read.status_code == 200
    assert read.json() == expected
    found = fhir_client.get("/fhir/Bundle", params={"type": "transaction"}).json()
    assert [e["resource"]["id"] for e in found["entry"]] == [expected["id"]]
    xml = fhir_client.get(f"/fhir/Bundle/{expected['id']}", params={"_format": "xml"})
    assert from_xml(xml.content)["entry"][0]["request"] == expected["entry"][0]["request"]


def test_search_results_as_xml(fhir_client: TestClient) -> None:
    response = fhir_client.get("/fhir/ConceptMap", params={"_format": "application/fhir+xml"})
    bundle = from_xml(response.content)
    assert bundle["type"] == "searchset"
    assert bundle["entry"][0]["resource"]["resourceType"] == "ConceptMap"
