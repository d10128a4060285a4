"""Invariants: base and profile constraints, ele-1 natively, messages, and the shortcut for absent elements."""

from __future__ import annotations

from typing import Any

from fhir_ldn.fhirpath.compiler import Context, Environment
from fhir_ldn.fhirpath.nodes import FNode, Model
from fhir_ldn.validation.invariants import InvariantEvaluator, ele1_holds, plan_for
from fhir_ldn.validation.model import Constraint
from fhir_ldn.validation.session import Session
from fhir_ldn.validation.validator import Validator, default_source
from tests.validation.conftest import errors, issues, profile


def test_ele1() -> None:
    assert ele1_holds({"a": 1}, None)
    assert not ele1_holds({"id": "x"}, None)
    assert not ele1_holds("", None)
    assert ele1_holds(None, {"extension": [{"url": "u"}]})
    assert not ele1_holds(None, {"id": "x"})


def test_base_invariants_report_where_they_fail(core_validator: Validator) -> None:
    care_team = {
        "resourceType": "CareTeam",
        "participant": [{"member": {"display": "x"}, "onBehalfOf": {"reference": "Organization/1"}}],
    }
    assert errors(core_validator.validate_resource(care_team)) == [
        (
            "invariant",
            "CareTeam.participant[0]",
            "Constraint failed: ctm-1: 'CareTeam.participant.onBehalfOf can only be populated when "
            "CareTeam.participant.member "
            "is a Practitioner' (defined in http://hl7.org/fhir/StructureDefinition/CareTeam)",
        )
    ]
    period = {
        "resourceType": "Encounter",
        "status": "planned",
        "actualPeriod": {"start": "2020-02", "end": "2020-01-15"},
    }
    assert [e[2][:25] for e in errors(core_validator.validate_resource(period))] == ["Constraint failed: per-1:"]
    assert (
        errors(core_validator.validate_resource({**period, "actualPeriod": {"start": "2020-01", "end": "2020-01-15"}}))
        == []
    )


def test_warnings_and_best_practice() -> None:
    questionnaire = {"resourceType": "Questionnaire", "status": "draft", "item": [{"linkId": "1", "type": "group"}]}
    validator = Validator(Session(default_source()))
    assert [(s, c) for s, c, *_ in issues(validator.validate_resource(questionnaire))] == [("warning", "invariant")]
    # dom-6 (narrative) is a best-practice rule: off unless asked for
    assert issues(validator.validate_resource({"resourceType": "Basic", "code": {"text": "x"}})) == []


def test_profile_invariants_have_no_defined_in_suffix() -> None:
    url = "http://example.org/StructureDefinition/official"
    constraint = {
        "key": "off-1",
        "severity": "error",
        "human": "One name must be official",
        "expression": "name.where(use = 'official').exists()",
    }
    validator = Validator(
        Session(
            default_source(
                [profile("Patient", url, [{"id": "Patient", "path": "Patient", "constraint": [constraint]}])]
            )
        )
    )
    found = errors(validator.validate_resource({"resourceType": "Patient", "name": [{"family": "x"}]}, [url]))
    assert found == [("invariant", "Patient", "Constraint failed: off-1: 'One name must be official'")]


def test_results_for_absent_elements_are_reused() -> None:
    plan = plan_for("name.exists() implies name.matches('^[A-Z]')")
    assert plan.focus_independent
    assert plan.names == {"name"}
    assert not plan_for("%resource.id.exists()").focus_independent
    assert not plan_for("children().count() > 1").focus_independent
    runs: list[Any] = []
    evaluator = InvariantEvaluator()
    original = evaluator._run

    def counting(expression: Any, ctx: Context, focus: Any) -> bool | str:
        runs.append(focus)
        return original(expression, ctx, focus)

    evaluator._run = counting  # type: ignore[method-assign]
    c = Constraint("t", "error", "h", "name.exists() implies name.matches('^[A-Z]')", None)
    for v in ({"id": "a"}, {"id": "b"}, {"name": "x"}):
        node = FNode(v, None, "Thing")
        evaluator.evaluate(c, Context(Model(), _Env(), {}, node), node, set(v))
    assert [r.v for r in runs] == [{"id": "a"}, {"name": "x"}]


class _Env(Environment):
    def trace(self, name: str, items: list[Any]) -> None:
        return None
