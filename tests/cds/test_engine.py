"""The engine evaluates the ECA PlanDefinition generically and refuses, at start-up, one it cannot evaluate."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from fhir_ldn.cds.engine import CdsRule, load_rules
from fhir_ldn.cds.valuesets import ValueSetIndex
from fhir_ldn.constants import RXNORM
from fhir_ldn.errors import PackageError
from fhir_ldn.package.index import Package


def plan(package: Package) -> dict[str, Any]:
    return copy.deepcopy(package.require("PlanDefinition", "ldn-ssri-cds"))


def rule_for(package: Package, changed: dict[str, Any]) -> CdsRule:
    return CdsRule.from_plan(package, changed, ValueSetIndex(package))


def fact(code: str, origin: str, dose: float | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"origin": origin, "code": {"coding": [{"system": RXNORM, "code": code}]}, "reference": "x"}
    if dose is not None:
        out["dailyDoseMg"] = dose
    return out


def test_the_package_defines_one_service_for_both_hooks(package: Package) -> None:
    rules = load_rules(package)
    assert [r.id for r in rules] == ["ldn-ssri-cds"]  # the augmentation protocol is not an ECA rule
    assert rules[0].hooks == {"order-select", "order-sign"}


def test_decide_follows_the_conditions(package: Package) -> None:
    rule = load_rules(package)[0]
    assert [
        c.action_id for c in rule.decide("order-select", [fact("312941", "new"), fact("7243", "existing", 4.5)])
    ] == ["ldn-ssri"]
    assert rule.decide("patient-view", [fact("312941", "new"), fact("7243", "existing", 4.5)]) == []
    assert rule.decide("order-sign", []) == []


def test_trigger_limits_the_hooks(package: Package) -> None:
    changed = plan(package)
    changed["action"][0]["trigger"] = [{"type": "named-event", "name": "order-sign"}]
    rule = rule_for(package, changed)
    assert rule.hooks == {"order-sign"}
    facts = [fact("312941", "new"), fact("7243", "existing", 4.5)]
    assert rule.decide("order-select", facts) == []
    assert rule.decide("order-sign", facts)


def test_priority_precheck_and_selection_behavior_are_mapped(package: Package) -> None:
    changed = plan(package)
    card = changed["action"][0]["action"][0]
    card["priority"] = "urgent"
    card["selectionBehavior"] = "exactly-one"
    card["action"][0]["precheckBehavior"] = "yes"
    template = rule_for(package, changed).groups[0].cards[0].card
    assert template.static["indicator"] == "warning"
    assert template.selection_behavior == "at-most-one"
    assert [s.is_recommended for s in template.suggestions] == [True, False, False]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["condition"][0]["expression"].update(expression="%medications.where("), "syntax"),
        (lambda c: c["condition"][0]["expression"].update(language="text/cql"), "text/fhirpath"),
        (
            lambda c: c["condition"][0]["expression"].update(
                expression="%medications.where(code.memberOf('urn:x')).exists()"
            ),
            "not in the package",
        ),
        (lambda c: c.update(title="x" * 140), "1–139 characters"),
        (lambda c: c.update(priority="whenever"), "indicator"),
        (lambda c: c["action"][0].update(definitionCanonical="https://example.org/none"), "ActivityDefinition"),
        (lambda c: c["action"][0]["type"]["coding"][0].update(code="remove"), "not supported"),
        (lambda c: c["action"][0].update(condition=c["condition"]), "suggestions cannot have applicability"),
        (lambda c: c["dynamicValue"][0].update(path="indicator"), "may set only"),
        (lambda c: c["dynamicValue"][0]["expression"].update(expression="%action.description +"), "syntax"),
        (lambda c: c["dynamicValue"][0]["expression"].update(expression="%nope.description"), "dynamicValue"),
    ],
)
def test_unusable_plans_fail_at_start_up(package: Package, change: Any, message: str) -> None:
    changed = plan(package)
    change(changed["action"][0]["action"][0])
    with pytest.raises(PackageError, match=message):
        rule_for(package, changed)


def test_dynamic_texts_are_decided_per_request_and_cached_by_what_they_read(package: Package) -> None:
    changed = plan(package)
    card = changed["action"][0]["action"][0]
    nx = "%medications.where(code.memberOf('https://fhir-ldn.github.io/fhir/ValueSet/naltrexone'))"
    card["dynamicValue"] = [
        {
            "path": "title",
            "expression": {"language": "text/fhirpath", "expression": f"'LDN ' + {nx}.dailyDoseMg.toString()"},
        },
        {"path": "description", "expression": {"language": "text/fhirpath", "expression": "%action.title"}},
    ]
    rule = rule_for(package, changed)
    for dose in (4.5, 2, 4.5):
        (decided,) = rule.decide("order-select", [fact("312941", "new"), fact("7243", "existing", dose)])
        assert decided.static["summary"] == f"LDN {dose:g}"
        assert decided.static["detail"] == card["title"]
        assert f'"summary":"LDN {dose:g}"' in decided.static_json  # what the response is written from
    # a text too long for a summary keeps the authored one
    card["dynamicValue"][0]["expression"]["expression"] = "'" + "y" * 150 + "'"
    rule = rule_for(package, changed)
    (decided,) = rule.decide("order-select", [fact("312941", "new"), fact("7243", "existing", 4.5)])
    assert decided.static["summary"] == card["title"]
