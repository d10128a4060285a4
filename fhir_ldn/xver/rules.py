"""Conversion rules R4B and R4 share (R5 elements both render the same way), as data for `Converter`."""

from __future__ import annotations

from typing import Any

from fhir_ldn.formats.element_model import Child
from fhir_ldn.xver.convert import XVER_EXTENSION, Converter, Rule, drop

# R5 ConceptMap.group.element.target.relationship -> R4/R4B equivalence (the R5 spec's ConceptMap mapping:
# "source-is-narrower-than-target" means the target is wider).
RELATIONSHIP_TO_EQUIVALENCE = {
    "related-to": "relatedto",
    "equivalent": "equivalent",
    "source-is-narrower-than-target": "wider",
    "source-is-broader-than-target": "narrower",
    "not-related-to": "unmatched",
}


# Code systems R5 publishes under http://hl7.org/fhir/ that R4 and R4B bind in HL7 Terminology (THO) instead: the
# Citation value sets of R4B include the THO system. Every code the package uses, with its display, was checked in
# the THO code systems of hl7.terminology.r4 7.0.1 (the packages' terminology dependency).
R5_SYSTEMS_IN_THO = {
    f"http://hl7.org/fhir/{name}": f"http://terminology.hl7.org/CodeSystem/{name}"
    for name in (
        "artifact-url-classifier",
        "citation-artifact-classifier",
        "cited-artifact-classification-type",
        "cited-medium",
        "contributor-role",
        "contributor-summary-type",
        "published-in-type",
        "title-type",
    )
}


def _coding_system(conv: Converter, child: Child, value: Any, out: dict[str, Any]) -> None:
    out["system"] = R5_SYSTEMS_IN_THO.get(value, value)
    if value in R5_SYSTEMS_IN_THO:
        conv.record(
            f"Coding.system {value}",
            "converted",
            R5_SYSTEMS_IN_THO[value],
            f"{conv.target.label} binds the HL7 Terminology code system; R5 publishes it under hl7.org/fhir "
            "(same codes and displays)",
        )


def _data_requirement(conv: Converter, child: Child, value: Any, out: dict[str, Any]) -> None:
    """R5 action.input/output (title, requirement, relatedData) -> the DataRequirement R4 and R4B hold."""
    requirement_child = conv.r5_child(child.type, "requirement")
    results = []
    for item in value:
        requirement = conv.value(requirement_child, requirement_child, item.get("requirement", {}))
        rest = {k: v for k, v in item.items() if k != "requirement"}
        if rest:  # the title (and relatedData) in the cross-version extension of the DataRequirement
            for key, sub in rest.items():
                sub_child = conv.r5_child(child.type, key)
                why = f"{conv.target.label} has no {sub_child.path}"
                conv.extension(sub_child, sub, requirement, why, "DataRequirement")
        results.append(requirement)
    out[child.name] = results


def _relationship(conv: Converter, child: Child, value: Any, out: dict[str, Any]) -> None:
    out["equivalence"] = RELATIONSHIP_TO_EQUIVALENCE[value]


def _scope(new_prefix: str) -> Any:
    def apply(conv: Converter, child: Child, value: Any, out: dict[str, Any]) -> None:
        out[new_prefix + (child.choice_type or "")[:1].upper() + (child.choice_type or "")[1:]] = value

    return apply


def _own_profiles_dropped(conv: Converter, child: Child, value: Any, out: dict[str, Any]) -> None:
    own = str(conv.context["canonical"]) + "/StructureDefinition/"
    kept = [p for p in value if not p.startswith(own)]
    if kept:
        out["profile"] = kept


COMMON_RULES: dict[str, Rule] = {
    "Coding.system": Rule("", "", "", _coding_system),
    "PlanDefinition.action.input": Rule(
        "moved",
        "PlanDefinition.action.input (DataRequirement); title in "
        + XVER_EXTENSION
        + "PlanDefinition.action.input.title",
        "R4/R4B's action.input is the DataRequirement itself (R5 wraps it with a title)",
        _data_requirement,
    ),
    "PlanDefinition.action.output": Rule(
        "moved",
        "PlanDefinition.action.output (DataRequirement)",
        "R4/R4B's action.output is the DataRequirement itself",
        _data_requirement,
    ),
    "ConceptMap.group.element.target.relationship": Rule(
        "moved",
        "ConceptMap.group.element.target.equivalence",
        "R5 renamed equivalence to relationship (codes mapped: equivalent, source-is-narrower -> wider, ...)",
        _relationship,
    ),
    "ConceptMap.sourceScope[x]": Rule("moved", "ConceptMap.source[x]", "R5 renamed source[x]", _scope("source")),
    "ConceptMap.targetScope[x]": Rule("moved", "ConceptMap.target[x]", "R5 renamed target[x]", _scope("target")),
    "Meta.profile": Rule(
        "dropped",
        "",
        "the package's profiles constrain R5 elements; the converted resources claim only their base definitions",
        _own_profiles_dropped,
    ),
    "ImplementationGuide.definition.resource.isExample": Rule(
        "moved",
        "ImplementationGuide.definition.resource.exampleBoolean",
        "R5 split example[x] into isExample and profile",
        lambda conv, child, value, out: out.__setitem__("exampleBoolean", value),
    ),
}

__all__ = ["COMMON_RULES", "RELATIONSHIP_TO_EQUIVALENCE", "drop"]
