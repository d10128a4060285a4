"""R5 -> R4 (4.0.1): ClinicalUseDefinition, MedicinalProductDefinition and Citation become what R4 has.

- ClinicalUseDefinition -> MedicinalProductInteraction / Indication / UndesirableEffect / Contraindication by
  its `type` (the R5 backbone's elements on the R4 resource); a `warning`, which no R4 resource can say, -> Basic
  (code: the R5 type name) with HL7 cross-version extensions.
- MedicinalProductDefinition -> MedicinalProduct (references follow).
- Citation -> no resource: every RelatedArtifact that points at one carries its `citation` text and its DOI
  `url` instead, as the HL7 PDDI-CDS IG (R4) cites evidence.
Everything else is converted element by element by `Converter` with the rules below.
"""

from __future__ import annotations

from typing import Any

from fhir_ldn.constants import DOI
from fhir_ldn.formats.element_model import Child
from fhir_ldn.package.index import Resource
from fhir_ldn.xver.convert import Change, Converter, Rule, ordered
from fhir_ldn.xver.rules import COMMON_RULES

# ClinicalUseDefinition.type -> (R4 resource type, the R5 backbone whose elements it holds)
CLINICAL_USE_TYPES = {
    "interaction": ("MedicinalProductInteraction", "interaction"),
    "indication": ("MedicinalProductIndication", "indication"),
    "undesirable-effect": ("MedicinalProductUndesirableEffect", "undesirableEffect"),
    "contraindication": ("MedicinalProductContraindication", "contraindication"),
}
R5_RESOURCE_TYPES = "http://hl7.org/fhir/fhir-types"  # Basic.code of an R5 resource R4 has no type for
RENAMED_TYPES = {"MedicinalProductDefinition": "MedicinalProduct"}


def citation_text(citation: Resource) -> tuple[str, str | None]:
    """The citation's text (its summary, else its title) and its DOI URL (None without a DOI)."""
    summaries = [s.get("text") for s in citation.get("summary", []) if s.get("text")]
    text = summaries[0] if summaries else str(citation.get("title", citation["id"]))
    dois = [i["value"] for i in citation.get("citedArtifact", {}).get("identifier", []) if i.get("system") == DOI]
    return text, (f"{DOI}/{dois[0]}" if dois else None)


def _artifact_resource(conv: Converter, child: Child, value: Any, out: dict[str, Any]) -> None:
    cited = conv.context["package"].resolve_canonical(value)
    if cited is None or cited["resourceType"] != "Citation":
        out["resource"] = value
        return
    text, url = citation_text(cited)
    out["citation"] = text
    if url:
        out["url"] = url
    conv.record(
        child.path,
        "moved",
        "RelatedArtifact.citation + RelatedArtifact.url",
        "R4 has no Citation: the cited reference's text and DOI URL go on the citing RelatedArtifact (as PDDI-CDS)",
    )


def _other_therapy_treatment(conv: Converter, child: Child, value: Any, out: dict[str, Any]) -> None:
    if "concept" in value:
        out["medicationCodeableConcept"] = value["concept"]
    elif "reference" in value:
        out["medicationReference"] = value["reference"]


R4_RULES: dict[str, Rule] = {
    **COMMON_RULES,
    "RelatedArtifact.resource": Rule("", "", "", _artifact_resource),
    "MedicinalProductDefinition.classification": Rule(
        "moved",
        "MedicinalProduct.productClassification",
        "R5 renamed productClassification",
        lambda conv, child, value, out: out.__setitem__("productClassification", value),
    ),
    "ClinicalUseDefinition.contraindication.otherTherapy.relationshipType": Rule(
        "moved",
        "MedicinalProductIndication.otherTherapy.therapyRelationshipType",
        "R5 renamed therapyRelationshipType",
        lambda conv, child, value, out: out.__setitem__("therapyRelationshipType", value),
    ),
    "ClinicalUseDefinition.contraindication.otherTherapy.treatment": Rule(
        "moved",
        "MedicinalProductIndication.otherTherapy.medication[x]",
        "R5 made medication[x] (CodeableConcept or Reference) a CodeableReference named treatment",
        _other_therapy_treatment,
    ),
}


def _clinical_use(conv: Converter, resource: Resource) -> Resource:
    kind = resource["type"]
    if kind not in CLINICAL_USE_TYPES:  # a warning: no R4 resource says it
        out = conv.resource(resource, as_type="Basic")
        out["code"] = {"coding": [{"system": R5_RESOURCE_TYPES, "code": "ClinicalUseDefinition"}]}
        conv.changes.add(
            Change(
                "ClinicalUseDefinition",
                f"ClinicalUseDefinition (type {kind})",
                "moved",
                "Basic",
                "no R4 resource states a warning: Basic (code ClinicalUseDefinition) with cross-version "
                "extensions; its narrative carries the text",
            )
        )
        return ordered(out, conv.model.node("Basic"), first=("resourceType",))
    target_type, backbone = CLINICAL_USE_TYPES[kind]
    top = {k: v for k, v in resource.items() if k not in (backbone, "type")}
    out = conv.resource(top, as_type=target_type)
    node = conv.model.node(target_type)
    conv.resource_type = "ClinicalUseDefinition"
    try:
        inner = conv.elements(resource.get(backbone, {}), conv.r5.node(f"ClinicalUseDefinition.{backbone}"), node)
    finally:
        conv.resource_type = ""
    extensions = out.get("extension", []) + inner.pop("extension", [])
    out.update(inner)
    if extensions:
        out["extension"] = extensions
    conv.changes.add(
        Change(
            "ClinicalUseDefinition",
            f"ClinicalUseDefinition.{backbone}",
            "moved",
            target_type,
            f"R4 has one resource per kind of clinical use: type '{kind}' -> {target_type}, the "
            f"{backbone} elements on it",
        )
    )
    conv.changes.add(
        Change("ClinicalUseDefinition", "ClinicalUseDefinition.type", "dropped", "", "implied by the R4 resource type")
    )
    return ordered(out, node, first=("resourceType",))


def _extension_context(resource: Resource) -> Resource:
    """An extension defined on ClinicalUseDefinition applies to the R4 resources that replace it."""
    context: list[dict[str, Any]] = []
    for entry in resource.get("context", []):
        if entry.get("expression") == "ClinicalUseDefinition":
            types = sorted({t for t, _ in CLINICAL_USE_TYPES.values()} | {"Basic"})
            context.extend({**entry, "expression": t} for t in types)
        else:
            context.append(entry)
    return {**resource, "context": context} if context else resource


def resource_to_r4(conv: Converter, resource: Resource) -> list[Resource]:
    """The R4 form of one R5 resource: none for a Citation (see the module docstring)."""
    resource_type = resource["resourceType"]
    if resource_type == "Citation":
        conv.changes.add(
            Change(
                "Citation",
                "Citation",
                "moved",
                "RelatedArtifact.citation + url on the citing resources",
                "R4 has no Citation resource (the PDDI-CDS way: the citation text and DOI on relatedArtifact)",
            )
        )
        return []
    if resource_type == "ClinicalUseDefinition":
        return [_clinical_use(conv, resource)]
    if resource_type in RENAMED_TYPES:
        conv.changes.add(
            Change(resource_type, resource_type, "moved", RENAMED_TYPES[resource_type], "R5 renamed the resource")
        )
        return [conv.resource(resource, as_type=RENAMED_TYPES[resource_type])]
    if resource_type == "StructureDefinition":
        return [_extension_context(conv.resource(resource))]
    return [conv.resource(resource)]
