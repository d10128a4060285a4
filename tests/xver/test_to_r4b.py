"""R5 -> R4B: every resource parses with fhir.resources' R4B models (a second opinion), and the reshaped elements."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from fhir_ldn.package.index import Package
from fhir_ldn.xver.package import convert_resources
from fhir_ldn.xver.targets import R4B


@pytest.fixture(scope="module")
def r4b(package: Package) -> dict[str, dict[str, Any]]:
    resources, _ = convert_resources(package, R4B)
    return {f"{r['resourceType']}/{r['id']}": r for r in resources}


def test_every_resource_parses_with_the_r4b_models(r4b: dict[str, dict[str, Any]], package: Package) -> None:
    others = [k for k in r4b if not k.startswith("StructureDefinition/")]
    assert len(others) == len([r for r in package if r["resourceType"] != "StructureDefinition"])
    definitions = {r["url"] for k, r in r4b.items() if k.startswith("StructureDefinition/")}
    own_extensions = {r["url"] for r in package.of_type("StructureDefinition") if r["type"] == "Extension"}
    assert package.meta.canonical + "/StructureDefinition/clinical-use-evidence" in own_extensions
    assert {u for u in definitions if "/5.0/" not in u} == own_extensions  # the resource profiles stay R5-only
    for key, resource in r4b.items():
        model = get_fhir_model_class(resource["resourceType"])
        model.model_validate(resource)  # raises on any element R4B does not define or types differently
        assert "meta" not in resource or not any("fhir-ldn" in p for p in resource["meta"].get("profile", [])), key


def test_the_r4b_models_reject_the_r5_form(package: Package) -> None:
    """The second opinion can fail: the unconverted R5 PlanDefinition is not R4B."""
    with pytest.raises(ValueError, match="validation error"):
        get_fhir_model_class("PlanDefinition").model_validate(package.require("PlanDefinition", "ldn-ssri-cds"))


def test_citation_relates_to_becomes_relationship_type_and_target(r4b: dict[str, dict[str, Any]]) -> None:
    relates = r4b["Citation/kim-ldn-ssri-article"]["citedArtifact"]["relatesTo"][0]
    assert relates["relationshipType"]["coding"][0]["code"] == "cites"
    assert relates["targetUri"].endswith("/Citation/mischoulon-2017")
    labels = [e["valueString"] for e in relates["extension"] if e["url"].endswith("relatesTo.label")]
    assert labels == ["R1"]


def test_plan_definition_inputs_are_data_requirements(r4b: dict[str, dict[str, Any]], package: Package) -> None:
    r5_action = package.require("PlanDefinition", "ldn-ssri-cds")["action"][0]
    action = r4b["PlanDefinition/ldn-ssri-cds"]["action"][0]
    assert [i["type"] for i in action["input"]] == [i["requirement"]["type"] for i in r5_action["input"]]
    titles = [e["valueString"] for i in action["input"] for e in i["extension"]]
    assert titles == [i["title"] for i in r5_action["input"]]
    assert action["action"][0]["code"] == [r5_action["action"][0]["code"]]  # 0..1 in R5, 0..* in R4B


def test_concept_map_relationship_becomes_equivalence(r4b: dict[str, dict[str, Any]], package: Package) -> None:
    r5 = package.require("ConceptMap", "rxnorm-ingredient-to-atc")
    converted = r4b["ConceptMap/rxnorm-ingredient-to-atc"]
    r5_targets = [t for e in r5["group"][0]["element"] for t in e["target"]]
    targets = [t for e in converted["group"][0]["element"] for t in e["target"]]
    assert [t["code"] for t in targets] == [t["code"] for t in r5_targets]
    assert {t["relationship"] for t in r5_targets} == {"equivalent"}
    assert {t["equivalence"] for t in targets} == {"equivalent"}
    assert converted["sourceUri"] == r5["sourceScopeUri"]


def test_xml_bundles_round_trip_in_each_version(package: Package) -> None:
    """The R4B and R4 Bundles as XML (written with that version's element order) read back to the same JSON."""
    import json

    from fhir_ldn.formats.xml_read import read_xml
    from fhir_ldn.package.build import (
        COLLECTION_JSON,
        COLLECTION_XML,
        TRANSACTION_JSON,
        TRANSACTION_XML,
        build_artifacts,
    )
    from fhir_ldn.xver.definitions import target_model
    from fhir_ldn.xver.targets import R4

    for target in (R4B, R4):
        artifacts = build_artifacts(package, target)
        assert artifacts == build_artifacts(package, target)  # deterministic
        for xml_name, json_name in ((TRANSACTION_XML, TRANSACTION_JSON), (COLLECTION_XML, COLLECTION_JSON)):
            document = read_xml(artifacts[xml_name], model=target_model(target))
            assert document.problems == []
            assert document.resource == json.loads(artifacts[json_name])


def test_a_primitive_extension_the_conversion_cannot_carry_is_an_error(package: Package) -> None:
    from fhir_ldn.xver.convert import ConversionError
    from fhir_ldn.xver.package import converter

    plan = dict(package.require("PlanDefinition", "ldn-ssri-cds"))
    kept = converter(package, R4B).resource({**plan, "_title": {"id": "t1"}})
    assert kept["_title"] == {"id": "t1"}  # copied with its element
    concept_map = dict(package.require("ConceptMap", "rxnorm-ingredient-to-atc"))
    with pytest.raises(ConversionError, match="_sourceScopeUri"):
        converter(package, R4B).resource({**concept_map, "_sourceScopeUri": {"id": "s1"}})  # renamed by a rule
