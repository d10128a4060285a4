"""JSON/XML negotiation for FHIR endpoints, exercised through a tiny echo app."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.testclient import TestClient
from lxml import etree

from server import errors
from server.negotiation import fhir_response, read_resource

PATIENT_XML = b'<Patient xmlns="http://hl7.org/fhir"><id value="p1"/><gender value="female"/></Patient>'


@pytest.fixture(scope="module")
def client() -> Any:
    app = FastAPI()
    errors.install(app)

    @app.post("/fhir/echo")
    async def echo(request: Request) -> Response:
        return fhir_response(await read_resource(request), request)

    with TestClient(app) as c:
        yield c


def test_json_in_json_out(client: TestClient) -> None:
    response = client.post(
        "/fhir/echo", json={"resourceType": "Patient", "id": "p1"}, headers={"Content-Type": "application/fhir+json"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/fhir+json"
    assert response.json() == {"resourceType": "Patient", "id": "p1"}


@pytest.mark.parametrize(
    "how",
    [
        {"params": {"_format": "xml"}},
        {"headers": {"Accept": "application/fhir+xml"}},
        {"params": {"_format": "application/fhir+xml"}},
    ],
)
def test_xml_in_xml_out(client: TestClient, how: dict[str, Any]) -> None:
    headers = {"Content-Type": "application/fhir+xml", **how.get("headers", {})}
    response = client.post("/fhir/echo", content=PATIENT_XML, headers=headers, params=how.get("params"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/fhir+xml"
    root = etree.fromstring(response.content)
    assert root.tag == "{http://hl7.org/fhir}Patient"
    gender = root.find("{http://hl7.org/fhir}gender")
    assert gender is not None
    assert gender.get("value") == "female"


def test_format_param_beats_accept(client: TestClient) -> None:
    response = client.post(
        "/fhir/echo",
        content=PATIENT_XML,
        params={"_format": "json"},
        headers={"Content-Type": "application/fhir+xml", "Accept": "application/fhir+xml"},
    )
    assert response.json() == {"resourceType": "Patient", "id": "p1", "gender": "female"}


@pytest.mark.parametrize(
    ("content", "content_type", "status", "text"),
    [
        (b"{not json", "application/fhir+json", 400, "malformed JSON"),
        (b"[1]", "application/json", 400, "not a FHIR resource"),
        (b"", "application/fhir+json", 400, "empty"),
        (b"<Patient", "application/fhir+xml", 400, "malformed XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<Patient xmlns="http://hl7.org/fhir"><id value="&x;"/></Patient>',
            "application/fhir+xml",
            400,
            "XML",
        ),
        (b"a=b", "application/x-www-form-urlencoded", 415, "unsupported Content-Type"),
    ],
)
def test_bad_bodies_get_operation_outcome(
    client: TestClient, content: bytes, content_type: str, status: int, text: str
) -> None:
    response = client.post("/fhir/echo", content=content, headers={"Content-Type": content_type})
    assert response.status_code == status
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert text in body["issue"][0]["details"]["text"]
    assert "root:" not in response.text  # no external entity was ever read


def test_error_in_xml_when_asked(client: TestClient) -> None:
    response = client.post(
        "/fhir/echo", content=b"{", params={"_format": "xml"}, headers={"Content-Type": "application/fhir+json"}
    )
    assert response.status_code == 400
    assert etree.fromstring(response.content).tag == "{http://hl7.org/fhir}OperationOutcome"


def test_bad_format_param_answered_in_json(client: TestClient) -> None:
    response = client.post(
        "/fhir/echo",
        json={"resourceType": "Patient"},
        params={"_format": "yaml"},
        headers={"Content-Type": "application/fhir+json"},
    )
    assert response.status_code == 400
    assert "unsupported _format" in response.json()["issue"][0]["details"]["text"]


def test_json_is_compact_unless_pretty_is_asked_for(client: TestClient) -> None:
    body = {"resourceType": "Patient", "id": "p1"}
    headers = {"Content-Type": "application/fhir+json"}
    compact = client.post("/fhir/echo", json=body, headers=headers)
    assert compact.content == b'{"resourceType":"Patient","id":"p1"}'
    pretty = client.post("/fhir/echo?_pretty=true", json=body, headers=headers)
    assert pretty.content.startswith(b'{\n  "resourceType": "Patient"')
    assert pretty.json() == body


def test_a_result_that_is_not_valid_r5_cannot_become_xml_and_says_so(client: TestClient) -> None:
    not_r5 = {"resourceType": "Patient", "id": "p1", "colour": "red"}
    response = client.post("/fhir/echo?_format=xml", json=not_r5, headers={"Content-Type": "application/fhir+json"})
    assert response.status_code == 422
    assert b"cannot be written as FHIR XML" in response.content


def test_json_nested_too_deeply_is_a_bad_request(client: TestClient) -> None:
    body = b'{"resourceType":"Patient","extension":' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = client.post("/fhir/echo", content=body, headers={"Content-Type": "application/fhir+json"})
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["issue"][0]["details"]["text"]
