"""PlanDefinition actions → CDS Hooks cards and suggestions (the CDS-on-FHIR mapping of the R5 spec).

Card: `summary` = action.title, `detail` = action.description (markdown), `indicator` = action.priority via the
HL7 `cdshooks-indicator` ConceptMap, `source` = the action's documentation artifact, else the PlanDefinition's
(+ topic = action.code), `links` = the action's citations as https://doi.org links, `overrideReasons` = the
expansion of the value set the action (else the PlanDefinition) names as `override-reasons`. Suggestion = child
action: `label` = title, `isRecommended` = precheckBehavior `yes`, one `create` action per ActivityDefinition.
Everything that does not depend on the request is built once (and serialised once); `card_json` only adds fresh
uuids and the applied resources.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from fhir_ldn.apply.activitydefinition import ApplyContext, apply_activity_definition
from fhir_ldn.constants import DOI
from fhir_ldn.errors import FhirLdnError, PackageError
from fhir_ldn.package.index import Package

Json = dict[str, Any]

# HL7 ConceptMap `cdshooks-indicator` (request-priority → CDS Hooks indicator).
INDICATOR_BY_PRIORITY: Mapping[str, str] = {
    "routine": "info",
    "urgent": "warning",
    "asap": "critical",
    "stat": "critical",
}
# PlanDefinition.action.selectionBehavior → CDS Hooks card.selectionBehavior (which knows only these two).
SELECTION_BEHAVIOR: Mapping[str, str] = {
    "any": "any",
    "all": "any",
    "all-or-none": "any",
    "one-or-more": "any",
    "at-most-one": "at-most-one",
    "exactly-one": "at-most-one",
}
# PlanDefinition action type (http://terminology.hl7.org/CodeSystem/action-type) → CDS Hooks action type.
ACTION_TYPES: Mapping[str, str] = {"create": "create"}
SUMMARY_LIMIT = 140


def dumps(value: Any) -> str:
    """Compact JSON (UTF-8, not ASCII-escaped), as every CDS Hooks body is written."""
    return orjson.dumps(value).decode("utf-8")


# Stand-ins for the request's references while a resource template is written (NUL never occurs in a reference).
_PLACEHOLDERS = ("\x00subject\x00", "\x00encounter\x00", "\x00practitioner\x00")
_PLACEHOLDERS_JSON = tuple(orjson.dumps(p).decode("utf-8") for p in _PLACEHOLDERS)


@dataclass(frozen=True)
class SuggestionTemplate:
    label: str
    description: str
    action_type: str
    definition: Mapping[str, Any]
    is_recommended: bool
    # JSON text of the parts that do not change: `"label":…,"isRecommended":…` and the action's type/description
    head_json: str = field(init=False)
    action_json: str = field(init=False)
    # The applied resource as JSON with placeholder references, per (FHIR version, encounter?, practitioner?)
    _resources: dict[tuple[str, bool, bool], str] = field(init=False, default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        head: Json = {"label": self.label}
        if self.is_recommended:
            head["isRecommended"] = True
        object.__setattr__(self, "head_json", dumps(head)[1:-1])
        object.__setattr__(
            self, "action_json", dumps({"type": self.action_type, "description": self.description})[1:-1]
        )

    def resource_json(self, context: ApplyContext, references: Sequence[tuple[str, str]] = ()) -> str:
        """The applied ActivityDefinition as JSON: `apply_activity_definition`, written once per shape.

        Without dynamicValues the result depends on the context only through its references, so the JSON is
        produced once with placeholders and the references are put in per request (`references`: the
        placeholders' JSON and their values' JSON, from `reference_json`; computed here when not given).
        """
        if self.definition.get("dynamicValue") or context.variables or context.organization:
            return dumps(apply_activity_definition(self.definition, context))
        shape = (context.fhir_version, context.encounter is not None, context.practitioner is not None)
        text = self._resources.get(shape)
        if text is None:
            subject, encounter, practitioner = _PLACEHOLDERS
            placeholder = ApplyContext(
                subject=subject,
                encounter=encounter if shape[1] else None,
                practitioner=practitioner if shape[2] else None,
                fhir_version=context.fhir_version,
            )
            text = dumps(apply_activity_definition(self.definition, placeholder))
            self._resources[shape] = text
        for marker, value in references or reference_json(context):
            text = text.replace(marker, value)
        return text


def reference_json(context: ApplyContext) -> list[tuple[str, str]]:
    """(placeholder JSON, reference JSON) for each reference the context has."""
    values = (context.subject, context.encounter, context.practitioner)
    return [
        (marker, dumps(value)) for marker, value in zip(_PLACEHOLDERS_JSON, values, strict=True) if value is not None
    ]


@dataclass(frozen=True)
class CardTemplate:
    """A card without its per-response parts (uuids, applied resources)."""

    action_id: str
    static: Json  # summary, detail, indicator, source, links, overrideReasons (read-only)
    suggestions: tuple[SuggestionTemplate, ...]
    selection_behavior: str
    static_json: str = field(init=False)  # `static` as JSON members, written once

    def __post_init__(self) -> None:
        object.__setattr__(self, "static_json", dumps(self.static)[1:-1])


def _coding(coding: Mapping[str, Any]) -> Json:
    return {k: coding[k] for k in ("system", "code", "display") if isinstance(coding.get(k), str)}


def _documentation(artifacts: Any) -> Mapping[str, Any] | None:
    return next((a for a in artifacts or () if a.get("type") == "documentation"), None)


def card_source(plan: Mapping[str, Any], action: Mapping[str, Any]) -> Json:
    """`source` from the action's own documentation artifact, else the PlanDefinition's, and the action's code."""
    doc = _documentation(action.get("documentation")) or _documentation(plan.get("relatedArtifact"))
    label = (doc or {}).get("label") or (doc or {}).get("display") or plan.get("title") or plan.get("name")
    if not isinstance(label, str) or not label:
        raise PackageError("the PlanDefinition has no documentation relatedArtifact or title for card.source.label")
    source: Json = {"label": label}
    url = ((doc or {}).get("document") or {}).get("url") or (doc or {}).get("resource")
    if isinstance(url, str) and url:
        source["url"] = url
    codings = (action.get("code") or {}).get("coding") or ()
    if codings:
        source["topic"] = _coding(codings[0])
    return source


def _doi_url(citation: Mapping[str, Any]) -> str | None:
    for identifier in (citation.get("citedArtifact") or {}).get("identifier") or ():
        if identifier.get("system") == DOI and isinstance(identifier.get("value"), str):
            return f"{DOI}/{identifier['value']}"
    return None


def card_links(package: Package, action: Mapping[str, Any]) -> list[Json]:
    """One absolute link per cited Citation that has a DOI (citations without one have no link to give)."""
    links: list[Json] = []
    for artifact in action.get("documentation") or ():
        if artifact.get("type") != "citation" or not isinstance(artifact.get("resource"), str):
            continue
        citation = package.resolve_canonical(artifact["resource"])
        if citation is None:
            raise PackageError(f"action '{action.get('id')}' cites {artifact['resource']}, which is not in the package")
        url = _doi_url(citation)
        label = artifact.get("display") or artifact.get("label") or citation.get("title")
        if url and isinstance(label, str):
            links.append({"label": label, "url": url, "type": "absolute"})
    return links


def _suggestion(package: Package, action: Mapping[str, Any]) -> SuggestionTemplate:
    where = f"suggestion action '{action.get('id')}'"
    if any(c.get("kind") == "applicability" for c in action.get("condition") or ()):
        # Suggestions are not filtered per request: a condition here would be silently ignored, so it is refused.
        raise PackageError(f"{where}: suggestions cannot have applicability conditions; put them on the card action")
    label = action.get("title")
    if not isinstance(label, str) or not label:
        raise PackageError(f"{where} has no title (the suggestion label)")
    codes = [c.get("code") for c in (action.get("type") or {}).get("coding") or ()]
    action_type = next((ACTION_TYPES[c] for c in codes if c in ACTION_TYPES), None if codes else "create")
    if action_type is None:
        raise PackageError(f"{where}: action type {codes} is not supported (only create)")
    canonical = action.get("definitionCanonical")
    definition = package.resolve_canonical(canonical) if isinstance(canonical, str) else None
    if definition is None or definition.get("resourceType") != "ActivityDefinition":
        raise PackageError(f"{where}: definitionCanonical must name an ActivityDefinition of the package")
    try:  # fail at start-up, not per request, if the definition cannot be applied
        apply_activity_definition(definition, ApplyContext(subject="Patient/check"))
    except FhirLdnError as exc:
        raise PackageError(f"{where}: {exc}") from exc
    description = action.get("description") or label
    return SuggestionTemplate(label, description, action_type, definition, action.get("precheckBehavior") == "yes")


def card_template(
    package: Package, plan: Mapping[str, Any], action: Mapping[str, Any], override_reasons: Sequence[Json]
) -> CardTemplate:
    """Everything about the card of `action` that does not depend on the request."""
    where = f"card action '{action.get('id')}'"
    summary = action.get("title")
    if not isinstance(summary, str) or not summary or len(summary) >= SUMMARY_LIMIT:
        raise PackageError(f"{where}: title (the card summary) must be 1–{SUMMARY_LIMIT - 1} characters")
    indicator = INDICATOR_BY_PRIORITY.get(action.get("priority") or "routine")
    if indicator is None:
        raise PackageError(f"{where}: priority '{action.get('priority')}' has no CDS Hooks indicator")
    static: Json = {"summary": summary, "indicator": indicator, "source": card_source(plan, action)}
    if isinstance(action.get("description"), str) and action["description"]:
        static["detail"] = action["description"]
    links = card_links(package, action)
    if links:
        static["links"] = links
    if override_reasons:
        static["overrideReasons"] = list(override_reasons)
    suggestions = tuple(_suggestion(package, child) for child in action.get("action") or ())
    behavior = SELECTION_BEHAVIOR.get(action.get("selectionBehavior") or "any", "any")
    return CardTemplate(str(action.get("id", "")), static, suggestions, behavior)


def _uuids(count: int) -> list[str]:
    """`count` random version-4 UUIDs (RFC 9562) from one read of the system's random source."""
    raw = bytearray(os.urandom(16 * count))
    out = []
    for i in range(0, 16 * count, 16):
        raw[i + 6] = (raw[i + 6] & 0x0F) | 0x40  # version 4
        raw[i + 8] = (raw[i + 8] & 0x3F) | 0x80  # variant 10
        h = raw[i : i + 16].hex()
        out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return out


def card_json(template: CardTemplate, context: ApplyContext) -> str:
    """One card as JSON text: fresh uuids, the suggestions' resources applied for this patient.

    The parts that never change were serialised once (`static_json`, `head_json`), so a response costs little
    more than its uuids and the applied resources.
    """
    ids = _uuids(1 + len(template.suggestions))
    parts = [f'{{"uuid":"{ids[0]}",{template.static_json}']
    if template.suggestions:
        items = []
        references = reference_json(context)
        for s, sid in zip(template.suggestions, ids[1:], strict=True):
            resource = s.resource_json(context, references)
            items.append(f'{{{s.head_json},"uuid":"{sid}","actions":[{{{s.action_json},"resource":{resource}}}]}}')
        parts.append(f',"suggestions":[{",".join(items)}],"selectionBehavior":"{template.selection_behavior}"')
    parts.append("}")
    return "".join(parts)
