"""Read FHIR JSON for validation: numbers keep their lexical form, duplicate keys are recorded, positions on demand.

`parse_json` uses the C JSON parser (fast) with hooks; `locate` re-scans the text only when an issue needs a
line and column, so clean resources cost nothing extra.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fhir_ldn.formats.decimal_json import JsonDecimal
from fhir_ldn.formats.decimal_json import lexical as decimal_lexical
from fhir_ldn.validation import lenient_json

Pointer = tuple[str | int, ...]


def lexical(value: Any) -> str:
    """How a JSON scalar was written (decimals exactly, booleans as true/false)."""
    return decimal_lexical(value) if isinstance(value, bool | int | float | str) else str(value)


@dataclass
class JsonDocument:
    """A parsed JSON resource and what the parse learnt about it."""

    data: Any
    text: str
    duplicates: dict[int, list[str]] = field(default_factory=dict)  # id(object) -> duplicated keys
    notes: dict[int, list[lenient_json.Note]] = field(default_factory=dict)  # id(object) -> lenient-reading errors

    def locate(self, pointer: Pointer) -> tuple[int, int] | None:
        """Line and column (1-based) of the value at `pointer`, or of the nearest ancestor found."""
        return locate(self.text, pointer)

    def locate_all(self, pointers: Sequence[Pointer]) -> dict[Pointer, tuple[int, int]]:
        return locate_all(self.text, pointers)


class JsonSyntaxError(ValueError):
    """The text is not JSON."""

    def __init__(self, message: str, line: int, column: int):
        super().__init__(message)
        self.line = line
        self.column = column


def parse_json(text: str) -> JsonDocument:
    """Parse JSON text; JsonSyntaxError (with line/column) when it is malformed."""
    duplicates: dict[int, list[str]] = {}

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        dupes: list[str] | None = None
        for key, value in pairs:
            if key in out:
                if dupes is None:
                    dupes = []
                dupes.append(key)
                continue  # like the HL7 validator: the duplicate is ignored
            out[key] = value
        if dupes:
            duplicates[id(out)] = dupes
        return out

    try:
        data = json.loads(text, object_pairs_hook=pairs_hook, parse_float=JsonDecimal, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        try:
            data, notes, duplicates = lenient_json.read(text)
        except (lenient_json.LenientJsonError, ValueError, RecursionError):
            raise JsonSyntaxError(exc.msg, exc.lineno, exc.colno) from exc
        return JsonDocument(data, text, duplicates, notes)
    return JsonDocument(data, text, duplicates)


def _no_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not allowed in JSON", name, 0)


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+')


def locate_all(text: str, pointers: Sequence[Pointer]) -> dict[Pointer, tuple[int, int]]:
    """Line/column of each pointer's value (or of its deepest existing ancestor), in one pass over the text."""
    wanted: set[Pointer] = set()
    for p in pointers:
        for n in range(len(p) + 1):
            wanted.add(tuple(p[:n]))
    found: dict[Pointer, int] = {}
    # stack frames: [pointer, is_object, key_or_index, expecting_key]
    stack: list[list[Any]] = []
    pending_value = True
    current: Pointer = ()
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok == ",":
            if stack:
                frame = stack[-1]
                if frame[1]:
                    frame[3] = True
                else:
                    frame[2] += 1
                    pending_value = True
                    current = frame[0] + (frame[2],)
            continue
        if tok == ":":
            pending_value = True
            continue
        if tok in ("}", "]"):
            if stack:
                stack.pop()
            pending_value = False
            continue
        if stack and stack[-1][1] and stack[-1][3]:
            key = tok[1:-1]
            if "\\" in key:
                key = str(json.loads(tok))
            stack[-1][3] = False
            current = stack[-1][0] + (key,)
            continue
        if pending_value:
            if current in wanted and current not in found:
                found[current] = m.start()
            pending_value = False
            if tok == "{":
                stack.append([current, True, None, True])
            elif tok == "[":
                stack.append([current, False, 0, False])
                pending_value = True
                current = (*current, 0)
    out: dict[Pointer, tuple[int, int]] = {}
    for p in pointers:
        for n in range(len(p), -1, -1):
            if tuple(p[:n]) in found:
                out[p] = _line_col(text, found[tuple(p[:n])])
                break
    return out


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    start = text.rfind("\n", 0, pos) + 1
    return line, pos - start + 1


def locate(text: str, pointer: Sequence[str | int]) -> tuple[int, int] | None:
    """Line/column of the value at `pointer` (the deepest step that exists)."""
    return locate_all(text, [tuple(pointer)]).get(tuple(pointer))
