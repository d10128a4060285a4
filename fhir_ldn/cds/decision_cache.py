"""A bounded cache of decisions, keyed by only what the rule's FHIRPath conditions can observe of `%medications`.

fhirpathpy interprets a parse tree on every call (about a millisecond for the LDN rule), so the engine
remembers decisions. The key is derived from the compiled conditions, never from knowledge of the rule: the
parse trees are read once to find which fact fields they access (`MemberInvocation`s) and whether `code` is
only ever used as `code.memberOf('<literal url>')`. Fields no condition reads (e.g. `reference`) are left out
of the key; a `code` read only through `memberOf` is reduced to the set of those value sets it belongs to. If a
condition could see more than that (`$this`, `children()`, `descendants()`, `repeat()`, `trace()`, indexes...),
the key is the full facts, so the cache is always exact, merely less often hit.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from fhirpathpy.parser import parse

T = TypeVar("T")
# Functions or terms that let an expression see a fact as a whole rather than field by field.
_OPAQUE_FUNCTIONS = frozenset(
    {"children", "descendants", "repeat", "trace", "select", "aggregate", "ofType", "as", "is", "conformsTo"}
)
_OPAQUE_NODES = frozenset({"ThisInvocation", "IndexInvocation", "TotalInvocation", "IndexerExpression"})


def _walk(node: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    yield node
    for child in node.get("children") or ():
        yield from _walk(child)


def _identifier(node: Mapping[str, Any]) -> str | None:
    for child in _walk(node):
        if child.get("type") == "Identifier":
            return str(child.get("text"))
    return None


def _string_literal(node: Mapping[str, Any]) -> str | None:
    for child in _walk(node):
        if child.get("type") == "StringLiteral":
            text = str(child.get("text"))
            return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else None
    return None


class FactView:
    """What a set of FHIRPath expressions can observe of each fact, from their parse trees."""

    def __init__(self, expressions: Sequence[str]):
        self.exact = False
        self.fields: set[str] = set()
        self.code_urls: set[str] = set()
        code_reads = code_member_of = 0
        for expression in expressions:
            for node in _walk(parse(expression)):  # type: ignore[no-untyped-call]
                kind = node.get("type")
                if kind in _OPAQUE_NODES or (kind == "Functn" and _identifier(node) in _OPAQUE_FUNCTIONS):
                    self.exact = True
                elif kind == "MemberInvocation":
                    name = _identifier(node)
                    if name is not None:
                        self.fields.add(name)
                        code_reads += name == "code"
                elif kind == "InvocationExpression":
                    code_member_of += self._code_member_of(node)
        self.code_by_membership = code_reads > 0 and code_reads == code_member_of

    def _code_member_of(self, node: Mapping[str, Any]) -> int:
        """1 if the node is `code.memberOf('<literal>')` (and record the url), else 0."""
        children: list[Mapping[str, Any]] = list(node.get("children") or ())
        if len(children) != 2 or children[0].get("type") != "TermExpression" or children[0].get("text") != "code":
            return 0
        function = children[1]
        if function.get("type") != "FunctionInvocation" or _identifier(function) != "memberOf":
            return 0
        params = [c for c in _walk(function) if c.get("type") == "ParamList"]
        url = _string_literal(params[0]) if params else None
        if url is None:
            return 0
        self.code_urls.add(url)
        return 1

    def key(self, facts: Sequence[Mapping[str, Any]], members: Callable[[str], frozenset[tuple[str, str]]]) -> Hashable:
        """A hashable key equal for any two fact lists the expressions cannot tell apart."""
        if self.exact:
            return json.dumps(facts, sort_keys=True, default=str)
        value_sets = [(url, members(url)) for url in sorted(self.code_urls)] if self.code_by_membership else []
        fields = sorted(self.fields)
        out = []
        for fact in facts:
            parts: list[Hashable] = []
            for field in fields:
                value = fact.get(field)
                if field == "code" and self.code_by_membership:
                    codes = {(c["system"], c["code"]) for c in fact["code"]["coding"]}  # facts hold clean codings
                    parts.append(tuple(url for url, vs in value_sets if not codes.isdisjoint(vs)))
                elif isinstance(value, dict | list):
                    parts.append(json.dumps(value, sort_keys=True))
                else:
                    parts.append(value)
            out.append(tuple(parts))
        return tuple(out)


class LruCache(Generic[T]):
    """A small thread-safe LRU map."""

    def __init__(self, size: int):
        self._size = size
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> T | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: T) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
