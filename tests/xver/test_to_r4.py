"""R5 -> R4: structure against the R4 StructureDefinitions; ClinicalUseDefinition, Citation and
MedicinalProductDefinition become what R4 has, with nothing clinical lost."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fhir_ldn.constants import DOI
from fhir_ldn.package.index import Package
from fhir_ldn.xver.convert import XVER_EXTENSION
from fhir_ldn.xver.definitions import target_definitions, target_model
from fhir_ldn.xver.package import convert_resources
from fhir_ldn.xver.structure import StructureChecker
from fhir_ldn.xver.targets import R4, R4B


@pytest.fixture(scope="module")
def r4(package: Package) -> dict[str, dict[str, Any]]:
    resources, _ = convert_resources(package, R4)
    return {f"{r['resourceType']}/{r['id']}": r for r in resources}


@pytest.mark.parametrize("target", [R4, R4B], ids=["R4", "R4B"])
def test_every_resource_is_structurally_valid(package: Package, target: Any) -> None:
    checker = StructureChecker(target_model(target), target_definitions(target))
    resources, _ = convert_resources(package, target)
    problems = {f"{r['resourceType']}/{r['id']}": checker.problems(r) for r in resources}
    assert {k: v for k, v in problems.items() if v} == {}


def test_the_structure_check_finds_r5_elements(package: Package) -> None:
    checker = StructureChecker(target_model(R4), target_definitions(R4))
    problems = checker.problems(dict(package.require("PlanDefinition", "ldn-ssri-cds")))
    assert "PlanDefinition.action[0].code: an array expected" in problems
    assert "PlanDefinition.action[0].input[0]: unknown element 'requirement'" in problems
    assert checker.problems({"resourceType": "MedicinalProductInteraction"}) == []
    assert checker.problems({"resourceType": "Basic"}) == ["Basic: required element 'code' is missing"]
    assert checker.problems({"resourceType": "Citation"}) == ["Citation: not a resource type of this version"]


def test_clinical_use_definitions_become_r4_medicinal_product_resources(
    r4: dict[str, dict[str, Any]], package: Package
) -> None:
    expected = {
        "interaction": "MedicinalProductInteraction",
        "indication": "MedicinalProductIndication",
        "undesirable-effect": "MedicinalProductUndesirableEffect",
        "warning": "Basic",
    }
    for cud in package.of_type("ClinicalUseDefinition"):
        converted = r4[f"{expected[cud['type']]}/{cud['id']}"]
        assert converted["text"] == cud["text"]  # the narrative says everything the R5 resource says
        assert converted["subject"] in (
            [{**s, "reference": s["reference"].replace("Definition/", "/")} for s in cud["subject"]],
            {**cud["subject"][0], "reference": "MedicinalProduct/" + cud["subject"][0]["reference"].split("/")[1]},
        )
    interaction = r4["MedicinalProductInteraction/interaction-ldn-ssri-serotonin-syndrome"]
    r5 = package.require("ClinicalUseDefinition", "interaction-ldn-ssri-serotonin-syndrome")["interaction"]
    assert interaction["effect"] == r5["effect"]["concept"]
    assert interaction["incidence"] == r5["incidence"]
    assert interaction["management"] == r5["management"][0]  # R4 holds one; the others in extensions:
    more = [e["valueCodeableConcept"] for e in interaction["extension"] if e["url"].endswith("interaction.management")]
    assert more == r5["management"][1:]


def test_the_warning_keeps_its_text_in_a_cross_version_extension(
    r4: dict[str, dict[str, Any]], package: Package
) -> None:
    r5 = package.require("ClinicalUseDefinition", "warning-standard-dose-naltrexone-not-ldn")
    basic = r4["Basic/warning-standard-dose-naltrexone-not-ldn"]
    assert basic["code"]["coding"][0]["code"] == "ClinicalUseDefinition"
    warning = next(e for e in basic["extension"] if e["url"] == XVER_EXTENSION + "ClinicalUseDefinition.warning")
    description = next(e["valueMarkdown"] for e in warning["extension"] if e["url"] == "description")
    assert description == r5["warning"]["description"]


def test_citations_become_citation_text_and_doi_on_the_citing_resources(
    r4: dict[str, dict[str, Any]], package: Package
) -> None:
    text = json.dumps([{k: v for k, v in r.items() if k != "text"} for r in r4.values()], ensure_ascii=False)
    assert "/Citation/" not in text
    assert '"Citation"' not in text
    cited = {
        a["resource"]
        for r in package
        if r["resourceType"] != "Citation"
        for a in json.loads(json.dumps(r)).get("relatedArtifact", [])
        if "/Citation/" in a.get("resource", "")
    }
    assert cited
    for url in cited:
        citation = package.resolve_canonical(url)
        assert citation is not None
        dois = [i["value"] for i in citation["citedArtifact"].get("identifier", []) if i["system"] == DOI]
        found = {(a["citation"], a.get("url")) for a in artifacts(list(r4.values()))}
        assert (citation["summary"][0]["text"], f"{DOI}/{dois[0]}" if dois else None) in found


def artifacts(node: Any) -> list[dict[str, Any]]:
    """Every RelatedArtifact-shaped object (with `citation`) under a node."""
    if isinstance(node, list):
        return [a for item in node for a in artifacts(item)]
    if not isinstance(node, dict):
        return []
    own = [node] if isinstance(node.get("citation"), str) else []
    return own + [a for key, value in node.items() if key != "text" for a in artifacts(value)]


def test_references_follow_renamed_resources(r4: dict[str, dict[str, Any]]) -> None:
    text = json.dumps([{k: v for k, v in r.items() if k != "text"} for r in r4.values()])  # narratives aside
    assert "MedicinalProductDefinition/" not in text
    assert "MedicinalProduct/naltrexone-50mg-oral-tablet" in text
    assert "MedicinalProduct/naltrexone-50mg-oral-tablet" in r4
