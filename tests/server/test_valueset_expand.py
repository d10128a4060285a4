"""ValueSet/$expand over HTTP: GET and POST, type and instance level, JSON and XML, errors."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from fhir_ldn.formats.xml import resource_to_xml
from fhir_ldn.package.index import Package
from tests.server.conftest import FHIR_JSON, from_xml, parameters

VS = "https://fhir-ldn.github.io/fhir/ValueSet/"
CS = "http://example.org/fhir/CodeSystem/http-test"
TEST_CS: dict[str, Any] = {
    "resourceType": "CodeSystem",
    "url": CS,
    "status": "active",
    "content": "complete",
    "concept": [{"code": "a", "display": "A"}, {"code": "b", "display": "B"}],
}
TEST_VS: dict[str, Any] = {
    "resourceType": "ValueSet",
    "url": "http://example.org/fhir/ValueSet/http-test",
    "status": "active",
    "compose": {"include": [{"system": CS}]},
}


def test_get_by_url_and_instance_give_the_same_members(fhir_client: TestClient, package: Package) -> None:
    by_url = fhir_client.get("/fhir/ValueSet/$expand", params={"url": VS + "ssri"})
    assert by_url.status_code == 200
    expansion = by_url.json()["expansion"]
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", expansion["identifier"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", expansion["timestamp"])
    instance = fhir_client.get("/fhir/ValueSet/ssri/$expand").json()["expansion"]
    assert [c["code"] for c in instance["contains"]] == [c["code"] for c in expansion["contains"]]
    assert expansion["total"] == len(expansion["contains"])
    assert (
        fhir_client.post(
            "/fhir/ValueSet/ssri/$expand",
            json=parameters(("count", {"valueInteger": 2})),
            headers={"Content-Type": FHIR_JSON},
        ).json()["expansion"]["offset"]
        == 0
    )


def test_post_with_tx_resources_applies_to_that_request_only(fhir_client: TestClient) -> None:
    body = parameters(
        ("url", {"valueUri": TEST_VS["url"]}),
        ("tx-resource", {"resource": TEST_CS}),
        ("tx-resource", {"resource": TEST_VS}),
    )
    response = fhir_client.post("/fhir/ValueSet/$expand", json=body, headers={"Content-Type": FHIR_JSON})
    assert response.status_code == 200
    assert [c["code"] for c in response.json()["expansion"]["contains"]] == ["a", "b"]
    later = fhir_client.get("/fhir/ValueSet/$expand", params={"url": TEST_VS["url"]})
    assert later.status_code == 404


def test_xml_in_and_out(fhir_client: TestClient) -> None:
    body = resource_to_xml(
        parameters(
            ("valueSet", {"resource": TEST_VS}),
            ("tx-resource", {"resource": TEST_CS}),
            ("filter", {"valueString": "b"}),
        )
    )
    xml = {"Content-Type": "application/fhir+xml", "Accept": "application/fhir+xml"}
    response = fhir_client.post("/fhir/ValueSet/$expand", content=body, headers=xml)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+xml")
    expansion = from_xml(response.content)["expansion"]
    assert expansion["total"] == 1
    assert expansion["contains"][0]["code"] == "b"


def test_errors_have_the_right_status(fhir_client: TestClient) -> None:
    unknown = fhir_client.get("/fhir/ValueSet/$expand", params={"url": VS + "missing"})
    assert unknown.status_code == 404
    issue = unknown.json()["issue"][0]
    assert issue["code"] == "not-found"
    assert issue["details"]["coding"][0]["code"] == "not-found"
    assert fhir_client.get("/fhir/ValueSet/$expand").status_code == 400
    assert fhir_client.get("/fhir/ValueSet/$expand", params={"url": VS + "ssri", "count": "x"}).status_code == 400
    assert fhir_client.get("/fhir/ValueSet/missing/$expand").status_code == 404
    broken = {**TEST_VS, "compose": {"include": [{"system": CS, "filter": [{"property": "concept", "op": "is-a"}]}]}}
    body = parameters(("valueSet", {"resource": broken}), ("tx-resource", {"resource": TEST_CS}))
    unprocessable = fhir_client.post("/fhir/ValueSet/$expand", json=body, headers={"Content-Type": FHIR_JSON})
    assert unprocessable.status_code == 422
    assert "has no value" in unprocessable.json()["issue"][0]["details"]["text"]
    wrong_type = fhir_client.post("/fhir/ValueSet/$expand", content=b"url=x", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    not_parameters = fhir_client.post("/fhir/ValueSet/$expand", json=TEST_VS, headers={"Content-Type": FHIR_JSON})
    assert not_parameters.status_code == 400
    malformed = fhir_client.post("/fhir/ValueSet/$expand", content=b"{", headers={"Content-Type": FHIR_JSON})
    assert malformed.status_code == 400
