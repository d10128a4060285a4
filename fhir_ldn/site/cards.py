"""The CDS rule in words (triggers, conditions) and a preview of each card exactly as the CDS service sends it.

The words come from the ECA PlanDefinition; the cards come from the CDS engine itself (`fhir_ldn.cds`): each
card is `card_json` of the engine's card template for an example patient, so the preview cannot drift from
what an EHR receives (summary, indicator, detail, source, DOI links, override reasons, suggestions).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fhir_ldn.apply.activitydefinition import ApplyContext
from fhir_ldn.cds.cards import card_json
from fhir_ldn.cds.engine import load_rules
from fhir_ldn.package.index import Package, Resource
from fhir_ldn.site.views import Linker, page_name, title_of

EXAMPLE_PATIENT = "Patient/example"
FRESH_UUID = "(a new UUID in every response)"  # the preview stays the same from build to build


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


@dataclass(frozen=True)
class Suggestion:
    label: str
    description: str  # the suggestion's action description
    creates: str  # e.g. "ServiceRequest (proposal): Track subtle mood shifts"
    definition_page: str | None


@dataclass(frozen=True)
class CardPreview:
    """One card: the rule's words for when it applies, and the card as the service sends it."""

    action_id: str
    conditions: list[Condition]
    suggestions: list[Suggestion]
    card: dict[str, Any]  # the CDS Hooks card JSON (for an example patient)
    source: Link | None  # the card's source, linked to its page here when it is in the package

    @property
    def summary(self) -> str:
        return str(self.card["summary"])

    @property
    def indicator(self) -> str:
        return str(self.card["indicator"])

    @property
    def detail(self) -> str:
        return str(self.card.get("detail", ""))

    @property
    def links(self) -> list[Link]:
        return [Link(str(x["label"]), str(x["url"])) for x in self.card.get("links", [])]

    @property
    def override_reasons(self) -> list[str]:
        return [str(r.get("display", r.get("code", ""))) for r in self.card.get("overrideReasons", [])]

    @property
    def selection_behavior(self) -> str | None:
        return self.card.get("selectionBehavior")


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


def service_cards(package: Package, rule_id: str) -> dict[str, dict[str, Any]]:
    """The engine's cards of one ECA PlanDefinition, by action id, for an example patient."""
    context = ApplyContext(subject=EXAMPLE_PATIENT)
    for rule in load_rules(package):
        if rule.id == rule_id:
            templates = (c.card for g in rule.groups for c in g.cards)
            return {t.action_id: _without_uuids(json.loads(card_json(t, context))) for t in templates}
    return {}


def _without_uuids(card: dict[str, Any]) -> dict[str, Any]:
    card["uuid"] = FRESH_UUID
    for suggestion in card.get("suggestions", []):
        suggestion["uuid"] = FRESH_UUID
    return card


def _suggestion(action: dict[str, Any], linker: Linker) -> Suggestion:
    definition = linker.resolve(action.get("definitionCanonical"))
    creates = ""
    if definition is not None and definition["resourceType"] == "ActivityDefinition":
        creates = f"{definition.get('kind', '')} ({definition.get('intent', 'proposal')}): {title_of(definition)}"
    return Suggestion(
        label=str(action.get("title", "")),
        description=str(action.get("description", "")),
        creates=creates,
        definition_page=page_name(definition) if definition is not None else None,
    )


def _source(card: dict[str, Any], linker: Linker) -> Link | None:
    source = card.get("source")
    if not isinstance(source, dict):
        return None
    url = str(source.get("url", ""))
    return Link(str(source.get("label", "")), linker.href(url) or url)


def explain_rule(rule: Resource, package: Package, linker: Linker) -> list[RuleGroup]:
    """The rule's triggered actions, each with the cards the service builds from its child actions."""
    cards = service_cards(package, str(rule["id"]))
    groups = []
    for action in rule.get("action", []):
        previews = [
            CardPreview(
                action_id=str(child.get("id", "")),
                conditions=_conditions(child),
                suggestions=[_suggestion(a, linker) for a in child.get("action", [])],
                card=cards[str(child.get("id", ""))],
                source=_source(cards[str(child.get("id", ""))], linker),
            )
            for child in action.get("action", [])
            if str(child.get("id", "")) in cards
        ]
        groups.append(
            RuleGroup(
                action_id=str(action.get("id", "")),
                title=str(action.get("title", "")),
                description=str(action.get("description", "")),
                triggers=[t.get("name", t.get("type", "")) for t in action.get("trigger", [])],
                conditions=_conditions(action),
                inputs=[str(i.get("title", "")) for i in action.get("input", []) if i.get("title")],
                cards=previews,
            )
        )
    return groups
