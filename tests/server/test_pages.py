"""GET / and the pages: served from the rendered site with a strict CSP; unknown names get an OperationOutcome."""

from __future__ import annotations

import json

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from lxml import etree

from fhir_ldn.package.index import Package
from fhir_ldn.site.views import page_name
from server import errors
from server.app import create_app
from server.routes import pages
from server.state import AppState, Downloads


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


def test_read_overview(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.text == client.get("/index.html").text
    assert "<h1>" in response.text


def test_read_site_file_every_resource_page(client: TestClient, package: Package) -> None:
    for resource in package:
        response = client.get(f"/{page_name(resource)}")
        assert response.status_code == 200, page_name(resource)
        assert "<h1>" in response.text
    css = client.get("/site.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


def test_read_site_file_resource_json_and_xml(client: TestClient, package: Package) -> None:
    resource = package.require("ValueSet", "ssri")
    response = client.get("/ValueSet-ssri.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/fhir+json"
    assert json.loads(response.content) == resource
    xml = client.get("/ValueSet-ssri.xml")
    assert xml.status_code == 200
    assert etree.fromstring(xml.content).tag == "{http://hl7.org/fhir}ValueSet"
    assert 'href="downloads/package.tgz"' in client.get("/").text
    # the app serves GET /fhir/{type}/{id}, so the pages link there
    assert 'href="/fhir/ValueSet/ssri?_format=json"' in client.get("/ValueSet-ssri.html").text
    assert client.get("/fhir/ValueSet/ssri?_format=json").json() == resource


@pytest.mark.parametrize("name", ["nothing.html", "ValueSet-unknown.json", "Unknown-ssri.xml", "ValueSet.json"])
def test_read_site_file_unknown_is_404_outcome(client: TestClient, name: str) -> None:
    response = client.get(f"/{name}")
    assert response.status_code == 404
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "not-found"


@pytest.mark.parametrize("path", ["cds-services", "metadata", "health", "fhir/ValueSet/ssri", "a/b.html"])
def test_site_file_convertor_matches_only_flat_file_names(path: str) -> None:
    import re

    assert re.fullmatch(pages.SiteFileConvertor.regex, path) is None


def _app_with(routers: list[APIRouter], package: Package) -> FastAPI:
    from fhir_ldn.config import Settings

    app = FastAPI()
    app.state.fhir_ldn = AppState(settings=Settings(), package=package, downloads=Downloads({}, {}))
    errors.install(app)
    for router in routers:
        app.include_router(router)
    return app


def test_pages_router_does_not_shadow_later_routes(package: Package) -> None:
    later = APIRouter()

    @later.get("/cds-services")
    def discovery() -> dict[str, list[str]]:
        return {"services": []}

    with TestClient(_app_with([pages.router, later], package)) as c:
        assert c.get("/cds-services").json() == {"services": []}
        assert c.get("/").status_code == 200


def test_pages_link_to_fhir_read_route_when_served(package: Package) -> None:
    fhir = APIRouter()

    @fhir.get("/fhir/{resource_type}/{resource_id}")
    def read(resource_type: str, resource_id: str) -> dict[str, str]:
        return {"resourceType": resource_type, "id": resource_id}

    with TestClient(_app_with([fhir, pages.router], package)) as c:
        page = c.get("/ValueSet-ssri.html").text
        assert 'href="/fhir/ValueSet/ssri?_format=json"' in page
        assert 'href="/fhir/ValueSet/ssri?_format=xml"' in page
        assert c.get("/ValueSet-ssri.json").status_code == 200  # the static-site name works too
    with TestClient(_app_with([pages.router], package)) as c:
        assert 'href="ValueSet-ssri.json"' in c.get("/ValueSet-ssri.html").text
