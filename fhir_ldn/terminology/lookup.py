"""CodeSystem/$lookup: a concept's display, definition, designations and properties."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fhir_ldn.constants import HL7_TERM_MAINT_INFRA
from fhir_ldn.errors import RequestError
from fhir_ldn.terminology import messages
from fhir_ldn.terminology.display import parse_languages, preferred_display, supplement_designations
from fhir_ldn.terminology.model import CodeSystemIndex, Concept
from fhir_ldn.terminology.params import OperationParams
from fhir_ldn.terminology.supplements import for_system, resolve_supplements, supplement_concepts

if TYPE_CHECKING:
    from fhir_ldn.terminology.service import TerminologyService

DEFAULT_PROPERTIES = ("inactive", "parent", "child")
PREFERRED_FOR_LANGUAGE = {
    "system": HL7_TERM_MAINT_INFRA,
    "code": "preferredForLanguage",
    "display": "Preferred For Language",
}


def _target(params: OperationParams, instance: Mapping[str, Any] | None) -> tuple[str, str, str | None]:
    """(system, code, version) from system+code, coding, or an instance-level call."""
    coding = params.complex("coding", "valueCoding") if params.has("coding") else None
    system = params.string("system") or (coding or {}).get("system")
    if instance is not None:
        system = str(instance.get("url", system or ""))
    code = params.string("code") or (coding or {}).get("code")
    if not system or not code:
        raise RequestError("give system and code (or a coding) to look up", expression="code")
    return str(system), str(code), params.string("version") or (coding or {}).get("version")


def _designation(designation: Mapping[str, Any], source: str | None = None) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    if designation.get("language"):
        parts.append({"name": "language", "valueCode": designation["language"]})
    if isinstance(designation.get("use"), dict):
        parts.append({"name": "use", "valueCoding": designation["use"]})
    if source:
        parts.append({"name": "source", "valueCanonical": source})
    parts.append({"name": "value", "valueString": designation.get("value", "")})
    return {"name": "designation", "part": parts}


def _property(code: str, key: str, value: Any, description: str | None = None) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"name": "code", "valueCode": code}, {"name": "value", key: value}]
    if description:
        parts.append({"name": "description", "valueString": description})
    return {"name": "property", "part": parts}


def _properties(
    cs: CodeSystemIndex, concept: Concept, wanted: set[str], extras: list[tuple[CodeSystemIndex, Concept]]
) -> list[dict[str, Any]]:
    everything = "*" in wanted
    out: list[dict[str, Any]] = []
    if everything or "parent" in wanted:
        out.extend(_property("parent", "valueCode", p, cs.concepts[p].display) for p in concept.parents)
    if everything or "child" in wanted:
        out.extend(_property("child", "valueCode", c, cs.concepts[c].display) for c in concept.children)
    if everything or "inactive" in wanted:
        out.append(_property("inactive", "valueBoolean", concept.inactive))
    if "definition" in wanted and concept.definition:
        out.append(_property("definition", "valueString", concept.definition))
    for source in [concept, *(extra for _, extra in extras)]:
        for prop in source.properties:
            code = prop.get("code")
            if isinstance(code, str) and code not in ("parent", "child") and (everything or code in wanted):
                key = next((k for k in prop if k.startswith("value")), None)
                if key is not None:
                    out.append(_property(code, key, prop[key]))
    return out


def lookup_code(
    service: TerminologyService, params: OperationParams, instance: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """CodeSystem/$lookup → Parameters (name, version, display, definition, designation, property...)."""
    service = service.with_resources(params.resources("tx-resource"))
    system, code, version = _target(params, instance)
    cs = service.find_code_system(system, version)
    if cs is None:
        raise messages.unknown_code_system_error(f"{system}|{version}" if version else system)
    supplements = for_system(resolve_supplements(service, None, params), cs.url)
    concept = cs.find(code)
    if concept is None:
        unknown = messages.unknown_code if cs.is_complete else messages.unknown_code_in_fragment
        raise messages.as_not_found(unknown(code, cs.url, cs.version, "code"))
    languages = parse_languages(params.string("displayLanguage"))
    display = preferred_display(cs, concept, languages, supplements)
    out: list[dict[str, Any]] = [
        {"name": "name", "valueString": cs.name},
        {"name": "system", "valueUri": cs.url},
        {"name": "code", "valueCode": concept.code},
        {"name": "display", "valueString": display or ""},
        {"name": "abstract", "valueBoolean": concept.abstract},
    ]
    if cs.version:
        out.append({"name": "version", "valueString": cs.version})
    if concept.definition:
        out.append({"name": "definition", "valueString": concept.definition})
    if concept.display and cs.language:
        out.append(_designation({"language": cs.language, "use": PREFERRED_FOR_LANGUAGE, "value": concept.display}))
    out.extend(_designation(d) for d in concept.designations)
    for supplement, designation in supplement_designations(cs, concept, supplements):
        out.append(_designation(designation, supplement.canonical))
    wanted = set(params.strings("property")) or set(DEFAULT_PROPERTIES)
    out.extend(_properties(cs, concept, wanted, supplement_concepts(concept, supplements)))
    out.extend({"name": "used-supplement", "valueCanonical": s.canonical} for s in supplements)
    return {"resourceType": "Parameters", "parameter": out}
