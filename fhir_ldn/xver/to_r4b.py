"""R5 -> R4B (4.3.0): the same resource types; the elements R4B names, types or lacks differently (rules below)."""

from __future__ import annotations

from typing import Any

from fhir_ldn.formats.element_model import Child
from fhir_ldn.xver.convert import Converter, Rule
from fhir_ldn.xver.rules import COMMON_RULES


def _therapy(conv: Converter, child: Child, value: Any, out: dict[str, Any]) -> None:
    out["therapy"] = conv.value(child, child, value)  # a CodeableReference in both versions


ARTIFACT_RELATIONSHIP = "http://terminology.hl7.org/CodeSystem/artifact-relationship-type"


def _relates_to(conv: Converter, child: Child, value: Any, out: dict[str, Any]) -> None:
    """R5 Citation.citedArtifact.relatesTo (RelatedArtifact-shaped) -> R4B relationshipType + target[x]."""
    r5_node = conv.r5.node(child.type)
    results = []
    for item in value:
        converted: dict[str, Any] = {
            "relationshipType": {"coding": [{"system": ARTIFACT_RELATIONSHIP, "code": item["type"]}]}
        }
        if "resource" in item:
            converted["targetUri"] = item["resource"]
        for key in sorted(set(item) - {"type", "resource"}):
            sub_child = conv.r5_child(r5_node.key, key)
            conv.extension(sub_child, item[key], converted, f"R4B has no {sub_child.path}", child.path)
        results.append(converted)
    out["relatesTo"] = results


R4B_RULES: dict[str, Rule] = {
    "Citation.citedArtifact.relatesTo": Rule(
        "moved",
        "Citation.citedArtifact.relatesTo.relationshipType (artifact-relationship-type) + targetUri",
        "R5 reshaped relatesTo like RelatedArtifact (type code, resource canonical); R4B has a relationshipType "
        "concept and target[x]; label and display go in cross-version extensions",
        _relates_to,
    ),
    **COMMON_RULES,
    "ClinicalUseDefinition.contraindication.otherTherapy.treatment": Rule(
        "moved",
        "ClinicalUseDefinition.contraindication.otherTherapy.therapy",
        "R5 renamed otherTherapy.therapy to treatment (both CodeableReference)",
        _therapy,
    ),
}


def resource_to_r4b(conv: Converter, resource: dict[str, Any]) -> list[dict[str, Any]]:
    """The R4B form of one R5 resource (one resource: every type of the package exists in R4B)."""
    return [conv.resource(resource)]
