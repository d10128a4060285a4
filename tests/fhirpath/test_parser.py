"""The FHIRPath parser: precedence, literals, invocations and clear errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fhir_ldn.fhirpath.parser import FhirPathParseError, parse
from fhir_ldn.fhirpath.values import Quantity, Temporal


def test_member_chains_and_functions() -> None:
    assert parse("name.given.first()") == ("fn", ("member", ("member", None, "name"), "given"), "first", [])
    assert parse("where(use = 'x')") == ("fn", None, "where", [("op", "=", ("member", None, "use"), ("lit", "x"))])


def test_precedence_follows_the_grammar() -> None:
    # and binds tighter than or, which binds tighter than implies
    assert parse("a or b and c implies d") == (
        "op",
        "implies",
        ("op", "or", ("member", None, "a"), ("op", "and", ("member", None, "b"), ("member", None, "c"))),
        ("member", None, "d"),
    )
    # * before +, + before comparison, comparison before =
    assert parse("1 + 2 * 3 > 4 = true") == (
        "op",
        "=",
        ("op", ">", ("op", "+", ("lit", 1), ("op", "*", ("lit", 2), ("lit", 3))), ("lit", 4)),
        ("lit", True),
    )
    assert parse("a | b is Patient") == (
        "op",
        "|",
        ("member", None, "a"),
        ("type_op", "is", ("member", None, "b"), "Patient"),
    )


def test_literals() -> None:
    assert parse(r"'a\'b'") == ("lit", "a'b")
    assert parse("1.50") == ("lit", Decimal("1.50"))
    assert parse("-3") == ("lit", -3)
    assert parse("4 'mg'") == ("lit", Quantity(Decimal(4), "mg"))
    assert parse("2 days") == ("lit", Quantity(Decimal(2), "days"))
    assert parse("@2014-01-25T14:30:14.559Z") == ("lit", Temporal("datetime", (2014, 1, 25, 14, 30, 14, 559), 0))
    assert parse("@T14:30") == ("lit", Temporal("time", (14, 30)))
    assert parse("{}") == ("empty",)
    assert parse("%`vs-administrative-gender`") == ("var", "vs-administrative-gender")
    assert parse("text.`div`") == ("member", ("member", None, "text"), "div")


def test_double_quoted_strings_are_read_as_strings() -> None:
    """eld-11 in R5 writes contains(":"); the HL7 tools read it, so do we."""
    assert parse('type.code.contains(":")')[3] == [("lit", ":")]


def test_keywords_are_names_after_a_dot() -> None:
    assert parse("reference.contains('#')")[2] == "contains"
    assert parse("x.as(Quantity)")[2] == "as"


@pytest.mark.parametrize("text", ["", "name.", "(a", "a +", "where(", "a b", "1 'mg' x", "@2019-13-45x"])
def test_bad_expressions_are_rejected(text: str) -> None:
    with pytest.raises(FhirPathParseError):
        parse(text)
