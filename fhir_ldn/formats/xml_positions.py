"""Where elements are in XML source text: line/column of each start tag and the exact text of `div` elements.

lxml gives line numbers only, so these scanners read the (already well-formed, DTD-free) text themselves:
start tags in document order match `root.iter(etree.Element)` one to one, `div` tags match
`root.iter("{*}div")`. Comments, CDATA sections and processing instructions are skipped.
"""

from __future__ import annotations

import re
from bisect import bisect_right

_SKIPPED = r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>"
_ATTRS = r"(?:[^>\"']|\"[^\"]*\"|'[^']*')*"
_TAGS = re.compile(rf"{_SKIPPED}|<(/?)([^\s/>!?][^\s/>]*){_ATTRS}>", re.S)
_DIV_TAGS = re.compile(rf"{_SKIPPED}|<(/?)((?:[^\s/>:!?]+:)?div)(?=[\s/>]){_ATTRS}>", re.S)


class LineIndex:
    """Offsets in a text -> 1-based (line, column); the column counts characters."""

    def __init__(self, text: str):
        self._starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


def start_tag_ends(text: str) -> list[int]:
    """The offset just after each start tag, in document order (the HL7 validator's issue position)."""
    return [m.end() for m in _TAGS.finditer(text) if m.group(2) is not None and not m.group(1)]


def div_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of every element named `div` (any namespace prefix), in document order."""
    spans: list[tuple[int, int]] = []
    open_divs: list[int] = []
    for m in _DIV_TAGS.finditer(text):
        if m.group(2) is None:
            continue
        if m.group(1):  # </div>
            index = open_divs.pop()
            spans[index] = (spans[index][0], m.end())
        elif m.group(0).endswith("/>"):
            spans.append((m.start(), m.end()))
        else:
            open_divs.append(len(spans))
            spans.append((m.start(), -1))
    return spans
