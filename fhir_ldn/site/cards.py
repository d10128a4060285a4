"""The CDS rule in words: triggers, conditions and a preview of each card, read from an ECA PlanDefinition.

Follows the CDS-on-FHIR mapping: card = child action (summary = title, detail = description, indicator from
priority), suggestions = its child actions (label = title), card source = the rule's `documentation` artifact,
links = the card's documentation citations (their DOI when they have one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fhir_ldn.package.index import Package, Resource
from fhir_ldn.site.expansion import Member, enumerate_value_set, terminology_service
from fhir_ldn.site.views import Linker, doi_of, doi_url, page_name, title_of

# request-priority -> CDS Hooks indicator, the equivalences of the core ConceptMap `cdshooks-indicator`.
INDICATOR_BY_PRIORITY = {"routine": "info", "urgent": "warning", "stat": "critical"}


@dataclass(frozen=True)
class Condition:
    kind: str
    description: str
    language: str
    expression: str


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    external: bool


@dataclass(frozen=True)
class Suggestion:
    label: str
    action_type: str  # create | update | delete
    description: str
    creates: str  # e.g. "ServiceRequest (proposal): Track subtle mood shifts"
    definition_page: str | None


@dataclass(frozen=True)
class CardPreview:
    action_id: str
    summary: str
    indicator: str
    detail: str  # markdown
    source: Link | None
    conditions: list[Condition]
    suggestions: list[Suggestion]
    selection_behavior: str | None
    links: list[Link]
    override_reasons: list[Member]


@dataclass(frozen=True)
class RuleGroup:
    """A top-level action of the rule: when it fires (triggers), whether it applies, and its cards."""

    action_id: str
    title: str
    description: str
    triggers: list[str]
    conditions: list[Condition]
    inputs: list[str]
    cards: list[CardPreview] = field(default_factory=list)


def _conditions(action: dict[str, Any]) -> list[Condition]:
    out = []
    for c in action.get("condition", []):
        expr = c.get("expression", {})
        out.append(
            Condition(
                str(c.get("kind", "")),
                expr.get("description", ""),
                expr.get("language", ""),
                expr.get("expression", ""),
            )
        )
    return out


def _source(rule: Resource, linker: Linker) -> Link | None:
    for artifact in rule.get("relatedArtifact", []):
        if artifact.get("type") == "documentation":
            href = linker.href(artifact.get("resource")) or artifact.get("resource", "")
            return Link(artifact.get("display") or artifact.get("label", ""), href, href.startswith("http"))
    return None


def _links(action: dict[str, Any], linker: Linker) -> list[Link]:
    out = []
    for doc in action.get("documentation", []):
        target = linker.resolve(doc.get("resource"))
        doi = doi_of(target) if target is not None and target["resourceType"] == "Citation" else None
        if doi:
            out.append(Link(doc.get("display", doi), doi_url(doi), True))
        elif target is not None:
            out.append(Link(doc.get("display") or title_of(target), page_name(target), False))
    return out


def _suggestion(action: dict[str, Any], linker: Linker) -> Suggestion:
    definition = linker.resolve(action.get("definitionCanonical"))
    creates = ""
    if definition is not None and definition["resourceType"] == "ActivityDefinition":
        creates = f"{definition.get('kind', '')} ({definition.get('intent', 'proposal')}): {title_of(definition)}"
    action_type = next((c.get("code", "") for c in action.get("type", {}).get("coding", [])), "create")
    return Suggestion(
        label=str(action.get("title", "")),
        action_type=action_type,
        description=str(action.get("description", "")),
        creates=creates,
        definition_page=page_name(definition) if definition is not None else None,
    )


def _override_reasons(rule: Resource, package: Package) -> list[Member]:
    for artifact in rule.get("relatedArtifact", []):
        if artifact.get("type") == "depends-on" and artifact.get("label") == "override-reasons":
            return enumerate_value_set(terminology_service(package), artifact.get("resource", "")).members
    return []


def _card(action: dict[str, Any], source: Link | None, reasons: list[Member], linker: Linker) -> CardPreview:
    children = action.get("action", [])
    return CardPreview(
        action_id=str(action.get("id", "")),
        summary=str(action.get("title", "")),
        indicator=INDICATOR_BY_PRIORITY.get(str(action.get("priority", "routine")), "info"),
        detail=str(action.get("description", "")),
        source=source,
        conditions=_conditions(action),
        suggestions=[_suggestion(a, linker) for a in children],
        selection_behavior=action.get("selectionBehavior") if children else None,
        links=_links(action, linker),
        override_reasons=reasons,
    )


def explain_rule(rule: Resource, package: Package, linker: Linker) -> list[RuleGroup]:
    """The rule's triggered actions, each with its cards (its child actions, or itself if it has none)."""
    source, reasons = _source(rule, linker), _override_reasons(rule, package)
    groups = []
    for action in rule.get("action", []):
        triggers = [t.get("name", t.get("type", "")) for t in action.get("trigger", [])]
        children = action.get("action", [])
        cards = (
            [_card(a, source, reasons, linker) for a in children]
            if children
            else [_card(action, source, reasons, linker)]
        )
        groups.append(
            RuleGroup(
                action_id=str(action.get("id", "")),
                title=str(action.get("title", "")),
                description=str(action.get("description", "")),
                triggers=triggers,
                conditions=_conditions(action) if children else [],
                inputs=[str(i.get("title", "")) for i in action.get("input", []) if i.get("title")],
                cards=cards,
            )
        )
    return groups
