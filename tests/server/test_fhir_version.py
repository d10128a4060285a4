"""The fhirVersion MIME parameter (FHIR http.html#version-parameter): /fhir read/search, metadata, /downloads."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.app import create_app

R4 = {"Accept": "application/fhir+json; fhirVersion=4.0"}
R4B_XML = {"Accept": "application/fhir+xml; fhirVersion=4.3"}


@pytest.fixture(scope="module")
def client() -> Any:
    with TestClient(create_app()) as c:
        yield c


def test_r5_by_default_and_r4_on_request(client: TestClient) -> None:
    r5 = client.get("/fhir/PlanDefinition/ldn-ssri-cds")
    assert r5.headers["content-type"] == "application/fhir+json"
    assert isinstance(r5.json()["action"][0]["code"], dict)
    r4 = client.get("/fhir/PlanDefinition/ldn-ssri-cds", headers=R4)
    assert r4.status_code == 200
    assert r4.headers["content-type"] == "application/fhir+json; fhirVersion=4.0"
    assert isinstance(r4.json()["action"][0]["code"], list)
    assert "meta" not in r4.json()  # our R5 profiles are not claimed


def test_r4b_xml(client: TestClient) -> None:
    response = client.get("/fhir/Citation/morken-2019", headers=R4B_XML)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/fhir+xml; fhirVersion=4.3"
    assert b"<publicationDateText" not in response.content  # an R5-only element, carried in an extension
    assert b"extension-Citation.citedArtifact.publicationForm" in response.content


def test_r4_search_serves_r4_types(client: TestClient) -> None:
    found = client.get("/fhir/MedicinalProductInteraction", headers=R4).json()
    assert found["total"] == 4
    assert client.get("/fhir/ClinicalUseDefinition", headers=R4).status_code == 404
    assert client.get("/fhir/MedicinalProductInteraction").status_code == 404  # not an R5 type


def test_a_version_not_served_is_406(client: TestClient) -> None:
    response = client.get(
        "/fhir/PlanDefinition/ldn-ssri-cds", headers={"Accept": "application/fhir+json; fhirVersion=3.0"}
    )
    assert response.status_code == 406
    assert response.json()["resourceType"] == "OperationOutcome"
    both = {"Accept": "application/fhir+json; fhirVersion=3.0, application/fhir+json; fhirVersion=4.3"}
    assert client.get("/fhir/PlanDefinition/ldn-ssri-cds", headers=both).headers["content-type"].endswith("4.3")


def test_metadata_and_versions(client: TestClient) -> None:
    assert client.get("/fhir/metadata").json()["fhirVersion"] == "5.0.0"
    r4 = client.get("/fhir/metadata", headers=R4).json()
    assert r4["fhirVersion"] == "4.0.1"
    types = {r["type"] for r in r4["rest"][0]["resource"]}
    assert {"MedicinalProductInteraction", "Basic"} <= types
    assert "Citation" not in types
    versions = client.get("/fhir/$versions").json()["parameter"]
    assert [p["valueCode"] for p in versions if p["name"] == "version"] == ["4.0", "4.3", "5.0"]


def test_downloads_in_a_version(client: TestClient) -> None:
    response = client.get("/downloads/package.tgz", headers={"Accept": "application/gzip; fhirVersion=4.0"})
    assert response.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(response.content))) as tar:
        member = tar.extractfile("package/package.json")
        assert member is not None
        meta = json.load(member)
    assert meta["fhirVersions"] == ["4.0.1"]
    assert meta["dependencies"] == {"hl7.fhir.r4.core": "4.0.1", "hl7.terminology.r4": "7.0.1"}
    r4b = client.get("/downloads/bundle-transaction.json", headers={"Accept": "*/*; fhirVersion=4.3"}).json()
    r5 = client.get("/downloads/bundle-transaction.json").json()
    types = {e["resource"]["resourceType"] for e in r4b["entry"]}
    assert types == {e["resource"]["resourceType"] for e in r5["entry"]}  # R4B has every R5 type of the package
    assert r4b != r5


def test_without_the_core_package_a_version_is_503_never_a_download(
    client: TestClient, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FHIR_PACKAGE_CACHE", str(tmp_path))  # empty: no R4 core, and nothing may be fetched
    response = client.get("/fhir/PlanDefinition/ldn-ssri-cds", headers=R4)
    assert response.status_code == 503
    assert "fhir-ldn setup" in response.json()["issue"][0]["details"]["text"]
