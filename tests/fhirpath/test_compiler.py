"""The FHIRPath evaluator: navigation (primitive extensions included), operators, functions and caching.

Plain navigation, filtering, arithmetic and strings are checked against the answers fhirpathpy gave; the cases it
got wrong (primitive extensions, `children()` of extension-only primitives) against the spec.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from fhir_ldn.fhirpath.compiler import Context, Environment, compile_expression, evaluate
from fhir_ldn.fhirpath.nodes import FNode, primitive_value
from fhir_ldn.fhirpath.operators import FhirPathEvaluationError
from fhir_ldn.fhirpath.values import Quantity

PATIENT: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "p1",
    "active": True,
    "birthDate": "1974-12-25",
    "_birthDate": {"extension": [{"url": "http://example.org/time", "valueTime": "14:35:45"}]},
    "name": [
        {"use": "official", "family": "Chalmers", "given": ["Peter", "James"], "_given": [None, {"id": "g2"}]},
        {"use": "usual", "given": ["Jim"]},
    ],
    "telecom": [{"use": "home"}, {"system": "phone", "value": "(03) 5555 6473", "use": "work", "rank": 1}],
    "contact": [{"name": {"family": "du Marché"}, "telecom": [{"system": "email", "value": "x@example.org"}]}],
}


def values(expression: str, focus: Any = PATIENT, **kwargs: Any) -> list[Any]:
    """Results as plain values (primitives unwrapped, complex nodes as their JSON)."""
    out = []
    for item in evaluate(expression, focus, **kwargs):
        out.append((item.v if isinstance(item.v, dict) else primitive_value(item)) if isinstance(item, FNode) else item)
    return out


@pytest.mark.parametrize(
    ("expression", "expected"),
    [  # the answers fhirpathpy 2.2.4 (the engine the CDS rule used before) gave, kept as the expected values
        ("name.given", ["Peter", "James", "Jim"]),
        ("Patient.name.where(use = 'official').family", ["Chalmers"]),
        ("name.given.count()", [3]),
        ("telecom.where(system.exists()).value", ["(03) 5555 6473"]),
        ("name.select(given.first())", ["Peter", "Jim"]),
        ("name.given.exists($this = 'Jim')", [True]),
        ("telecom.rank + 1", [2]),
        ("name.family & ', ' & name.given.first()", ["Chalmers, Peter"]),
        ("name[1].given", ["Jim"]),
        ("contact.telecom.value.startsWith('x')", [True]),
        ("name.given.distinct().count() = name.given.count()", [True]),
        ("telecom.all(use.exists())", [True]),
        ("(1 | 2 | 2 | 3).count()", [3]),
        ("name.given.skip(1).take(1)", ["James"]),
        ("'abc'.substring(1, 1) & 'x'.upper()", ["bX"]),
        ("iif(active, 'yes', 'no')", ["yes"]),
        ("name.given.first().indexOf('e')", [1]),
        ("name.given.where(matches('^J'))", ["James", "Jim"]),
        ("telecom.use.isDistinct()", [True]),
    ],
)
def test_plain_navigation(expression: str, expected: list[Any]) -> None:
    plain = {**PATIENT, "name": [{k: v for k, v in n.items() if k != "_given"} for n in PATIENT["name"]]}
    assert values(expression, plain) == expected


def test_primitive_and_its_extension_are_one_node() -> None:
    """fhirpathpy returns the value and the _birthDate object as two items; FHIRPath sees one element."""
    assert evaluate("birthDate.count()", PATIENT) == [1]
    assert values("birthDate.extension.url") == ["http://example.org/time"]
    assert evaluate("name[0].given.count()", PATIENT) == [2]
    assert values("name[0].given[1].id") == ["g2"]
    assert evaluate("name[0].given[0].id.exists()", PATIENT) == [False]


def test_extension_only_primitives_exist_but_have_no_value() -> None:
    resource = {"resourceType": "Patient", "_gender": {"extension": [{"url": "u", "valueCode": "x"}]}}
    assert evaluate("gender.exists()", resource) == [True]
    assert evaluate("gender.hasValue()", resource) == [False]
    assert evaluate("gender.extension.count()", resource) == [1]
    assert evaluate("children().count()", resource) == [1]


def test_three_valued_logic() -> None:
    assert evaluate("{} and true", {}) == []
    assert evaluate("{} and false", {}) == [False]
    assert evaluate("{} or true", {}) == [True]
    assert evaluate("false implies {}", {}) == [True]
    assert evaluate("{} implies true", {}) == [True]
    assert evaluate("{} implies false", {}) == []
    assert evaluate("true xor {}", {}) == []
    assert evaluate("(true).not()", {}) == [False]


def test_equality_and_equivalence() -> None:
    assert evaluate("1 = 1.0", {}) == [True]
    assert evaluate("'a' = 'A'", {}) == [False]
    assert evaluate("'a  B' ~ 'A b'", {}) == [True]
    assert evaluate("{} = 1", {}) == []
    assert evaluate("1.2 ~ 1.23", {}) == [True]
    assert evaluate("(1 | 2) = (1 | 2)", {}) == [True]


def test_dates_compare_with_precision() -> None:
    assert evaluate("@2012-01 < @2012-02-01", {}) == [True]
    assert evaluate("@2012 = @2012-01", {}) == []
    assert evaluate("@2012-01-01T10:00:00+02:00 = @2012-01-01T08:00:00Z", {}) == [True]
    assert evaluate("@2012-01-01 ~ @2012-01", {}) == [False]
    assert evaluate("birthDate > @1970", PATIENT) == [True]


def test_boundaries_make_partial_dates_comparable() -> None:
    period = {"start": "2012", "end": "2012-03-01"}
    expression = "start.lowBoundary() <= end.highBoundary()"
    assert evaluate(expression, FNode(period, None, "Period"), model=_TypedPeriods()) == [True]
    assert values("(1.5).lowBoundary()", {}) == [Decimal("1.45000000")]
    assert values("@2014.highBoundary()", {})[0].parts[:3] == (2014, 12, 31)


class _TypedPeriods:
    """A model that types Period.start/end as dateTime, as the validator's definitions do."""

    def __getattr__(self, name: str) -> Any:
        from fhir_ldn.fhirpath.nodes import Model

        return getattr(Model(), name)

    def navigate(self, node: FNode, name: str) -> list[FNode]:
        value = node.v.get(name) if isinstance(node.v, dict) else None
        return [] if value is None else [FNode(value, None, "dateTime")]


def test_quantities() -> None:
    assert evaluate("4 'mg' > 3 'mg'", {}) == [True]
    assert evaluate("4 'mg' > 3 'g'", {}) == [False]  # UCUM prefixes convert (FHIRPath §2.1.20)
    assert evaluate("4000 'mg' = 4 'g'", {}) == [True]
    assert evaluate("7 days = 1 week", {}) == [True]  # week and shorter: definite durations
    assert evaluate("1 year = 1 'a'", {}) == []  # a calendar year is not the UCUM year
    assert evaluate("4 'mg' > 3 'm'", {}) == []  # mass and length do not compare
    assert values("(2 'mg' + 3 'mg')", {}) == [Quantity(Decimal(5), "mg")]
    assert values("(2 'g' + 300 'mg')", {}) == [Quantity(Decimal("2.3"), "g")]


def test_type_tests_and_type_filters() -> None:
    assert evaluate("Patient.active", PATIENT)[0].v is True
    assert evaluate("Observation.status", PATIENT) == []
    assert evaluate("name.given.first() is string", PATIENT) == [True]
    assert evaluate("'x' is System.String", {}) == [True]
    assert values("(1 | 'a' | 2.5).ofType(Integer)", {}) == [1]


def test_variables_and_the_environment() -> None:
    assert values("%ucum", {}) == ["http://unitsofmeasure.org"]
    assert values("%`vs-administrative-gender`", {}) == ["http://hl7.org/fhir/ValueSet/administrative-gender"]
    assert values("%limit + 1", {}, variables={"limit": 4}) == [5]
    with pytest.raises(FhirPathEvaluationError):
        evaluate("%unknown", {})

    class Env(Environment):
        def resolve(self, reference: str, ctx: Context) -> dict[str, Any] | None:
            return {"resourceType": "Practitioner", "id": reference.split("/")[1]}

        def member_of(self, item: Any, value_set: str, ctx: Context) -> bool | None:
            return value_set.endswith("home") and getattr(item, "v", None) == "home"

    ref = {"resourceType": "CareTeam", "participant": [{"member": {"reference": "Practitioner/7"}}]}
    assert evaluate("participant.member.resolve() is Practitioner", ref, env=Env()) == [True]
    assert values("participant.member.resolve().id", ref, env=Env()) == ["7"]
    assert evaluate("telecom.use.where(memberOf('http://x/home')).count()", PATIENT, env=Env()) == [1]


def test_unknown_functions_fail_at_compile_time() -> None:
    with pytest.raises(FhirPathEvaluationError):
        compile_expression("name.frobnicate()")
    with pytest.raises(FhirPathEvaluationError):
        compile_expression("name.substring()")


def test_runtime_errors_are_typed() -> None:
    with pytest.raises(FhirPathEvaluationError):
        evaluate("name.given + 1", PATIENT)
    with pytest.raises(FhirPathEvaluationError):
        evaluate("name.given.substring(1)", PATIENT)


def test_focus_independent_subexpressions_are_computed_once() -> None:
    calls = []

    class Counting(Environment):
        def resolve(self, reference: str, ctx: Context) -> dict[str, Any] | None:
            calls.append(reference)
            return {"resourceType": "Patient", "id": "x"}

    resource = {"resourceType": "List", "entry": [{"item": {"reference": f"Patient/{i}"}} for i in range(5)]}
    expression = "entry.all(item.reference.exists() and %ref.resolve().id = 'x')"
    assert evaluate(expression, resource, env=Counting(), variables={"ref": "Patient/x"}) == [True]
    assert calls == ["Patient/x"]
