"""A bounded cache of decisions, keyed by only what the rule's FHIRPath conditions can observe of `%medications`.

fhirpathpy interprets a parse tree on every call (about a millisecond for the LDN rule), so the engine
remembers decisions. The key is derived from the compiled conditions, never from knowledge of the rule: the
parse trees are read once to find which fact fields they access (`MemberInvocation`s) and whether `code` is
only ever used as `code.memberOf('<literal url>')`. Fields no condition reads (e.g. `reference`) are left out
of the key; a `code` read only through `memberOf` is reduced to the set of those value sets it belongs to. If a
condition could see more than that (`$this`, `children()`, `descendants()`, `repeat()`, `trace()`, indexes...),
the key is the full facts, so the cache is always exact, merely less often hit. Whole-fact comparisons (`|`,
`distinct()`, `=` between facts) cannot see the left-out fields either: every fact has a unique `reference`
(`fhir_ldn.cds.medications.medication_facts`), so two different facts are never equal whatever else they hold.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from fhirpathpy.parser import parse

T = TypeVar("T")
# Functions or terms that let an expression see a fact as a whole rather than field by field.
_OPAQUE_FUNCTIONS = frozenset(
    {"children", "descendants", "repeat", "trace", "aggregate", "ofType", "as", "is", "conformsTo"}
)
_OPAQUE_NODES = frozenset({"ThisInvocation", "IndexInvocation", "TotalInvocation", "IndexerExpression"})
_MEMBER_OF_CRITERION = re.compile(r"^code\.memberOf\('([^']*)'\)$")


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

    def __init__(self, expressions: Sequence[str], variable: str = "medications"):
        self.exact = False
        self.fields: set[str] = set()
        self.code_urls: set[str] = set()
        # Value sets such that every use of %variable is `%variable.where(code.memberOf('<one of them>'))`:
        # then a fact in none of them is invisible to every expression. None when some use is not of that form.
        self.visible_only_in: set[str] | None = set()
        code_reads = code_member_of = 0
        for expression in expressions:
            tree = parse(expression)  # type: ignore[no-untyped-call]
            self._check_variable_uses(tree, variable)
            for node in _walk(tree):
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
        if self.exact:
            self.visible_only_in = None

    def _check_variable_uses(self, tree: Mapping[str, Any], variable: str) -> None:
        for node in _walk(tree):
            children: list[Mapping[str, Any]] = list(node.get("children") or ())
            for i, child in enumerate(children):
                if child.get("type") != "TermExpression" or child.get("text") != f"%{variable}":
                    continue
                url = self._filtered_by_member_of(node, i)
                if url is None or self.visible_only_in is None:
                    self.visible_only_in = None
                else:
                    self.visible_only_in.add(url)

    @staticmethod
    def _filtered_by_member_of(parent: Mapping[str, Any], index: int) -> str | None:
        """The url if the term at `index` of `parent` is followed by `.where(code.memberOf('url'))`."""
        siblings: list[Mapping[str, Any]] = list(parent.get("children") or ())
        if parent.get("type") != "InvocationExpression" or index != 0 or len(siblings) != 2:
            return None
        function = siblings[1]
        functn = (function.get("children") or [{}])[0]
        parts = list(functn.get("children") or ())
        if function.get("type") != "FunctionInvocation" or _identifier(functn) != "where" or len(parts) != 2:
            return None
        params = list(parts[1].get("children") or ())
        match = _MEMBER_OF_CRITERION.match(str(params[0].get("text"))) if len(params) == 1 else None
        return match.group(1) if match else None

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
