"""Every document of tests/data/xml-attacks posted to every endpoint that accepts FHIR XML: refused, quickly.

The endpoints are read from the app's OpenAPI document (every POST with an `application/fhir+xml` body, path
parameters filled with an id the package holds), so an operation added later is attacked too. Each answer
must come within a generous bound (a hang or an entity expansion would take far longer), be an
OperationOutcome with a 4xx status (413 for the document over the body limit) and never carry the secret
file's content; the canary server must never be called. `$validate` reports any content in a 200
OperationOutcome by contract: there a fatal or error issue is required instead.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fhir_ldn.config import Settings
from server.app import create_app
from tests.formats.xml_attacks import SECRET, CanaryServer, attack_document, attack_names

FHIR_XML = "application/fhir+xml"
SECONDS_PER_REQUEST = 3.0  # a safety bound against hangs, not a performance target


def xml_endpoints(document: dict[str, Any]) -> list[str]:
    """A concrete URL for every POST operation that takes a FHIR XML body."""
    urls = []
    for path, operations in document["paths"].items():
        post = operations.get("post")
        if post is None or FHIR_XML not in post.get("requestBody", {}).get("content", {}):
            continue
        for parameter in post.get("parameters", []):
            if parameter["in"] == "path":
                value = (parameter["schema"].get("enum") or ["Patient"])[0]
                path = path.replace("{" + parameter["name"] + "}", value)
        urls.append(path)
    return urls


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(data_dir=tmp_path_factory.mktemp("xml-attacks")))) as c:
        yield c


@pytest.fixture(scope="module")
def secret_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    secret: Path = tmp_path_factory.mktemp("secret") / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    return secret.as_uri()


def test_the_attacked_endpoints_include_every_xml_operation(client: TestClient) -> None:
    urls = xml_endpoints(client.app.openapi())  # type: ignore[attr-defined]
    assert {"/fhir/ValueSet/$validate-code", "/fhir/ValueSet/$expand", "/fhir/$validate"} <= set(urls)
    assert any(url.endswith("/$apply") for url in urls)
    assert len(urls) >= 16


@pytest.mark.parametrize("name", attack_names())
def test_attack_is_refused_everywhere(client: TestClient, secret_url: str, name: str) -> None:
    urls = xml_endpoints(client.app.openapi())  # type: ignore[attr-defined]
    with CanaryServer() as canary:
        body = attack_document(name, secret_url, canary.url)
        for url in urls:
            started = time.monotonic()
            response = client.post(url, content=body, headers={"Content-Type": FHIR_XML, "Accept": FHIR_XML})
            assert time.monotonic() - started < SECONDS_PER_REQUEST, url
            assert SECRET not in response.text, url
            assert response.headers["content-type"].startswith(FHIR_XML), url
            outcome = response.text
            assert "<OperationOutcome" in outcome, (url, outcome[:300])
            if name == "huge-attribute":
                assert response.status_code == 413, url
            elif url.endswith("/$validate") and response.status_code == 200:
                assert '<severity value="fatal"/>' in outcome or '<severity value="error"/>' in outcome, url
            else:
                assert 400 <= response.status_code < 500, (url, response.status_code, outcome[:300])
        assert canary.requests == [], name
