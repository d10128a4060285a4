"""JSON with comments and comma slips is read as the HL7 validator reads it, each slip an error where it belongs."""

from __future__ import annotations

import pytest

from fhir_ldn.validation.jsonsource import JsonSyntaxError, parse_json
from fhir_ldn.validation.lenient_json import COMMENT, EXTRA_COMMA_ARRAY, EXTRA_COMMA_OBJECT, MISSING_COMMA
from fhir_ldn.validation.validator import Validator


def test_comments_belong_to_the_next_property_or_to_the_root() -> None:
    doc = parse_json('// first\n{"a": 1, /* here */ "b": {"c": 2 // late\n}, "d": 3}')
    assert doc.data == {"a": 1, "b": {"c": 2}, "d": 3}
    assert doc.notes[id(doc.data)] == [("b", *COMMENT), ("d", *COMMENT), (None, *COMMENT)]


def test_comma_slips_are_noted_on_the_object_or_the_array_property() -> None:
    doc = parse_json('{"a": [1, 2,], "b": {"c": 1 "d": 2,}}')
    assert doc.data == {"a": [1, 2], "b": {"c": 1, "d": 2}}
    assert doc.notes[id(doc.data)] == [("a", *EXTRA_COMMA_ARRAY)]
    assert doc.notes[id(doc.data["b"])] == [(None, *MISSING_COMMA), (None, *EXTRA_COMMA_OBJECT)]


def test_other_malformed_json_stays_a_syntax_error() -> None:
    for text in ('{"a": }', '{"a": 1,, "b": 2}', '{"a": 1} x', '{"a": NaN}'):
        with pytest.raises(JsonSyntaxError):
            parse_json(text)


def test_the_validator_reports_them_at_the_elements(core_validator: Validator) -> None:
    text = '{"resourceType": "Patient", // note\n "active": true, "name": [{"given": ["A",]}]}'
    result = core_validator.validate_json(text)
    found = {(i.severity, i.expression, i.text) for i in result.issues if i.severity in ("error", "fatal")}
    assert found == {
        ("error", "Patient.active", COMMENT[0]),
        ("error", "Patient.name[0].given", EXTRA_COMMA_ARRAY[0]),
    }
