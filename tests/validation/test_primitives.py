"""Lexical checks of primitives, with the HL7 validator's messages (cases from its primitive-bad test)."""

from __future__ import annotations

import pytest

from fhir_ldn.validation.primitives import check_length, check_primitive, decimal_status

DECIMAL_REGEX = r"-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,17})?([eE](0|[+\-]?[1-9][0-9]{0,9}))?"
INSTANT_REGEX = (
    r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3])"
    r":[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]{1,9})?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
)


@pytest.mark.parametrize(
    ("type_code", "text", "expected"),
    [
        ("boolean", "TRUE", ["Boolean values must be 'true' or 'false'"]),
        ("integer", "34534536346345345345", ["The value '34534536346345345345' is not a valid integer"]),
        ("integer", "1e4", ["The value '1e4' is not a valid integer"]),
        ("decimal", "00.1", ["The value '00.1' is not a valid decimal"]),
        ("decimal", "925.", ["The value '925.' is not a valid decimal"]),
        ("base64Binary", "YXNhcs2Rhc2Q=", ["The value 'YXNhcs2Rhc2Q=' is not a valid Base64 value"]),
        ("instant", "1983-00-01T12:32:45Z", ["Not a valid instant format: '1983-00-01T12:32:45Z'"]),
        ("instant", "1983-01-01T12:32:45", ["Not a valid instant format: '1983-01-01T12:32:45'"]),
        ("instant", "1983-01-01T12:32:45-15:00", ["Not a valid instant format: '1983-01-01T12:32:45-15:00'"]),
        ("uri", "not a valid uri", ["URI values cannot have whitespace('not a valid uri')"]),
        ("date", "1900-02-29", ["Not a valid date format: '1900-02-29'"]),
        ("date", "2013-04-31", ["Not a valid date format: '2013-04-31'"]),
        ("dateTime", "2013-01-01T12:32:45+13:33.00", ["Not a valid date/time format: '2013-01-01T12:32:45+13:33.00'"]),
        ("dateTime", "-0001-01-01", ["Not a valid date/time format: '-0001-01-01'"]),
        ("dateTime", "2013-01-01T12:32", ["Not a valid date/time format: '2013-01-01T12:32'"]),
        ("time", "24:00:00", ["Not a valid time (null)"]),
        ("code", "asd  asd", ["The code 'asd  asd' is not valid (whitespace rules)"]),
        ("code", "asd\u2003asd", ["The code 'asd\u2003asd' is not valid (whitespace rules)"]),  # an em space
        ("code", "asd\x0b", ["The code 'asd\x0b' is not valid (whitespace rules)"]),
        ("oid", "oid:0.1.2.3", ["URI values cannot start with oid:", "OIDs must start with urn:oid:"]),
        (
            "oid",
            "urn:oid: 0.1.2.3",
            ["URI values cannot have whitespace('urn:oid: 0.1.2.3')", "OIDs must be valid ( 0.1.2.3)"],
        ),
        ("oid", "urn:oid:a0.1.2.3", ["OIDs must be valid (a0.1.2.3)"]),
        ("id", "12123/23", ["id value '12123/23' is not valid"]),
        ("id", "a" * 65, [f"id value '{'a' * 65}' is not valid"]),
        ("unsignedInt", "-1", ["value is less than permitted minimum value of 0"]),
        ("positiveInt", "0", ["value is less than permitted minimum value of 1"]),
        ("string", "", ["value cannot be empty"]),
        ("uuid", "urn:uuid:C0FFEE00-0000-0000-0000-000000000000", ["UUIDs must be valid and lowercase"]),
    ],
)
def test_invalid_values(type_code: str, text: str, expected: list[str]) -> None:
    assert [f[3] for f in check_primitive(type_code, text) if f[0] == "error"] == expected


@pytest.mark.parametrize(
    ("type_code", "text"),
    [
        ("boolean", "false"),
        ("integer", "-2147483648"),
        ("decimal", "1E-22"),
        ("decimal", "0.5"),
        ("date", "2000-02-29"),
        ("dateTime", "2015"),
        ("dateTime", "2015-02-07T13:28:17.239+02:00"),
        ("instant", "2015-02-07T13:28:17Z"),
        ("time", "23:59:59.5"),
        ("code", "a b"),
        ("code", "CHEST\u00a0"),  # no-break spaces are not whitespace to the HL7 validator (Java's rules); the
        ("code", "\u00a0"),  # R4 v2-0550 code system has such codes
        ("oid", "urn:oid:1.2.36.146.595.217.0.1"),
        ("uuid", "urn:uuid:c757873d-ec9a-4326-a141-556f43239520"),
        ("id", "a-B.9"),
        ("base64Binary", "aGVsbG8="),
    ],
)
def test_valid_values(type_code: str, text: str) -> None:
    assert check_primitive(type_code, text) == []


def test_the_regex_is_checked_only_when_the_type_rules_pass() -> None:
    """'1000000000000000000' is a decimal (too many digits: a warning) and fails the R5 regex; '$0' fails once."""
    found = check_primitive("decimal", "1000000000000000000", DECIMAL_REGEX)
    assert [(f[0], f[1]) for f in found] == [("warning", "value"), ("error", "invalid")]
    assert found[1][3].startswith("Element value '1000000000000000000' does not meet decimal regex")
    assert len(check_primitive("integer", "$0", r"[0]|[-+]?[1-9][0-9]*")) == 1
    year_zero = check_primitive("instant", "0000-01-01T12:32:45Z", INSTANT_REGEX)
    assert [(f[0], f[2]) for f in year_zero] == [
        ("warning", "Type_Specific_Checks_DT_DateTime_Reasonable"),
        ("error", "Type_Specific_Checks_DT_Primitive_Regex_Type"),
    ]


def test_whitespace_only_is_a_warning() -> None:
    assert check_primitive("string", " \t ") == [
        ("warning", "invalid", "Type_Specific_Checks_DT_Primitive_WS", "Primitive types should not only be whitespace")
    ]


def test_decimal_status() -> None:
    assert [decimal_status(v) for v in ("1.0", "-0.5", "01", "1.", "1e5", "1" * 19, "1e12345")] == [
        "ok",
        "ok",
        "syntax",
        "syntax",
        "ok",
        "range",
        "range",
    ]


def test_maximum_length() -> None:
    assert check_length("abcd", 3)[0][3] == "value is longer than permitted maximum length of 3"
    assert check_length("abc", 3) == []
