"""A TestClient over the app, shared by the FHIR endpoint tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fhir_ldn.formats.xml import parse_xml_resource
from server.app import create_app
from tests.server.databases import postgres_cluster  # noqa: F401 - the session's PostgreSQL, started on first use

FHIR_JSON = "application/fhir+json"


@pytest.fixture(scope="session")
def fhir_client() -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        yield client


def parameters(*items: tuple[str, Any]) -> dict[str, Any]:
    """A Parameters resource from (name, {valueX: ...} or {"resource": ...}) pairs."""
    return {"resourceType": "Parameters", "parameter": [{"name": name, **value} for name, value in items]}


def values(resource: dict[str, Any]) -> dict[str, Any]:
    """Parameters as {name: first value}."""
    out: dict[str, Any] = {}
    for p in resource["parameter"]:
        value = next((v for k, v in p.items() if k.startswith("value") or k in ("resource", "part")), None)
        out.setdefault(p["name"], value)
    return out


def from_xml(content: bytes) -> dict[str, Any]:
    return parse_xml_resource(content)
