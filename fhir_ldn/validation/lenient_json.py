"""Read JSON the strict parser refuses but the HL7 validator reads with errors: comments, missing and extra commas.

The HL7 validator's JSON parser goes on after `// ...` and `/* ... */` comments ("Comments are not allowed in
JSON"), a comma missing between members or items ("A Comma is missing in the JSON") and a comma before `}` or `]`
("There is an extra comma at the end of the Object/Array in the JSON"); each is an error, and the resource is
validated as read. Each problem is kept as a note on the object it is found in, with the property it belongs to:
a comment belongs to the next property read (or to the root object when it comes first), a comma problem in an
array to the array's property, in an object to the object. Anything else malformed stays a syntax error.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fhir_ldn.formats.decimal_json import JsonDecimal

Note = tuple[str | None, str, str]  # (property or None for the object itself, message, message id)

COMMENT = ("Comments are not allowed in JSON", "JSON_COMMENTS_NOT_ALLOWED")
MISSING_COMMA = ("A Comma is missing in the JSON", "JSON_COMMA_MISSING")
EXTRA_COMMA_ARRAY = ("There is an extra comma at the end of the Array in the JSON", "JSON_COMMA_EXTRA")
EXTRA_COMMA_OBJECT = ("There is an extra comma at the end of the Object in the JSON", "JSON_COMMA_EXTRA")

_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\.)*"')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_SPACE = re.compile(r"[ \t\r\n]*")
_LITERALS = {"true": True, "false": False, "null": None}


class LenientJsonError(ValueError):
    """Not readable even leniently."""


class _Reader:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.comment_pending = False
        self.notes: dict[int, list[Note]] = {}
        self.duplicates: dict[int, list[str]] = {}

    def note(self, obj: dict[str, Any], key: str | None, problem: tuple[str, str]) -> None:
        self.notes.setdefault(id(obj), []).append((key, problem[0], problem[1]))

    def skip(self) -> None:
        """Whitespace and comments (a comment is remembered for the next property)."""
        text = self.text
        while True:
            self.pos = _SPACE.match(text, self.pos).end()  # type: ignore[union-attr]
            if text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end + 1
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                if end < 0:
                    raise LenientJsonError("unterminated comment")
                self.pos = end + 2
            else:
                return
            self.comment_pending = True

    def peek(self) -> str:
        self.skip()
        return self.text[self.pos : self.pos + 1]

    def value(self, owner: dict[str, Any] | None, key: str | None) -> Any:
        ch = self.peek()
        if ch == "{":
            return self.object()
        if ch == "[":
            return self.array(owner, key)
        if ch == '"':
            return self.string()
        m = _NUMBER.match(self.text, self.pos)
        if m:
            self.pos = m.end()
            return JsonDecimal(m.group()) if m.group(1) or m.group(2) else int(m.group())
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return literal
        raise LenientJsonError(f"unexpected content at {self.pos}")

    def string(self) -> str:
        m = _STRING.match(self.text, self.pos)
        if m is None:
            raise LenientJsonError(f"bad string at {self.pos}")
        self.pos = m.end()
        return str(json.loads(m.group()))

    def object(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        self.pos += 1
        first = True
        while True:
            ch = self.peek()
            if ch == "}":
                self.pos += 1
                return out
            if not first:
                if ch == ",":
                    self.pos += 1
                    if self.peek() == "}":
                        self.note(out, None, EXTRA_COMMA_OBJECT)
                        continue
                elif ch == '"':
                    self.note(out, None, MISSING_COMMA)
                else:
                    raise LenientJsonError(f"expected , or }} at {self.pos}")
            first = False
            if self.peek() != '"':
                raise LenientJsonError(f"expected a property name at {self.pos}")
            key = self.string()
            if self.comment_pending:
                self.comment_pending = False
                self.note(out, key, COMMENT)
            if self.peek() != ":":
                raise LenientJsonError(f"expected : at {self.pos}")
            self.pos += 1
            value = self.value(out, key)
            if key in out:
                self.duplicates.setdefault(id(out), []).append(key)
                continue  # like the HL7 validator: the duplicate is ignored
            out[key] = value

    def array(self, owner: dict[str, Any] | None, key: str | None) -> list[Any]:
        out: list[Any] = []
        self.pos += 1
        first = True
        while True:
            ch = self.peek()
            if ch == "]":
                self.pos += 1
                return out
            if not first:
                if ch == ",":
                    self.pos += 1
                    if self.peek() == "]":
                        if owner is not None:
                            self.note(owner, key, EXTRA_COMMA_ARRAY)
                        continue
                elif ch in ('"', "{", "[", "-", "t", "f", "n") or ch.isdigit():
                    if owner is not None:
                        self.note(owner, key, MISSING_COMMA)
                else:
                    raise LenientJsonError(f"expected , or ] at {self.pos}")
            first = False
            out.append(self.value(owner, key))


def read(text: str) -> tuple[Any, dict[int, list[Note]], dict[int, list[str]]]:
    """(data, notes by id of the object they are on, duplicated keys by id of object); LenientJsonError if the
    text is not JSON even when comments and comma slips are allowed, or if it has none of them (then the strict
    parser's error stands)."""
    reader = _Reader(text)
    comment_first = reader.peek() and reader.comment_pending
    reader.comment_pending = False
    data = reader.value(None, None)
    if reader.peek():
        raise LenientJsonError("content after the end of the JSON value")
    if comment_first and isinstance(data, dict):
        reader.note(data, None, COMMENT)
    if not reader.notes:
        raise LenientJsonError("no lenient reading")
    return data, reader.notes, reader.duplicates
