"""Evaluate an ECA-rule PlanDefinition for a CDS hook: triggers, FHIRPath conditions, child actions → cards.

Built once per PlanDefinition at start-up (`CdsRule.from_plan`): every condition is syntax-checked with
`fhir_ldn.fhirpath.check_syntax` and compiled by the project's FHIRPath engine, every value set a
`memberOf('url')` names is expanded into a set index, and every card is pre-built (`fhir_ldn.cds.cards`). Per
request, `decide` evaluates the compiled conditions over `%medications` and returns the card templates that
apply, with the texts of a card action's `dynamicValue`s (paths `title` → summary, `description` → detail) put in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fhir_ldn.cds.cards import SUMMARY_LIMIT, CardTemplate, Json, card_template
from fhir_ldn.cds.decision_cache import FactView, LruCache
from fhir_ldn.cds.dose import strength_from_quantity
from fhir_ldn.cds.drug_names import DrugNames
from fhir_ldn.cds.medications import CodeKey, Strength
from fhir_ldn.cds.valuesets import ValueSetIndex
from fhir_ldn.constants import LOCAL_CONCEPTS_ID, OVERRIDE_REASONS_LABEL, PLAN_DEFINITION_TYPE, STRENGTH_PER_UNIT
from fhir_ldn.errors import PackageError
from fhir_ldn.fhirpath import FhirPathSyntaxError, check_syntax
from fhir_ldn.fhirpath.compiler import CompiledExpression, Environment, compile_expression
from fhir_ldn.fhirpath.host import MembershipEnvironment, Scope, plain, variables
from fhir_ldn.fhirpath.operators import FhirPathEvaluationError
from fhir_ldn.fhirpath.parser import FhirPathParseError
from fhir_ldn.package.index import Package
from fhir_ldn.terminology import TerminologyService

SUPPORTED_HOOKS = frozenset({"order-select", "order-sign"})
DECISION_CACHE_SIZE = 4096
FHIRPATH = "text/fhirpath"
_MEMBER_OF = re.compile(r"memberOf\(\s*'([^']*)'\s*\)")
_CARD_TEXT = {"title": "summary", "description": "detail"}  # dynamicValue.path → the card member it sets


@dataclass(frozen=True)
class Condition:
    """One compiled applicability condition (or card text), evaluated over JSON %variables (or a ready Scope)."""

    expression: str
    compiled: CompiledExpression
    env: Environment

    def evaluate(self, values: Mapping[str, Any]) -> list[Any]:
        return plain(self.compiled.evaluate({}, variables=variables(values), env=self.env))

    def holds(self, values: Mapping[str, Any]) -> bool:
        return self.evaluate(values) == [True]


@dataclass(frozen=True)
class DynamicText:
    """A card action's `dynamicValue`: FHIRPath giving the card's `summary` (path `title`) or `detail` (path
    `description`) for this request; `%action` is the action as authored, `%medications` the facts."""

    field: str  # the card member it sets: summary | detail
    condition: Condition

    def text(self, variables: Mapping[str, Any]) -> str | None:
        result = self.condition.evaluate(variables)
        return result[0] if len(result) == 1 and isinstance(result[0], str) and result[0] else None


@dataclass(frozen=True)
class CardRule:
    conditions: tuple[Condition, ...]
    card: CardTemplate
    action: Mapping[str, Any] = field(default_factory=dict)
    dynamic: tuple[DynamicText, ...] = ()

    def render(self, values: Mapping[str, Any]) -> CardTemplate:
        """The card for this request: its template with the dynamic texts put in."""
        if not self.dynamic:
            return self.card
        scope = Scope({**variables(values), **variables({"action": self.action})})
        static = dict(self.card.static)
        for dynamic in self.dynamic:
            text = dynamic.text(scope)
            if text is not None and (dynamic.field != "summary" or len(text) < SUMMARY_LIMIT):
                static[dynamic.field] = text
        if static == self.card.static:
            return self.card
        return CardTemplate(self.card.action_id, static, self.card.suggestions, self.card.selection_behavior)


@dataclass(frozen=True)
class TriggerGroup:
    """A top-level action with named-event triggers: its conditions gate its child actions (the cards)."""

    hooks: frozenset[str]
    conditions: tuple[Condition, ...]
    cards: tuple[CardRule, ...]


class ConditionCompiler:
    """Checks and compiles FHIRPath conditions with the `memberOf` user function bound to the package."""

    def __init__(self, value_sets: ValueSetIndex):
        self._value_sets = value_sets
        self._env = MembershipEnvironment(value_sets.members)

    def compile(self, conditions: Any, where: str) -> tuple[Condition, ...]:
        out: list[Condition] = []
        for condition in conditions or ():
            if condition.get("kind") != "applicability":
                continue  # start/stop conditions govern timing, not whether a card applies
            expression = condition.get("expression") or {}
            text = expression.get("expression")
            if expression.get("language") != FHIRPATH or not isinstance(text, str):
                raise PackageError(f"{where}: only {FHIRPATH} conditions are supported", expression=where)
            try:
                check_syntax(text)
            except FhirPathSyntaxError as exc:
                raise PackageError(f"{where}: {exc}", expression=where) from exc
            for url in _MEMBER_OF.findall(text):
                self._value_sets.members(url)  # expand now: a missing value set fails start-up
            try:
                compiled = compile_expression(text)
            except (FhirPathParseError, FhirPathEvaluationError) as exc:
                raise PackageError(f"{where}: {exc}", expression=where) from exc
            out.append(Condition(text, compiled, self._env))
        return tuple(out)

    def compile_texts(self, action: Mapping[str, Any], where: str) -> tuple[DynamicText, ...]:
        """A card action's dynamicValues (paths `title` and `description` only), checked on an empty request."""
        out: list[DynamicText] = []
        for i, dynamic in enumerate(action.get("dynamicValue") or ()):
            here = f"{where}.dynamicValue[{i}]"
            target = _CARD_TEXT.get(str(dynamic.get("path")))
            if target is None:
                raise PackageError(f"{here}: a card's dynamicValue may set only {sorted(_CARD_TEXT)}", expression=here)
            (condition,) = self.compile([{"kind": "applicability", "expression": dynamic.get("expression")}], here)
            text = DynamicText(target, condition)
            try:
                text.text({"medications": [], "action": action})
            except FhirPathEvaluationError as exc:  # fail at start-up, not per request
                raise PackageError(f"{here}: {exc}", expression=here) from exc
            out.append(text)
        return tuple(out)


def product_strengths(package: Package, plan: Mapping[str, Any]) -> dict[CodeKey, Strength]:
    """Strength per unit of the products the PlanDefinition depends on (MedicinalProductDefinition characteristic)."""
    concept_system = f"{package.meta.canonical}/CodeSystem/{LOCAL_CONCEPTS_ID}"
    out: dict[CodeKey, Strength] = {}
    for artifact in plan.get("relatedArtifact") or ():
        if artifact.get("type") != "depends-on":
            continue
        ref = (artifact.get("resourceReference") or {}).get("reference")
        product = package.resolve_reference(ref) if isinstance(ref, str) else None
        if product is None or product.get("resourceType") != "MedicinalProductDefinition":
            continue
        strength = None
        for characteristic in product.get("characteristic") or ():
            codings = (characteristic.get("type") or {}).get("coding") or ()
            if any(c.get("system") == concept_system and c.get("code") == STRENGTH_PER_UNIT for c in codings):
                strength = strength_from_quantity(characteristic.get("valueQuantity") or {})
        if strength is None:
            raise PackageError(f"MedicinalProductDefinition/{product.get('id')} has no usable {STRENGTH_PER_UNIT}")
        for coding in product.get("code") or ():
            out[(coding["system"], coding["code"])] = strength
    return out


def override_reasons(
    value_sets: ValueSetIndex, holder: Mapping[str, Any], field: str = "relatedArtifact"
) -> list[Json]:
    """The override reasons (each with a display, as CDS Hooks requires) of the value set that `holder` names as
    `override-reasons` (a PlanDefinition's relatedArtifact, or a card action's own documentation); [] if none."""
    for artifact in holder.get(field) or ():
        if artifact.get("type") == "depends-on" and artifact.get("label") == OVERRIDE_REASONS_LABEL:
            reasons = [dict(c) for c in value_sets.expansion(str(artifact.get("resource")))]
            if not reasons or any("display" not in r for r in reasons):
                raise PackageError("every override reason needs a display (CDS Hooks 2.0)")
            return reasons
    return []


def visible_codes(view: FactView, value_sets: ValueSetIndex) -> frozenset[CodeKey] | None:
    """The codes of the value sets every condition filters `%medications` by, if they all do (else None)."""
    if view.visible_only_in is None:
        return None
    return frozenset().union(*(value_sets.members(url) for url in view.visible_only_in))


def _hooks(action: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(
        t["name"]
        for t in action.get("trigger") or ()
        if t.get("type") == "named-event" and isinstance(t.get("name"), str)
    )


@dataclass(frozen=True)
class CdsRule:
    """One ECA PlanDefinition, ready to evaluate: the CDS service it defines."""

    id: str
    title: str
    description: str
    hooks: frozenset[str]
    groups: tuple[TriggerGroup, ...]
    product_strengths: Mapping[CodeKey, Strength]
    names: DrugNames  # the package's drug names, for orders without a verified code
    value_sets: ValueSetIndex
    # Codes a medication needs for any condition to see it (None: every medication can be seen).
    visible_codes: frozenset[CodeKey] | None
    decision_key: Callable[[Sequence[Mapping[str, Any]]], Hashable]
    decisions: LruCache[tuple[CardTemplate, ...]]

    @classmethod
    def from_plan(cls, package: Package, plan: Mapping[str, Any], value_sets: ValueSetIndex) -> CdsRule:
        where = f"PlanDefinition/{plan.get('id')}"
        compiler = ConditionCompiler(value_sets)
        reasons = override_reasons(value_sets, plan)
        groups = []
        for i, action in enumerate(plan.get("action") or ()):
            hooks = _hooks(action) & SUPPORTED_HOOKS
            if not hooks:
                continue
            cards = tuple(
                CardRule(
                    compiler.compile(child.get("condition"), f"{where}.action[{i}].action[{j}].condition"),
                    card_template(
                        package, plan, child, override_reasons(value_sets, child, "documentation") or reasons
                    ),
                    child,
                    compiler.compile_texts(child, f"{where}.action[{i}].action[{j}]"),
                )
                for j, child in enumerate(action.get("action") or ())
            )
            groups.append(TriggerGroup(hooks, compiler.compile(action.get("condition"), f"{where}.action[{i}]"), cards))
        if not groups:
            raise PackageError(f"{where} has no action triggered by {', '.join(sorted(SUPPORTED_HOOKS))}")
        title = str(plan.get("title") or plan.get("name") or plan.get("id"))
        expressions = [
            c.expression for g in groups for c in (*g.conditions, *(c for r in g.cards for c in r.conditions))
        ] + [d.condition.expression for g in groups for r in g.cards for d in r.dynamic]
        view = FactView(expressions)
        return cls(
            id=str(plan["id"]),
            title=title,
            description=str(plan.get("description") or title),
            hooks=frozenset().union(*(g.hooks for g in groups)),
            groups=tuple(groups),
            product_strengths=product_strengths(package, plan),
            names=DrugNames.from_package(package),
            value_sets=value_sets,
            visible_codes=visible_codes(view, value_sets),
            decision_key=view.key_function(value_sets.members),
            decisions=LruCache(DECISION_CACHE_SIZE),
        )

    def decide(self, hook: str, medications: Sequence[Mapping[str, Any]]) -> list[CardTemplate]:
        """The cards whose trigger matches `hook` and whose conditions (and their group's) all hold.

        Decisions are remembered under a key of what the conditions can observe (`fhir_ldn.cds.decision_cache`).
        """
        key = (hook, self.decision_key(medications))
        known = self.decisions.get(key)
        if known is not None:
            return list(known)
        decided = self.evaluate(hook, medications)
        self.decisions.put(key, tuple(decided))
        return decided

    def evaluate(self, hook: str, medications: Sequence[Mapping[str, Any]]) -> list[CardTemplate]:
        """`decide` without the cache: every condition evaluated (the facts turned into FHIRPath items once)."""
        scope = variables({"medications": list(medications)})
        out: list[CardTemplate] = []
        for group in self.groups:
            if hook not in group.hooks or not all(c.holds(scope) for c in group.conditions):
                continue
            out += [rule.render(scope) for rule in group.cards if all(c.holds(scope) for c in rule.conditions)]
        return out


def is_eca_rule(resource: Mapping[str, Any]) -> bool:
    codings = (resource.get("type") or {}).get("coding") or ()
    return any(c.get("system") == PLAN_DEFINITION_TYPE and c.get("code") == "eca-rule" for c in codings)


def load_rules(package: Package, terminology: TerminologyService | None = None) -> list[CdsRule]:
    """A CdsRule for every ECA-rule PlanDefinition of the package triggered by a supported hook.

    `terminology` answers value-set membership (the app shares its own); by default one is built from the package.
    """
    value_sets = ValueSetIndex(package, terminology)
    rules = []
    for plan in package.of_type("PlanDefinition"):
        if is_eca_rule(plan) and any(_hooks(a) & SUPPORTED_HOOKS for a in plan.get("action") or ()):
            rules.append(CdsRule.from_plan(package, plan, value_sets))
    return rules
