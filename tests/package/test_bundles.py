"""The transaction Bundle loads every resource without duplicates: conditional creates, and updates by identifier."""

from __future__ import annotations

import json

from fhir.resources import get_fhir_model_class

from fhir_ldn.formats.xml import resource_from_xml
from fhir_ldn.jsonwalk import walk
from fhir_ldn.package.build import TRANSACTION_JSON, TRANSACTION_XML
from fhir_ldn.package.bundles import collection_bundle, full_url, transaction_bundle
from fhir_ldn.package.index import Package


def test_transaction_has_every_resource_once(package: Package) -> None:
    bundle = transaction_bundle(package)
    assert bundle["type"] == "transaction"
    assert sorted(e["fullUrl"] for e in bundle["entry"]) == sorted(full_url(package, r) for r in package)
    by_url = {full_url(package, r): r for r in package}
    for entry in bundle["entry"]:
        assert entry["resource"]["resourceType"] == by_url[entry["fullUrl"]]["resourceType"]


def test_conditional_create_on_url_and_version_update_on_identifier(package: Package) -> None:
    methods = set()
    for entry in transaction_bundle(package)["entry"]:
        resource, request = entry["resource"], entry["request"]
        methods.add(request["method"])
        if str(resource.get("url", "")).startswith(package.meta.canonical):
            assert request == {
                "method": "POST",
                "url": resource["resourceType"],
                "ifNoneExist": f"url={resource['url']}&version={resource['version']}",
            }
        elif "url" in resource:  # RxNorm/ATC fragments: never shadow a server's full code system
            assert request == {
                "method": "POST",
                "url": resource["resourceType"],
                "ifNoneExist": f"url={resource['url']}",
            }
        else:  # a newer package version replaces the content of what it finds by identifier
            ident = resource["identifier"][0]
            assert request == {
                "method": "PUT",
                "url": f"{resource['resourceType']}?identifier={ident['system']}|{ident['value']}",
            }
            assert "id" not in resource  # the server's id of the match is kept
    assert methods == {"POST", "PUT"}


def test_terminology_loads_before_artifacts(package: Package) -> None:
    types = [e["resource"]["resourceType"] for e in transaction_bundle(package)["entry"]]
    assert types.index("PlanDefinition") > max(i for i, t in enumerate(types) if t in ("CodeSystem", "ValueSet"))


def test_references_point_at_bundle_entries(package: Package) -> None:
    bundle = transaction_bundle(package)
    full_urls = {e["fullUrl"] for e in bundle["entry"]}
    refs = []
    for entry in bundle["entry"]:
        resource = entry["resource"]
        for path, key, value in walk(resource, resource["resourceType"]):
            if key == "reference" and not value.startswith("#"):
                refs.append(value)
                assert value in full_urls, f"{path}: {value}"
    assert refs, "the CUDs reference MedicinalProductDefinitions"


def test_transaction_does_not_modify_package(package: Package) -> None:
    transaction_bundle(package)
    cud = package.require("ClinicalUseDefinition", "undesirable-effect-ldn-gi-upset")
    assert cud["subject"][0]["reference"] == "MedicinalProductDefinition/low-dose-naltrexone"


def test_bundles_are_valid_r5(package: Package) -> None:
    bundle_model = get_fhir_model_class("Bundle")
    bundle_model.model_validate(transaction_bundle(package))
    bundle_model.model_validate(collection_bundle(package))


def test_xml_transaction_equals_json_transaction(artifacts: dict[str, bytes]) -> None:
    from_json = json.loads(artifacts[TRANSACTION_JSON])
    assert resource_from_xml("Bundle", artifacts[TRANSACTION_XML]) == from_json


def test_collection_uses_absolute_urls(package: Package) -> None:
    for entry in collection_bundle(package)["entry"]:
        r = entry["resource"]
        assert entry["fullUrl"] == f"{package.meta.canonical}/{r['resourceType']}/{r['id']}"
