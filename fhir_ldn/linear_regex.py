"""Regular expressions taken from input, run by RE2 in time linear in the text, or refused with a reason.

Python's `re` backtracks: `(a+)+` against 60 `a`s and a `!` runs for years, holding the GIL. Every pattern that
comes from a request, a profile or a value set (value set `regex` filters, FHIRPath `matches()`,
`matchesFull()` and `replaceMatches()`, primitive type regexes) is compiled here instead, with Google's RE2
(`google-re2`), whose automata never backtrack. RE2 has no backreferences or look-around, and bounds a
compiled program's memory; such patterns, and patterns longer than `MAX_PATTERN_LENGTH`, raise
`RegexRefusedError`.

The syntax is Python's (Perl's) with Python's meaning kept where RE2 differs: `\\d`, `\\w`, `\\s` (and their
negations outside character classes) are Unicode-aware as in Python, `\\Z` is the end of the text, and
`\\uXXXX` / `\\UXXXXXXXX` are code points. Left as RE2 has them: `\\b` (ASCII word boundary), `\\W` and `\\S`
inside a character class (ASCII), and `$` without multi-line mode (the end of the text only, not also before a
final newline).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import re2

MAX_PATTERN_LENGTH = 1000  # characters
MAX_PROGRAM_MEMORY = 4 << 20  # bytes RE2 may use for one compiled pattern (its default is 8 MiB)

_WORD = r"\p{L}\p{N}_"
_SPACE = r"\t\n\x0b\f\r \x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
_OUTSIDE = {
    "d": r"\p{Nd}",
    "D": r"\P{Nd}",
    "w": f"[{_WORD}]",
    "W": f"[^{_WORD}]",
    "s": f"[{_SPACE}]",
    "S": f"[^{_SPACE}]",
}
_INSIDE = {"d": r"\p{Nd}", "D": r"\P{Nd}", "w": _WORD, "s": _SPACE}
# Java's classes (java.util.regex without UNICODE_CHARACTER_CLASS), which the HL7 validator runs the primitive
# types' regexes with: ASCII only, so a no-break space is not `\s`
_JAVA_WORD, _JAVA_SPACE = "a-zA-Z_0-9", r"\t\n\x0b\f\r "
_JAVA_OUTSIDE = {
    "d": "[0-9]",
    "D": "[^0-9]",
    "w": f"[{_JAVA_WORD}]",
    "W": f"[^{_JAVA_WORD}]",
    "s": f"[{_JAVA_SPACE}]",
    "S": f"[^{_JAVA_SPACE}]",
}
_JAVA_INSIDE = {"d": "0-9", "w": _JAVA_WORD, "s": _JAVA_SPACE}
_HEX = frozenset("0123456789abcdefABCDEF")


class RegexRefusedError(ValueError):
    """A pattern that is not run: invalid, using what RE2 cannot do in linear time, or too long or too large."""


def _code_point(pattern: str, i: int, digits: int) -> tuple[str, int]:
    """`\\uXXXX` or `\\UXXXXXXXX` at pattern[i] (the backslash) as RE2's `\\x{...}`; the index after it."""
    hex_digits = pattern[i + 2 : i + 2 + digits]
    if len(hex_digits) != digits or not set(hex_digits) <= _HEX:
        raise RegexRefusedError(f"incomplete escape \\{pattern[i + 1]} at position {i}")
    return f"\\x{{{hex_digits}}}", i + 2 + digits


def to_re2_syntax(pattern: str, *, java_classes: bool = False) -> str:
    """The pattern in RE2's syntax with Python's meaning (see the module docstring); `java_classes`: `\\d`, `\\w`
    and `\\s` (and negations) as Java has them, ASCII only."""
    outside, inside = (_JAVA_OUTSIDE, _JAVA_INSIDE) if java_classes else (_OUTSIDE, _INSIDE)
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            table = inside if in_class else outside
            if nxt in table:
                out.append(table[nxt])
            elif nxt == "Z" and not in_class:
                out.append(r"\z")
            elif nxt in "uU":
                piece, i = _code_point(pattern, i, 4 if nxt == "u" else 8)
                out.append(piece)
                continue
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if not in_class and ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            if i < len(pattern) and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < len(pattern) and pattern[i] == "]":  # a leading ] is a member, as in Python
                out.append(r"\]")
                i += 1
            continue
        if in_class and ch == "]":
            in_class = False
        elif in_class and ch == "[":
            ch = r"\["  # Python reads a [ inside a class as itself (RE2 would start [:alpha:])
        out.append(ch)
        i += 1
    return "".join(out)


def _options(*, dot_all: bool, capture: bool) -> Any:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = MAX_PROGRAM_MEMORY
    options.dot_nl = dot_all
    options.never_capture = not capture
    return options


def _compile(pattern: str, translated: str, *, dot_all: bool, capture: bool) -> Any:
    try:
        return re2.compile(translated, _options(dot_all=dot_all, capture=capture))
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise RegexRefusedError(
            f"the regular expression '{pattern}' is refused: {reason} (only patterns that run in linear time are "
            "accepted: no backreferences or look-around)"
        ) from None


_UNANCHORED = re2._Anchor.UNANCHORED
_ANCHOR_BOTH = re2._Anchor.ANCHOR_BOTH
_NO_MATCH = re2._NULL_SPAN


def _test(compiled: Any, anchor: Any, text: str) -> bool:
    """Yes or no straight from the automaton: the wrapper's match objects (offsets mapped back from UTF-8 to
    characters) cost more than the match itself, and a yes/no needs none of them."""
    encoded = text.encode("utf-8")
    return bool(compiled._regexp.Match(anchor, encoded, 0, len(encoded))[0] != _NO_MATCH)


@dataclass(frozen=True, eq=False)
class LinearRegex:
    """A compiled pattern: tests and replacements that take time linear in the text."""

    pattern: str
    _test: Any  # compiled without capture groups: the fastest automaton answers yes or no
    _groups: Any  # compiled with them, for replacements

    def search(self, text: str) -> bool:
        """Whether the pattern matches somewhere in the text."""
        return _test(self._test, _UNANCHORED, text)

    def fullmatch(self, text: str) -> bool:
        """Whether the pattern matches the whole text."""
        return _test(self._test, _ANCHOR_BOTH, text)

    def replace(self, text: str, replacement: str) -> str:
        """Every match replaced by `replacement`, where `$1`..`$99` stand for the groups (FHIRPath replaceMatches)."""
        pieces: list[str] = []
        last = 0
        for match in self._groups.finditer(text):
            start, end = match.span()
            pieces.append(text[last:start])
            pieces.append(_expand(replacement, match))
            last = end
        pieces.append(text[last:])
        return "".join(pieces)


def _expand(replacement: str, match: Any) -> str:
    """`$n` replaced by group n (empty if it did not take part); a `$` not followed by a group number is itself."""
    out: list[str] = []
    i = 0
    groups = len(match.groups())
    while i < len(replacement):
        ch = replacement[i]
        j = i + 1
        while ch == "$" and j < len(replacement) and replacement[j].isdigit() and j - i <= 2:
            j += 1
        if ch == "$" and j > i + 1 and int(replacement[i + 1 : j]) <= groups:
            out.append(match.group(int(replacement[i + 1 : j])) or "")
            i = j
            continue
        out.append(ch)
        i += 1
    return "".join(out)


@lru_cache(maxsize=512)
def compile_regex(pattern: str, *, dot_all: bool = False, java_classes: bool = False) -> LinearRegex:
    """The pattern compiled by RE2 (cached); RegexRefusedError if it is refused (see the module docstring).

    `java_classes`: character classes as Java's (ASCII), for the FHIR primitive types' regexes, which the HL7
    validator runs with java.util.regex."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise RegexRefusedError(f"the regular expression is longer than {MAX_PATTERN_LENGTH} characters")
    try:
        translated = to_re2_syntax(pattern, java_classes=java_classes)
    except RegexRefusedError as exc:
        raise RegexRefusedError(f"the regular expression '{pattern}' is refused: {exc}") from None
    test = _compile(pattern, translated, dot_all=dot_all, capture=False)
    return LinearRegex(pattern, test, _compile(pattern, translated, dot_all=dot_all, capture=True))
