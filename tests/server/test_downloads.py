"""The service serves the built package and answers errors with OperationOutcomes."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from server.app import create_app


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


def test_read_health(client: TestClient, package) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "package": "fhir-ldn.ldn-ssri",
        "version": "0.1.0",
        "resources": len(package),
    }


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("package.tgz", "application/gzip"),
        ("bundle-transaction.json", "application/fhir+json"),
        ("bundle-transaction.xml", "application/fhir+xml"),
        ("bundle-collection.json", "application/fhir+json"),
    ],
)
def test_download_matches_build(client: TestClient, artifacts, name: str, media_type: str) -> None:
    response = client.get(f"/downloads/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.content == artifacts[name]
    assert client.head(f"/downloads/{name}").status_code == 200


def test_unknown_path_is_operation_outcome(client: TestClient) -> None:
    response = client.get("/downloads/nothing.json")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/fhir+json")
    body = json.loads(response.content)
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "not-found"


def test_wrong_method_is_operation_outcome(client: TestClient) -> None:
    response = client.post("/downloads/package.tgz")
    assert response.status_code == 405
    assert response.json()["issue"][0]["code"] == "not-supported"
