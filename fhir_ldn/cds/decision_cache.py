"""A bounded cache of decisions, keyed by only what the rule's FHIRPath conditions can observe of `%medications`.

The engine remembers decisions, so a repeated situation costs one key computation. The key is derived from the
conditions' syntax trees (the project's own parser, `fhir_ldn.fhirpath.parser`), never from knowledge of the
rule: the trees are read once to find which fact fields they access (member nodes) and whether `code` is only
ever used as `code.memberOf('<literal url>')`. Fields no condition reads (e.g. `reference`) are left out of the
key; a `code` read only through `memberOf` is reduced to the set of those value sets it belongs to. If a
condition could see more than that (`$this`, `$index`, `$total`, an indexer, `is`/`as`, `children()`,
`descendants()`, `repeat()`, `trace()`...), the key is the full facts, so the cache is always exact, merely less
often hit. Whole-fact comparisons (`|`, `distinct()`, `=` between facts) cannot see the left-out fields either:
every fact has a unique `reference` (`fhir_ldn.cds.medications.medication_facts`), so two different facts are
never equal whatever else they hold.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

from fhir_ldn.fhirpath.parser import Ast, parse

T = TypeVar("T")
# Functions or nodes that let an expression see a fact as a whole rather than field by field.
_OPAQUE_FUNCTIONS = frozenset(
    {"children", "descendants", "repeat", "trace", "aggregate", "ofType", "as", "is", "conformsTo", "sort", "type"}
)
_OPAQUE_NODES = frozenset({"this", "index_var", "total", "index", "type_op"})


def _children(node: Ast) -> Iterator[Ast]:
    """The sub-expressions of a node (targets, operands and arguments), in order."""
    for part in node[1:]:
        if isinstance(part, tuple):
            yield part
        elif isinstance(part, list):
            yield from (p for p in part if isinstance(p, tuple))


def _walk(node: Ast, parent: Ast | None = None) -> Iterator[tuple[Ast, Ast | None]]:
    yield node, parent
    for child in _children(node):
        yield from _walk(child, node)


def member_of_url(node: Ast) -> str | None:
    """The url if the node is exactly `code.memberOf('<literal url>')`, else None."""
    if node[0] != "fn" or node[2] != "memberOf" or node[1] != ("member", None, "code") or len(node[3]) != 1:
        return None
    (argument,) = node[3]
    return argument[1] if argument[0] == "lit" and isinstance(argument[1], str) else None


def _filtered_by_member_of(node: Ast, parent: Ast | None) -> str | None:
    """The url if `node` (a use of the variable) is the target of `.where(code.memberOf('url'))`."""
    if parent is None or parent[0] != "fn" or parent[2] != "where" or parent[1] is not node or len(parent[3]) != 1:
        return None
    return member_of_url(parent[3][0])


class FactView:
    """What a set of FHIRPath expressions can observe of each fact, from their syntax trees."""

    def __init__(self, expressions: Sequence[str], variable: str = "medications"):
        self.exact = False
        self.fields: set[str] = set()
        self.code_urls: set[str] = set()
        # Value sets such that every use of %variable is `%variable.where(code.memberOf('<one of them>'))`:
        # then a fact in none of them is invisible to every expression. None when some use is not of that form.
        self.visible_only_in: set[str] | None = set()
        code_reads = code_member_of = 0
        for expression in expressions:
            for node, parent in _walk(parse(expression)):
                kind = node[0]
                if kind in _OPAQUE_NODES or (kind == "fn" and node[2] in _OPAQUE_FUNCTIONS):
                    self.exact = True
                elif kind == "member":
                    self.fields.add(node[2])
                    code_reads += node[2] == "code"
                elif kind == "var" and node[1] == variable:
                    url = _filtered_by_member_of(node, parent)
                    if url is None or self.visible_only_in is None:
                        self.visible_only_in = None
                    else:
                        self.visible_only_in.add(url)
                elif kind == "fn" and (url := member_of_url(node)) is not None:
                    self.code_urls.add(url)
                    code_member_of += 1
        self.code_by_membership = code_reads > 0 and code_reads == code_member_of
        if self.exact:
            self.visible_only_in = None

    def key_function(
        self, members: Callable[[str], frozenset[tuple[str, str]]]
    ) -> Callable[[Sequence[Mapping[str, Any]]], Hashable]:
        """A function giving a hashable key equal for any two fact lists the expressions cannot tell apart."""
        if self.exact:
            return lambda facts: json.dumps(facts, sort_keys=True, default=str)
        # One lookup per coding: (system, code) → bit mask of the value sets (among those named) holding it.
        masks: dict[tuple[str, str], int] = {}
        if self.code_by_membership:
            for bit, url in enumerate(sorted(self.code_urls)):
                for code in members(url):
                    masks[code] = masks.get(code, 0) | (1 << bit)
        fields = tuple(sorted(self.fields - {"code"} if self.code_by_membership else self.fields))

        def value_key(value: Any) -> Hashable:
            return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value

        def fact_key(fact: Mapping[str, Any]) -> Hashable:
            parts = tuple(value_key(fact.get(f)) for f in fields)
            if not masks:
                return parts
            mask = 0
            for c in fact["code"]["coding"]:  # facts hold clean codings
                mask |= masks.get((c["system"], c["code"]), 0)
            return (mask, *parts)

        return lambda facts: tuple(fact_key(fact) for fact in facts)


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
