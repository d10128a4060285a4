"""JSON that keeps decimals as written: `1.50` stays `1.50` and `1e1` stays `1e1` through a read and a write.

`loads` turns every JSON number with a fraction or an exponent into a `JsonDecimal`: a float (so arithmetic,
comparisons and `isinstance(x, float)` work as usual) that remembers its lexical form in `.text`. `dumps` writes
a `JsonDecimal` back exactly as read and everything else as `json.dumps` would (same spacing and escaping).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_encode_string = json.encoder.encode_basestring  # the C encoder json.dumps(ensure_ascii=False) uses


class JsonDecimal(float):
    """A JSON decimal with its lexical form: `JsonDecimal("1.50").text == "1.50"`, and it equals 1.5."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> JsonDecimal:
        value = super().__new__(cls, text)
        value.text = text
        return value

    def __reduce__(self) -> tuple[type[JsonDecimal], tuple[str]]:  # copy/deepcopy/pickle keep the text
        return (JsonDecimal, (self.text,))

    def __repr__(self) -> str:
        return f"JsonDecimal({self.text!r})"

    def __str__(self) -> str:
        return self.text


def loads(data: str | bytes) -> Any:
    """Parse JSON, keeping each decimal's lexical form (integers stay `int`)."""
    return json.loads(data, parse_float=JsonDecimal)


def lexical(value: bool | int | float | str) -> str:
    """The FHIR lexical form of a JSON primitive: true/false, integers, decimals as written, strings as is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, JsonDecimal):
        return value.text
    if isinstance(value, float):
        return float.__repr__(value)
    return str(value)


def dumps_compact(value: Any) -> bytes:
    """Compact UTF-8 JSON, decimals written as read: `dumps(value, indent=None)` in bytes, by orjson's C writer.

    A value orjson refuses (an integer beyond 64 bits, a string with a lone surrogate, a non-string key...) is
    written by `dumps` instead, so the two never disagree on what can be written; a lone surrogate, which UTF-8
    cannot hold, is written as its JSON escape.
    """
    try:
        return orjson.dumps(value, default=_decimal_fragment)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        # a lone surrogate (from a `\\ud800` escape in the input) goes out as that same JSON escape
        return dumps(value, indent=None).encode("utf-8", "backslashreplace")


def _decimal_fragment(value: Any) -> orjson.Fragment:
    if isinstance(value, JsonDecimal):  # a float subclass: orjson hands it here rather than writing it itself
        return orjson.Fragment(value.text)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _number(value: int | float) -> str:
    if isinstance(value, JsonDecimal):
        return value.text
    if isinstance(value, float):
        return json.dumps(value)  # NaN/Infinity exactly as json.dumps writes them
    return int.__repr__(value)


def _write(value: Any, out: list[str], indent: str | None, level: int) -> None:
    if isinstance(value, str):
        out.append(_encode_string(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int | float):
        out.append(_number(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = "\n" + indent * (level + 1) if indent is not None else ""
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, not {type(key).__name__}")
            out.append(("," if i else "") + inner + _encode_string(key) + (": " if indent is not None else ":"))
            _write(item, out, indent, level + 1)
        out.append("\n" + indent * level + "}" if indent is not None else "}")
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        inner = "\n" + indent * (level + 1) if indent is not None else ""
        out.append("[")
        for i, item in enumerate(value):
            out.append(("," if i else "") + inner)
            _write(item, out, indent, level + 1)
        out.append("\n" + indent * level + "]" if indent is not None else "]")
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps(value: Any, indent: int | None = 2) -> str:
    """JSON text like `json.dumps(value, indent=indent, ensure_ascii=False)`, decimals written as read.

    With `indent=None` the output is compact (no spaces at all).
    """
    out: list[str] = []
    _write(value, out, " " * indent if indent is not None else None, 0)
    return "".join(out)
