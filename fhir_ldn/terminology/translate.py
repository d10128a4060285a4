"""ConceptMap/$translate (R5): map a code through the concept maps, forwards or in reverse."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from fhir_ldn.errors import RequestError
from fhir_ldn.terminology import messages
from fhir_ldn.terminology.canonical import split_canonical
from fhir_ldn.terminology.params import OperationParams

if TYPE_CHECKING:
    from fhir_ldn.terminology.service import TerminologyService

NOT_RELATED = "not-related-to"


R4_NAMES = {"Code": "code", "System": "system", "Coding": "coding", "CodeableConcept": "codeableConcept"}


def _name(params: OperationParams, side: str, part: str) -> str:
    """The R5 name (sourceCode...), or for the source side the R4 one (code...) when only that is given."""
    r5 = f"{side}{part}"
    return R4_NAMES[part] if side == "source" and not params.has(r5) and params.has(R4_NAMES[part]) else r5


def _coding(params: OperationParams, side: str) -> tuple[str | None, str | None]:
    """(system, code) of the source or target side: xCode+xSystem, xCoding or xCodeableConcept (first coding)."""
    code, system = params.string(_name(params, side, "Code")), params.string(_name(params, side, "System"))
    if params.has(_name(params, side, "Coding")):
        coding = params.complex(_name(params, side, "Coding"), "valueCoding") or {}
        code, system = coding.get("code"), coding.get("system")
    elif params.has(_name(params, side, "CodeableConcept")):
        cc = params.complex(_name(params, side, "CodeableConcept"), "valueCodeableConcept") or {}
        first = next((c for c in cc.get("coding", ()) if isinstance(c, dict)), {})
        code, system = first.get("code"), first.get("system")
    return system, code


def _origin(cm: Mapping[str, Any]) -> str:
    return f"{cm['url']}|{cm['version']}" if cm.get("version") else str(cm.get("url", ""))


def _maps(
    service: TerminologyService, params: OperationParams, instance: Mapping[str, Any] | None
) -> list[Mapping[str, Any]]:
    if instance is not None:
        return [instance]
    url = params.string("url")
    if url is None:
        return service.concept_maps()
    base, version = split_canonical(url)
    version = params.string("conceptMapVersion") or version
    found = [cm for cm in service.concept_maps(base) if version is None or cm.get("version") == version]
    if not found:
        raise messages.unknown_concept_map(url)
    return found


def _groups(cm: Mapping[str, Any], source: str | None, target: str | None) -> Iterator[Mapping[str, Any]]:
    for group in cm.get("group", ()):
        if source and group.get("source", "").partition("|")[0] != source:
            continue
        if target and group.get("target", "").partition("|")[0] != target:
            continue
        yield group


def _forward(cm: Mapping[str, Any], system: str | None, code: str, target: str | None) -> list[dict[str, Any]]:
    out = []
    for group in _groups(cm, system, target):
        elements = [e for e in group.get("element", ()) if e.get("code") == code]
        for element in elements:
            for t in element.get("target", ()):
                if not t.get("code"):
                    continue
                concept = {"system": group.get("target"), "code": t["code"]}
                if t.get("display"):
                    concept["display"] = t["display"]
                out.append(_match(concept, t.get("relationship", "related-to"), cm))
        unmapped = group.get("unmapped")
        if not elements and isinstance(unmapped, dict) and unmapped.get("mode") == "fixed" and unmapped.get("code"):
            concept = {"system": group.get("target"), "code": unmapped["code"]}
            out.append(_match(concept, unmapped.get("relationship", "related-to"), cm))
    return out


def _reverse(cm: Mapping[str, Any], system: str | None, code: str, source: str | None) -> list[dict[str, Any]]:
    out = []
    for group in _groups(cm, source, system):
        for element in group.get("element", ()):
            for t in element.get("target", ()):
                if t.get("code") == code and element.get("code"):
                    match = _match({"system": group.get("target"), "code": code}, t.get("relationship", ""), cm)
                    match["part"].append(
                        {"name": "source", "valueCoding": {"system": group.get("source"), "code": element["code"]}}
                    )
                    out.append(match)
    return out


def _match(concept: Mapping[str, Any], relationship: str, cm: Mapping[str, Any]) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [
        {"name": "concept", "valueCoding": dict(concept)},
        {"name": "relationship", "valueCode": relationship},
        {"name": "originMap", "valueCanonical": _origin(cm)},
    ]
    return {"name": "match", "part": parts}


def translate(
    service: TerminologyService, params: OperationParams, instance: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """ConceptMap/$translate → Parameters (result, message, match*)."""
    service = service.with_resources(params.resources("tx-resource"))
    source_system, source_code = _coding(params, "source")
    target_system, target_code = _coding(params, "target")
    target_system = target_system or params.string("targetSystem")
    if source_code:
        matches = [
            m
            for cm in _maps(service, params, instance)
            for m in _forward(cm, source_system, source_code, target_system)
        ]
        what = f"{source_system or ''}#{source_code}"
    elif target_code:
        matches = [
            m
            for cm in _maps(service, params, instance)
            for m in _reverse(cm, target_system, target_code, source_system)
        ]
        what = f"{target_system or ''}#{target_code}"
    else:
        raise RequestError("give a source (sourceCode, sourceCoding...) or a target code", expression="sourceCode")
    result = any(p["valueCode"] != NOT_RELATED for m in matches for p in m["part"] if p["name"] == "relationship")
    out: list[dict[str, Any]] = [{"name": "result", "valueBoolean": result}]
    if not result:
        out.append({"name": "message", "valueString": f"No translations found for {what}"})
    out.extend(matches)
    return {"resourceType": "Parameters", "parameter": out}
