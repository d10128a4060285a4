"""Lexical checks of FHIR primitive values, with the HL7 validator's messages.

`check_primitive(type_code, text, regex)` returns (severity, code, message id, text) tuples. The type's
own rules run first; the StructureDefinition's regex is checked only when they pass (as the HL7 validator does).
"""

from __future__ import annotations

import re
from functools import lru_cache

from fhir_ldn.linear_regex import LinearRegex, RegexRefusedError, compile_regex

Finding = tuple[str, str, str, str]  # severity, issue code, message id, text

_INT32 = (-(2**31), 2**31 - 1)
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_DATETIME = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+\-]\d{2}:\d{2})?)?)?)?$"
)
_INSTANT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+\-]\d{2}:\d{2})$")
_TIME = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?$")
_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_OID = re.compile(r"^[0-2](\.(0|[1-9][0-9]*))+$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
_URI_TYPES = frozenset({"uri", "url", "canonical", "oid", "uuid"})
_INTEGER_TYPES = frozenset({"integer", "unsignedInt", "positiveInt"})
REASONABLE_YEARS = (1800, 2200)


# The regexes of the core primitive types (R4 and R5) that Python's `re` runs in linear time: fixed patterns whose
# repetitions cannot overlap (R4's base64Binary, with `\s*` on both sides of a repeated group, is not one of them).
# They are run by `re`, which needs no UTF-8 copy of the text; every other regex (custom types) goes to RE2.
_CORE_TYPE_REGEXES = frozenset(
    {
        r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?",
        r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])"
        r"(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?",
        r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])"
        r"(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]{1,9})?)?)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)?)?)?",
        r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?",
        r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])"
        r"T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))",
        r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])"
        r"T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]{1,9})?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))",
        r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?",
        r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]{1,9})?",
        r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?",
        r"-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,17})?([eE](0|[+\-]?[1-9][0-9]{0,9}))?",
        r"-?([0]|([1-9][0-9]*))",
        r"[0]|([1-9][0-9]*)",
        r"[0]|[-+]?[1-9][0-9]*",
        r"[1-9][0-9]*",
        r"[A-Za-z0-9\-\.]{1,64}",
        r"[^\s]+( [^\s]+)*",
        r"[^\s]+(\s[^\s]+)*",
        r"\S*",
        r"true|false",
        r"urn:oid:[0-2](\.(0|[1-9][0-9]*))+",
        r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    }
)


@lru_cache(maxsize=256)
def _compiled(regex: str) -> LinearRegex | re.Pattern[str] | None:
    """A type's regex: a core type's by `re`, any other by RE2 in linear time (a custom type's regex is input
    too), with Java's (ASCII) character classes as the HL7 validator has them; None if it is refused."""
    if regex in _CORE_TYPE_REGEXES:
        return re.compile(regex, re.ASCII)  # ASCII \s \d \w: Java's classes
    try:
        return compile_regex(regex, java_classes=True)
    except RegexRefusedError:
        return None


def _error(message_id: str, text: str, code: str = "invalid") -> Finding:
    return ("error", code, message_id, text)


def _warning(message_id: str, text: str, code: str = "invalid") -> Finding:
    return ("warning", code, message_id, text)


def decimal_status(value: str) -> str:
    """'ok', 'range' (valid but more digits than systems support) or 'syntax' (as the HL7 validator judges)."""
    if not value.strip():
        return "blank"
    body = value[1:] if value[:1] in "+-" else value
    if body.startswith("0") and body != "0" and not body.startswith("0.") and body[1:2] not in ("e", "E"):
        return "syntax"
    if value.endswith("."):
        return "syntax"
    m = re.fullmatch(r"[+\-]?(\d+)(?:\.(\d+))?(?:[eE]([+\-]?\d+))?", value)
    if m is None:
        return "syntax"
    pre, post, exponent = m.group(1), m.group(2) or "", m.group(3) or ""
    if len(exponent.lstrip("+-")) > 4 or len(pre) + len(post) > 18:
        return "range"
    return "ok"


def _valid_calendar(year: str, month: str | None, day: str | None) -> bool:
    """Whether year-month-day exists (year 0000 included: the lexical rules allow it)."""
    if month is None:
        return True
    m = int(month)
    if not 1 <= m <= 12:
        return False
    if day is None:
        return True
    y = int(year)
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    days = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[m - 1]
    return 1 <= int(day) <= days


def _valid_tz(tz: str | None) -> bool:
    if tz is None or tz == "Z":
        return True
    hours, minutes = int(tz[1:3]), int(tz[4:6])
    return minutes < 60 and (hours < 14 or (hours == 14 and minutes == 0))


def _valid_clock(hour: str | None, minute: str | None, second: str | None) -> bool:
    if hour is None:
        return True
    return int(hour) < 24 and int(minute or 0) < 60 and int(second or 0) <= 60  # :60 is a leap second (FHIR regex)


def valid_date(text: str) -> bool:
    m = _DATE.match(text)
    return m is not None and _valid_calendar(m.group(1), m.group(2), m.group(3))


def valid_datetime(text: str) -> bool:
    m = _DATETIME.match(text)
    if m is None:
        return False
    year, month, day, hour, minute, second, _, tz = m.groups()
    if hour is not None and tz is None:
        return False
    return _valid_calendar(year, month, day) and _valid_clock(hour, minute, second) and _valid_tz(tz)


def valid_instant(text: str) -> bool:
    m = _INSTANT.match(text)
    if m is None:
        return False
    year, month, day, hour, minute, second, _, tz = m.groups()
    return _valid_calendar(year, month, day) and _valid_clock(hour, minute, second) and _valid_tz(tz)


def valid_time(text: str) -> bool:
    m = _TIME.match(text)
    return m is not None and _valid_clock(m.group(1), m.group(2), m.group(3))


def _reasonable_year(text: str) -> bool:
    m = re.match(r"^(\d{4})", text)
    return m is None or REASONABLE_YEARS[0] <= int(m.group(1)) <= REASONABLE_YEARS[1]


# the HL7 validator's code whitespace rules are Java's: String.trim() drops characters up to U+0020 at the ends, and
# Character.isWhitespace is true for the Unicode space, line and paragraph separators except the no-break spaces
# (U+00A0, U+2007, U+202F) and for \t \n \v \f \r and U+001C-U+001F; only single inner spaces are allowed
_CODE_ENDS = re.compile(r"^[\x00-\x20]|[\x00-\x20]$")
_JAVA_WHITESPACE = "\t\n\x0b\x0c\r\x1c-\x1f \u1680\u2000-\u2006\u2008-\u200a\u2028\u2029\u205f\u3000"
_ONLY_WHITESPACE = re.compile(f"[{_JAVA_WHITESPACE}]*")
_CODE_INNER_WHITESPACE = re.compile(f"  |[{_JAVA_WHITESPACE.replace(' ', '')}]")


def valid_code(text: str) -> bool:
    """FHIR code whitespace rules: no leading or trailing whitespace, none inside but single spaces."""
    return bool(text) and not _CODE_ENDS.search(text) and not _CODE_INNER_WHITESPACE.search(text)


def _uri_checks(type_code: str, text: str) -> list[Finding]:
    out: list[Finding] = []
    if text.startswith("oid:"):
        out.append(_error("Type_Specific_Checks_DT_URI_OID", "URI values cannot start with oid:"))
    if text.startswith("uuid:"):
        out.append(_error("Type_Specific_Checks_DT_URI_UUID", "URI values cannot start with uuid:"))
    if re.search(r"\s", text):
        out.append(_error("Type_Specific_Checks_DT_URI_WS", f"URI values cannot have whitespace('{text}')"))
    if type_code == "oid":
        if not text.startswith("urn:oid:"):
            out.append(_error("Type_Specific_Checks_DT_OID_Start", "OIDs must start with urn:oid:"))
        elif not _OID.match(text[8:]):
            out.append(_error("Type_Specific_Checks_DT_OID_Valid", f"OIDs must be valid ({text[8:]})"))
    if type_code == "uuid":
        if not text.startswith("urn:uuid:"):
            out.append(_error("Type_Specific_Checks_DT_UUID_Strat", "UUIDs must start with urn:uuid:"))
        elif not _UUID.match(text[9:]):
            out.append(_error("Type_Specific_Checks_DT_UUID_Valid", "UUIDs must be valid and lowercase"))
    return out


def _integer_checks(type_code: str, text: str) -> list[Finding]:
    if not re.fullmatch(r"[+\-]?\d+", text) or not _INT32[0] <= int(text) <= _INT32[1]:
        return [_error("Type_Specific_Checks_DT_Integer_Valid", f"The value '{text}' is not a valid integer")]
    value = int(text)
    if type_code == "unsignedInt" and value < 0:
        return [_error("Type_Specific_Checks_DT_Integer_LT0", "value is less than permitted minimum value of 0")]
    if type_code == "positiveInt" and value < 1:
        return [_error("Type_Specific_Checks_DT_Integer_LT1", "value is less than permitted minimum value of 1")]
    return []


def _type_checks(type_code: str, text: str) -> tuple[list[Finding], bool]:
    """(findings, ok): ok is False when the value is not a valid value of the type (the regex is then skipped)."""
    if type_code in _URI_TYPES:
        found = _uri_checks(type_code, text)
        return found, not found
    if type_code == "id":
        if not _ID.match(text):
            return [_error("Type_Specific_Checks_DT_ID_Valid", f"id value '{text}' is not valid")], False
        return [], True
    if type_code == "boolean":
        if text not in ("true", "false"):
            return [_error("Type_Specific_Checks_DT_Boolean_Value", "Boolean values must be 'true' or 'false'")], False
        return [], True
    if type_code in _INTEGER_TYPES:
        found = _integer_checks(type_code, text)
        return found, not found
    if type_code == "integer64":
        if not re.fullmatch(r"[+\-]?\d+", text) or not -(2**63) <= int(text) < 2**63:
            return [
                _error("Type_Specific_Checks_DT_Integer64_Valid", f"The value '{text}' is not a valid integer64")
            ], False
        return [], True
    if type_code == "decimal":
        status = decimal_status(text)
        if status == "syntax":
            return [
                _error("Type_Specific_Checks_DT_Decimal_Valid", f"The value '{text}' is not a valid decimal")
            ], False
        if status == "range":
            msg = f"The value '{text}' is outside the range of commonly/reasonably supported decimals"
            return [_warning("Type_Specific_Checks_DT_Decimal_Range", msg, "value")], True
        return [], True
    if type_code == "date":
        if not valid_date(text):
            return [_error("Type_Specific_Checks_DT_Date_Valid", f"Not a valid date format: '{text}'")], False
        return _reasonable(text), True
    if type_code == "dateTime":
        if not valid_datetime(text):
            return [_error("Type_Specific_Checks_DT_DateTime_Valid", f"Not a valid date/time format: '{text}'")], False
        return _reasonable(text), True
    if type_code == "instant":
        if not valid_instant(text):
            return [_error("Type_Specific_Checks_DT_Instant_Valid", f"Not a valid instant format: '{text}'")], False
        return _reasonable(text), True
    if type_code == "time":
        if not valid_time(text):
            return [_error("Type_Specific_Checks_DT_Time_Valid", "Not a valid time (null)")], False
        return [], True
    if type_code == "code":
        if not valid_code(text):
            msg = f"The code '{text}' is not valid (whitespace rules)"
            return [_error("Type_Specific_Checks_DT_Code_WS", msg)], False
        return [], True
    if type_code == "base64Binary":
        compact = re.sub(r"\s", "", text)
        if len(compact) % 4 != 0 or not _BASE64.match(compact):
            return [
                _error("Type_Specific_Checks_DT_Base64_Valid", f"The value '{text}' is not a valid Base64 value")
            ], False
        return [], True
    return [], True


def _reasonable(text: str) -> list[Finding]:
    if _reasonable_year(text):
        return []
    msg = f"The value '{text}' is outside the range of reasonable years - check for data entry error"
    return [_warning("Type_Specific_Checks_DT_DateTime_Reasonable", msg)]


def check_primitive(type_code: str, text: str, regex: str | None = None) -> list[Finding]:
    """Every problem with the lexical form `text` of a value of FHIR primitive type `type_code`."""
    if text == "":
        return [_error("Type_Specific_Checks_DT_Primitive_NotEmpty", "value cannot be empty")]
    findings: list[Finding] = []
    if _ONLY_WHITESPACE.fullmatch(text) and type_code != "xhtml":
        findings.append(
            _warning("Type_Specific_Checks_DT_Primitive_WS", "Primitive types should not only be whitespace")
        )
        if type_code in ("string", "markdown"):
            return findings
    found, ok = _type_checks(type_code, text)
    findings.extend(found)
    if ok and regex is not None and type_code not in ("string", "markdown", "xhtml"):
        pattern = _compiled(regex)
        if pattern is not None and not pattern.fullmatch(text):
            findings.append(
                _error(
                    "Type_Specific_Checks_DT_Primitive_Regex_Type",
                    f"Element value '{text}' does not meet {type_code} regex '{regex}'",
                )
            )
    return findings


MAX_STRING_LENGTH = 1048576  # bytes of UTF-8: the HL7 validator's limit for any primitive value but base64Binary


def check_megabyte(text: str) -> list[Finding]:
    if len(text.encode("utf-8")) > MAX_STRING_LENGTH:
        msg = f"value is longer than permitted maximum length of 1 MB ({MAX_STRING_LENGTH} bytes)"
        return [_error("Type_Specific_Checks_DT_String_Length", msg)]
    return []


def check_length(text: str, max_length: int | None, min_length: int | None = None) -> list[Finding]:
    if max_length is not None and len(text) > max_length:
        msg = f"value is longer than permitted maximum length of {max_length}"
        return [_error("Type_Specific_Checks_DT_Primitive_Length", msg)]
    if min_length is not None and len(text) < min_length:
        msg = f"Value '{text}' is shorter than permitted minimum length of {min_length}"
        return [_error("Type_Specific_Checks_DT_String_Length_Min", msg)]
    return []
