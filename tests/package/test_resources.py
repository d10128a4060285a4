"""Every resource is valid R5 for fhir.resources and survives JSON -> XML -> JSON unchanged."""

from __future__ import annotations

import pytest
from fhir.resources import get_fhir_model_class
from lxml import etree

from fhir_ldn.formats.xml import resource_from_xml, resource_to_xml
from fhir_ldn.package.index import Package
from fhir_ldn.package.loader import load_package
from fhir_ldn.package.npm import implementation_guide

RESOURCES = [(r["resourceType"], r["id"]) for r in load_package()]


@pytest.fixture(params=RESOURCES, ids=[f"{t}/{i}" for t, i in RESOURCES])
def resource(request, package: Package):
    return package.require(*request.param)


def test_resource_parses_with_r5_model(resource) -> None:
    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    assert model.model_dump()["id"] == resource["id"]


def test_resource_round_trips_through_xml(resource) -> None:
    xml = resource_to_xml(resource)
    root = etree.fromstring(xml)
    assert root.tag == f"{{http://hl7.org/fhir}}{resource['resourceType']}"
    assert resource_from_xml(resource["resourceType"], xml) == resource


def test_canonical_resources_share_version_status_date(package: Package) -> None:
    ours = [r for r in package if str(r.get("url", "")).startswith(package.meta.canonical)]
    assert {r["version"] for r in ours} == {package.meta.version}
    assert {r["date"] for r in ours} == {package.meta.date}
    assert {r["status"] for r in ours} == {"draft"}


def test_implementation_guide_lists_every_resource(package: Package) -> None:
    ig = implementation_guide(package)
    get_fhir_model_class("ImplementationGuide").model_validate(ig)
    listed = {e["reference"]["reference"] for e in ig["definition"]["resource"]}
    assert listed == {f"{r['resourceType']}/{r['id']}" for r in package}
