"""FHIRPath over plain JSON: variables as items, memberOf from value-set members, results back as JSON."""

from __future__ import annotations

from decimal import Decimal

from fhir_ldn.fhirpath.compiler import evaluate
from fhir_ldn.fhirpath.host import MembershipEnvironment, plain, variables

SSRI = "http://example.org/ValueSet/ssri"
FACTS = [
    {"code": {"coding": [{"system": "s", "code": "sertraline"}]}, "dailyDoseMg": 50.0, "name": "sertraline"},
    {"code": {"coding": [{"system": "s", "code": "aspirin"}]}, "name": "aspirin"},
]
ENV = MembershipEnvironment(lambda url: frozenset({("s", "sertraline")}) if url == SSRI else frozenset())


def test_facts_are_navigated_and_filtered_by_membership() -> None:
    scope = variables({"medications": FACTS})
    found = evaluate(f"%medications.where(code.memberOf('{SSRI}')).name", {}, variables=scope, env=ENV)
    assert plain(found) == ["sertraline"]
    assert plain(evaluate("%medications.dailyDoseMg", {}, variables=scope, env=ENV)) == [Decimal("50.0")]
    assert plain(evaluate("%medications.where(dailyDoseMg > 5).count()", {}, variables=scope, env=ENV)) == [1]
    assert evaluate("%medications.where(code.memberOf('http://other')).exists()", {}, variables=scope, env=ENV) == [
        False
    ]


def test_results_come_back_as_json() -> None:
    scope = variables({"action": {"title": "t", "code": [{"text": "x"}]}, "none": None})
    assert plain(evaluate("%action.code", {}, variables=scope)) == [{"text": "x"}]
    assert plain(evaluate("%none.exists()", {}, variables=scope)) == [False]
    assert plain(evaluate("@2024-01-02 + 1 day", {})) == ["2024-01-03"]
    assert plain(evaluate("4.5 'mg'", {})) == [{"value": Decimal("4.5"), "unit": "mg"}]
