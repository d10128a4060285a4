"""The function library: strings, collections, conversions, repeat/aggregate, FHIR-specific helpers."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_ldn.fhirpath.compiler import Context, Environment, evaluate
from fhir_ldn.fhirpath.function_args import type_matches
from fhir_ldn.fhirpath.nodes import FNode, Model


def one(expression: str, focus: Any = None) -> Any:
    result = evaluate(expression, focus if focus is not None else {})
    assert len(result) <= 1, result
    return result[0] if result else None


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("'abcdef'.substring(2, 3)", "cde"),
        ("'abc'.substring(5)", None),
        ("'a,b,c'.split(',').count()", 3),
        ("('a' | 'b').join('-')", "a-b"),
        ("'  x '.trim()", "x"),
        ("'abc'.replaceMatches('b', 'X')", "aXc"),
        ("'abc'.matchesFull('a.c')", True),
        ("'Hello'.lower() + 'x'.upper()", "helloX"),
        ("'abc'.lastIndexOf('c')", 2),
        ("'abc'.toChars().count()", 3),
        ("'12'.toInteger() + 1", 13),
        ("'1.50'.toDecimal()", None.__class__ and __import__("decimal").Decimal("1.50")),
        ("'yes'.toBoolean()", True),
        ("'x'.convertsToInteger()", False),
        ("(1 | 2 | 3).where($this > 1).select($this * 2).sum()", 10),
        ("(1 | 2 | 3).aggregate($this + $total, 0)", 6),
        ("(3 | 1 | 2).max()", 3),
        ("(1 | 2).subsetOf(1 | 2 | 3)", True),
        ("(1 | 2 | 3).exclude(2).count()", 2),
        ("(1 | 2).intersect(2 | 3)", 2),
        ("(1 | 1).combine(1).count()", 2),  # | removes duplicates, combine() keeps them
        ("(true | false).anyTrue()", True),
        ("(true | false).allTrue()", False),
        ("{}.allFalse()", True),
        ("(1 | 2).single()", "error"),
        ("(1.5).round()", 2),
        ("(-2).abs()", 2),
        ("(2.5).floor()", 2),
        ("@2014-01-01.toString()", "2014-01-01"),
        ("iif({}, 'a', 'b')", "b"),
        ("today() > @2020-01-01", True),
    ],
)
def test_functions(expression: str, expected: Any) -> None:
    if expected == "error":
        with pytest.raises(ValueError, match="single"):
            one(expression)
        return
    assert one(expression) == expected


def test_repeat_walks_a_tree_once() -> None:
    tree = {"resourceType": "Questionnaire", "item": [{"linkId": "1", "item": [{"linkId": "1.1"}, {"linkId": "1.2"}]}]}
    ids = [n.v for n in evaluate("repeat(item).linkId", tree)]
    assert ids == ["1", "1.1", "1.2"]


def test_extension_function_and_trace() -> None:
    resource = {
        "resourceType": "Patient",
        "extension": [{"url": "a", "valueString": "x"}, {"url": "b", "valueString": "y"}],
    }
    assert [n.v for n in evaluate("extension('b').value", resource)] == ["y"]
    seen: list[tuple[str, list[Any]]] = []

    class Tracing(Environment):
        def trace(self, name: str, items: list[Any]) -> None:
            seen.append((name, items))

    evaluate("extension.trace('urls', url).count()", resource, env=Tracing())
    assert seen[0][0] == "urls"
    assert [n.v for n in seen[0][1]] == ["a", "b"]


def test_html_checks_and_member_of_need_the_environment() -> None:
    with pytest.raises(ValueError, match="XHTML"):
        evaluate("text.div.htmlChecks()", {"resourceType": "Basic", "text": {"div": "<div/>"}})
    with pytest.raises(ValueError, match="terminology"):
        evaluate("code.memberOf('http://vs')", {"resourceType": "Basic", "code": {"text": "x"}})

    class Env(Environment):
        def html_checks(self, item: Any, which: int, ctx: Context) -> bool:
            return which == 1

    assert evaluate("text.div.htmlChecks()", {"resourceType": "Basic", "text": {"div": "<div/>"}}, env=Env()) == [True]


def test_type_matches() -> None:
    model = Model()
    assert type_matches(model, FNode("x", None, "string"), "string")
    assert type_matches(model, FNode("x", None, "string"), "System.String")
    assert type_matches(model, FNode("x", None, "code"), "FHIR.code")
    assert type_matches(model, 1, "Integer")
    assert not type_matches(model, True, "Integer")
    assert not type_matches(model, "x", "FHIR.string")
