"""The nesting depth of JSON text, measured on the bytes before any parser recurses into it (C-speed scans only)."""

from __future__ import annotations

import re
from itertools import accumulate

# A JSON string literal (escapes included); brackets inside strings are not structure.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_STARTS_LIKE_JSON = re.compile(rb"\s*[\[{]")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DELTA = [0] * 256
for _open in b"[{":
    _DELTA[_open] = 1
for _close in b"]}":
    _DELTA[_close] = -1


def looks_like_json(content: bytes) -> bool:
    """Whether the bytes start (after whitespace) with a JSON object or array."""
    return _STARTS_LIKE_JSON.match(content) is not None


def json_depth(content: bytes) -> int:
    """The deepest nesting of objects and arrays (`{}` is 1, `{"a": []}` is 2); malformed text is measured as is."""
    brackets = _STRING.sub(b"", content).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_DELTA.__getitem__, brackets)), default=0)


def json_too_deep(content: bytes, limit: int) -> bool:
    """Whether the JSON text nests objects and arrays deeper than `limit`."""
    if content.count(b"{") + content.count(b"[") <= limit:  # cannot be deeper than its number of openings
        return False
    return json_depth(content) > limit
