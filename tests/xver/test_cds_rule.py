"""The CDS rule unchanged in meaning: the R4B and R4 ECA PlanDefinitions decide exactly as the R5 one.

The converted rule's triggers and FHIRPath applicability conditions are compiled with the engine's own
compiler and evaluated over a grid of medication situations (SSRI and naltrexone codes from the package's value
sets, new or existing, daily doses around the 5 mg limit, unknown); the child actions that apply must be the
cards the R5 rule (`fhir_ldn.cds.engine`) gives, for every hook.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import pytest

from fhir_ldn.cds.engine import ConditionCompiler, load_rules
from fhir_ldn.cds.valuesets import ValueSetIndex
from fhir_ldn.package.index import Package
from fhir_ldn.xver.package import convert_resources
from fhir_ldn.xver.targets import R4, R4B, FhirTarget

HOOKS = ("order-select", "order-sign", "patient-view")
DOSES = (None, 0.5, 4.5, 5, 5.01, 50)


def converted_decisions(plan: Mapping[str, Any], compiler: ConditionCompiler) -> Any:
    groups = []
    for action in plan["action"]:
        hooks = {t["name"] for t in action.get("trigger", []) if t.get("type") == "named-event"}
        cards = [(child["id"], compiler.compile(child.get("condition"), child["id"])) for child in action["action"]]
        groups.append((hooks, compiler.compile(action.get("condition"), action["id"]), cards))

    def decide(hook: str, medications: list[dict[str, Any]]) -> list[str]:
        variables = {"medications": medications}
        out = []
        for hooks, conditions, cards in groups:
            if hook in hooks and all(c.holds(variables) for c in conditions):
                out += [card_id for card_id, conds in cards if all(c.holds(variables) for c in conds)]
        return out

    return decide


def situations(package: Package) -> list[list[dict[str, Any]]]:
    value_sets = ValueSetIndex(package)
    base = package.meta.canonical + "/ValueSet/"
    ssri = sorted(value_sets.members(base + "ssri"))[:2]
    naltrexone = sorted(value_sets.members(base + "naltrexone"))[:2]
    other = ("http://example.org/not-a-drug", "x")

    def fact(code: tuple[str, str], origin: str, dose: float | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"origin": origin, "code": {"coding": [{"system": code[0], "code": code[1]}]}}
        if dose is not None:
            out["dailyDoseMg"] = dose
        return out

    grid: list[list[dict[str, Any]]] = [[]]
    for s, n, s_origin, n_origin, dose in itertools.product(
        ssri, naltrexone, ("new", "existing"), ("new", "existing"), DOSES
    ):
        grid.append([fact(s, s_origin), fact(n, n_origin, dose)])
        grid.append([fact(s, s_origin), fact(n, n_origin, dose), fact(n, "existing", 4.5)])
    grid += [[fact(other, "new")], [fact(ssri[0], "new"), fact(other, "existing")], [fact(naltrexone[0], "new", 4.5)]]
    return grid


@pytest.mark.parametrize("target", [R4B, R4], ids=["R4B", "R4"])
def test_the_converted_rule_gives_the_r5_decisions(package: Package, target: FhirTarget) -> None:
    rule = load_rules(package)[0]
    resources, _ = convert_resources(package, target)
    plan = next(r for r in resources if r["resourceType"] == "PlanDefinition" and r["id"] == rule.id)
    decide = converted_decisions(plan, ConditionCompiler(ValueSetIndex(package)))
    cards_seen = set()
    grid = situations(package)
    for hook, medications in itertools.product(HOOKS, grid):
        expected = [card.action_id for card in rule.evaluate(hook, medications)]
        assert decide(hook, medications) == expected, (hook, medications)
        cards_seen.update(expected)
    assert len(grid) > 100
    assert len(cards_seen) == 3  # every card of the rule (LDN, dose unclear, standard dose) was decided somewhere
