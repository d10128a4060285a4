"""Reading JSON for validation: decimals as written, duplicate keys, positions on demand."""

from __future__ import annotations

import pytest

from fhir_ldn.validation.jsonsource import JsonSyntaxError, lexical, locate, locate_all, parse_json


def test_decimals_keep_their_lexical_form() -> None:
    doc = parse_json('{"a": 1.50, "b": 1e4, "c": -0.0, "d": 3, "e": true}')
    assert [lexical(doc.data[k]) for k in "abcde"] == ["1.50", "1e4", "-0.0", "3", "true"]
    assert doc.data["a"] == 1.5


def test_duplicate_keys_are_recorded_on_their_object() -> None:
    doc = parse_json('{"a": 1, "b": {"x": 1, "x": 2, "y": 3}, "a": 2}')
    assert doc.data["a"] == 1  # the duplicate is ignored, as the HL7 validator does
    assert doc.duplicates[id(doc.data)] == ["a"]
    assert doc.duplicates[id(doc.data["b"])] == ["x"]


def test_syntax_errors_carry_a_position() -> None:
    with pytest.raises(JsonSyntaxError) as caught:
        parse_json('{\n  "a": 1,\n  "b": }')
    assert (caught.value.line, caught.value.column) == (3, 8)
    with pytest.raises(JsonSyntaxError):
        parse_json('{"a": NaN}')


TEXT = """{
  "resourceType": "Patient",
  "name": [
    {"given": ["A", "B"]},
    {"fam\\u0069ly": "X"}
  ],
  "_birthDate": {"extension": []}
}"""


def test_positions_of_values_and_nearest_ancestors() -> None:
    assert locate(TEXT, ("name", 0, "given", 1)) == (4, 21)
    assert locate(TEXT, ("name", 1, "family")) == (5, 21)  # escaped keys are decoded
    assert locate(TEXT, ("_birthDate", "extension")) == (7, 31)
    assert locate(TEXT, ("name", 7, "given")) == (3, 11)  # no such item: its array
    found = locate_all(TEXT, [("resourceType",), ("name", 0), ()])
    assert found == {("resourceType",): (2, 19), ("name", 0): (4, 5), (): (1, 1)}
