"""The FHIRPath function library (the subset FHIR invariants and profiles use, plus the FHIR-specific functions)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fhir_ldn.fhirpath.extended_functions import EXTENDED_FUNCTIONS, sort_items
from fhir_ldn.fhirpath.fhir_functions import (
    boundary,
    children,
    comparable,
    conforms_to,
    descendants,
    extension,
    get_value,
    has_value,
    html_checks,
    member_of,
    now,
    resolve,
    slice_of,
    today,
)
from fhir_ldn.fhirpath.function_args import (
    arg_int,
    distinct_items,
    iterate,
    regex,
    single,
    string_input,
    type_matches,
    union,
)
from fhir_ldn.fhirpath.nodes import FNode
from fhir_ldn.fhirpath.operators import (
    FhirPathEvaluationError,
    item_equal,
    to_boolean,
    value_of,
)
from fhir_ldn.fhirpath.text_functions import (
    aggregate_numbers,
    converts,
    join,
    math_fn,
    round_fn,
    split,
    string_fn,
    substring_fn,
    to_boolean_fn,
    to_decimal,
    to_integer,
    to_string,
)

if TYPE_CHECKING:
    from fhir_ldn.fhirpath.compiler import Compiled, Context

Item = Any


@dataclass(frozen=True)
class FunctionSpec:
    """kind: 'plain' (arguments evaluated on $this), 'lambda' (compiled arguments, run per item), 'type', 'sort'
    (compiled keys, each with whether it is written `-expr`: descending)."""

    kind: str
    arity: frozenset[int]
    impl: Callable[..., list[Item]]


# -- existence and filtering ------------------------------------------------------------------------------
def _empty(ctx: Context, items: list[Item]) -> list[Item]:
    return [not items]


def _exists(ctx: Context, items: list[Item], crit: Compiled | None = None) -> list[Item]:
    if crit is None:
        return [bool(items)]
    return [any(to_boolean(r) is True for _, r in iterate(ctx, items, crit))]


def _all(ctx: Context, items: list[Item], crit: Compiled) -> list[Item]:
    return [all(to_boolean(r) is True for _, r in iterate(ctx, items, crit))]


def _where(ctx: Context, items: list[Item], crit: Compiled) -> list[Item]:
    return [item for item, r in iterate(ctx, items, crit) if to_boolean(r) is True]


def _select(ctx: Context, items: list[Item], proj: Compiled) -> list[Item]:
    out: list[Item] = []
    for _, r in iterate(ctx, items, proj):
        out.extend(r)
    return out


def _repeat(ctx: Context, items: list[Item], proj: Compiled) -> list[Item]:
    out: list[Item] = []
    seen: set[int] = set()
    frontier = items
    while frontier:
        nxt: list[Item] = []
        for _, r in iterate(ctx, frontier, proj):
            for item in r:
                key = id(item.v) if isinstance(item, FNode) and isinstance(item.v, dict) else None
                if key is not None:
                    if key in seen:
                        continue
                    seen.add(key)
                elif any(item_equal(item, o) is True for o in out):
                    continue
                out.append(item)
                nxt.append(item)
        frontier = nxt
    return out


def _iif(ctx: Context, items: list[Item], crit: Compiled, yes: Compiled, no: Compiled | None = None) -> list[Item]:
    if len(items) > 1:
        raise FhirPathEvaluationError("iif() needs a single input item")
    focus = items[0] if items else ctx.this
    saved = ctx.this
    ctx.this = focus
    try:
        chosen = yes if to_boolean(crit(ctx, [focus])) is True else no
        return chosen(ctx, [focus]) if chosen is not None else []
    finally:
        ctx.this = saved


def _trace(ctx: Context, items: list[Item], name: Compiled, proj: Compiled | None = None) -> list[Item]:
    label = name(ctx, [ctx.this])
    shown = _select(ctx, items, proj) if proj is not None else items
    ctx.env.trace(str(label[0]) if label else "", shown)
    return items


def _aggregate(ctx: Context, items: list[Item], expr: Compiled, init: Compiled | None = None) -> list[Item]:
    total = init(ctx, [ctx.this]) if init is not None else []
    saved = ctx.total
    try:
        for _, r in _iterate_with_total(ctx, items, expr, total):
            total = r
    finally:
        ctx.total = saved
    return total


def _iterate_with_total(ctx: Context, items: list[Item], expr: Compiled, total: list[Item]) -> list[tuple[Item, Any]]:
    out = []
    saved_this, saved_index = ctx.this, ctx.index
    try:
        for i, item in enumerate(items):
            ctx.this, ctx.index, ctx.total = item, i, total
            total = expr(ctx, [item])
            out.append((item, total))
    finally:
        ctx.this, ctx.index = saved_this, saved_index
    return out


def _of_type(ctx: Context, items: list[Item], type_name: str) -> list[Item]:
    return [item for item in items if type_matches(ctx.model, item, type_name)]


def _is(ctx: Context, items: list[Item], type_name: str) -> list[Item]:
    item = single(items, "is")
    return [] if item is None else [type_matches(ctx.model, item, type_name)]


def _as(ctx: Context, items: list[Item], type_name: str) -> list[Item]:
    item = single(items, "as")
    return [item] if item is not None and type_matches(ctx.model, item, type_name) else []


# -- subsetting and combining ---------------------------------------------------------------------------
def _contains_item(items: list[Item], item: Item) -> bool:
    return any(item_equal(item, other) is True for other in items)


def _first(ctx: Context, items: list[Item]) -> list[Item]:
    return items[:1]


def _last(ctx: Context, items: list[Item]) -> list[Item]:
    return items[-1:]


def _tail(ctx: Context, items: list[Item]) -> list[Item]:
    return items[1:]


def _skip(ctx: Context, items: list[Item], n: list[Item]) -> list[Item]:
    count = arg_int(n, "skip")
    return items if count is None else items[max(count, 0) :]


def _take(ctx: Context, items: list[Item], n: list[Item]) -> list[Item]:
    count = arg_int(n, "take")
    return [] if count is None or count <= 0 else items[:count]


def _single_fn(ctx: Context, items: list[Item]) -> list[Item]:
    return [single(items, "single")] if items else []


def _intersect(ctx: Context, items: list[Item], other: list[Item]) -> list[Item]:
    return distinct_items([i for i in items if _contains_item(other, i)])


def _exclude(ctx: Context, items: list[Item], other: list[Item]) -> list[Item]:
    return [i for i in items if not _contains_item(other, i)]


def _subset_of(ctx: Context, items: list[Item], other: list[Item]) -> list[Item]:
    return [all(_contains_item(other, i) for i in items)]


def _superset_of(ctx: Context, items: list[Item], other: list[Item]) -> list[Item]:
    return [all(_contains_item(items, i) for i in other)]


def _count(ctx: Context, items: list[Item]) -> list[Item]:
    return [len(items)]


def _distinct(ctx: Context, items: list[Item]) -> list[Item]:
    return distinct_items(items)


def _is_distinct(ctx: Context, items: list[Item]) -> list[Item]:
    return [len(distinct_items(items)) == len(items)]


def _bools(items: list[Item], fn: str) -> list[bool]:
    out = []
    for item in items:
        v = value_of(item)
        if not isinstance(v, bool):
            raise FhirPathEvaluationError(f"{fn}() needs booleans")
        out.append(v)
    return out


def _not(ctx: Context, items: list[Item]) -> list[Item]:
    b = to_boolean(items)
    return [] if b is None else [not b]


def _spec(kind: str, arity: tuple[int, ...], impl: Callable[..., list[Item]]) -> FunctionSpec:
    return FunctionSpec(kind, frozenset(arity), impl)


FUNCTIONS: dict[str, FunctionSpec] = {
    "empty": _spec("plain", (0,), _empty),
    "exists": _spec("lambda", (0, 1), _exists),
    "all": _spec("lambda", (1,), _all),
    "allTrue": _spec("plain", (0,), lambda ctx, items: [all(_bools(items, "allTrue"))]),
    "anyTrue": _spec("plain", (0,), lambda ctx, items: [any(_bools(items, "anyTrue"))]),
    "allFalse": _spec("plain", (0,), lambda ctx, items: [not any(_bools(items, "allFalse"))]),
    "anyFalse": _spec("plain", (0,), lambda ctx, items: [not all(_bools(items, "anyFalse"))]),
    "subsetOf": _spec("plain", (1,), _subset_of),
    "supersetOf": _spec("plain", (1,), _superset_of),
    "count": _spec("plain", (0,), _count),
    "distinct": _spec("plain", (0,), _distinct),
    "isDistinct": _spec("plain", (0,), _is_distinct),
    "where": _spec("lambda", (1,), _where),
    "select": _spec("lambda", (1,), _select),
    "repeat": _spec("lambda", (1,), _repeat),
    "ofType": _spec("type", (1,), _of_type),
    "is": _spec("type", (1,), _is),
    "as": _spec("type", (1,), _as),
    "first": _spec("plain", (0,), _first),
    "last": _spec("plain", (0,), _last),
    "tail": _spec("plain", (0,), _tail),
    "skip": _spec("plain", (1,), _skip),
    "take": _spec("plain", (1,), _take),
    "single": _spec("plain", (0,), _single_fn),
    "intersect": _spec("plain", (1,), _intersect),
    "exclude": _spec("plain", (1,), _exclude),
    "union": _spec("plain", (1,), lambda ctx, items, other: union(items, other)),
    "combine": _spec("plain", (1,), lambda ctx, items, other: items + other),
    "iif": _spec("lambda", (2, 3), _iif),
    "not": _spec("plain", (0,), _not),
    "trace": _spec("lambda", (1, 2), _trace),
    "aggregate": _spec("lambda", (1, 2), _aggregate),
    "toString": _spec("plain", (0,), to_string),
    "toInteger": _spec("plain", (0,), to_integer),
    "toDecimal": _spec("plain", (0,), to_decimal),
    "toBoolean": _spec("plain", (0,), to_boolean_fn),
    "convertsToString": _spec("plain", (0,), converts(to_string)),
    "convertsToInteger": _spec("plain", (0,), converts(to_integer)),
    "convertsToDecimal": _spec("plain", (0,), converts(to_decimal)),
    "convertsToBoolean": _spec("plain", (0,), converts(to_boolean_fn)),
    "startsWith": _spec("plain", (1,), string_fn(lambda s, p: s.startswith(p), "startsWith", "s")),
    "endsWith": _spec("plain", (1,), string_fn(lambda s, p: s.endswith(p), "endsWith", "s")),
    "contains": _spec("plain", (1,), string_fn(lambda s, p: p in s, "contains", "s")),
    "matches": _spec("plain", (1,), string_fn(lambda s, p: regex(p).search(s), "matches", "s")),
    "matchesFull": _spec("plain", (1,), string_fn(lambda s, p: regex(p).fullmatch(s), "matchesFull", "s")),
    "replaceMatches": _spec(
        "plain", (2,), string_fn(lambda s, p, r: regex(p).replace(s, r) if p else s, "replaceMatches", "ss")
    ),
    "replace": _spec("plain", (2,), string_fn(lambda s, p, r: s.replace(p, r), "replace", "ss")),
    "indexOf": _spec("plain", (1,), string_fn(lambda s, p: s.find(p), "indexOf", "s")),
    "lastIndexOf": _spec("plain", (1,), string_fn(lambda s, p: s.rfind(p), "lastIndexOf", "s")),
    "length": _spec("plain", (0,), string_fn(len, "length")),
    "upper": _spec("plain", (0,), string_fn(str.upper, "upper")),
    "lower": _spec("plain", (0,), string_fn(str.lower, "lower")),
    "trim": _spec("plain", (0,), string_fn(str.strip, "trim")),
    "toChars": _spec("plain", (0,), lambda ctx, items: list(string_input(items, "toChars") or "")),
    "substring": _spec("plain", (1, 2), substring_fn),
    "join": _spec("plain", (0, 1), join),
    "split": _spec("plain", (1,), split),
    "children": _spec("plain", (0,), children),
    "descendants": _spec("plain", (0,), descendants),
    "hasValue": _spec("plain", (0,), has_value),
    "getValue": _spec("plain", (0,), get_value),
    "htmlChecks": _spec("plain", (0,), html_checks(1)),
    "htmlChecks1": _spec("plain", (0,), html_checks(1)),
    "htmlChecks2": _spec("plain", (0,), html_checks(2)),
    "resolve": _spec("plain", (0,), resolve),
    "memberOf": _spec("plain", (1,), member_of),
    "conformsTo": _spec("plain", (1,), conforms_to),
    "extension": _spec("plain", (1,), extension),
    "slice": _spec("plain", (2,), slice_of),
    "lowBoundary": _spec("plain", (0, 1), boundary(False)),
    "highBoundary": _spec("plain", (0, 1), boundary(True)),
    "comparable": _spec("plain", (1,), comparable),
    "now": _spec("plain", (0,), now),
    "today": _spec("plain", (0,), today),
    "abs": _spec("plain", (0,), math_fn(abs)),
    "ceiling": _spec("plain", (0,), math_fn(lambda v: math.ceil(v))),
    "floor": _spec("plain", (0,), math_fn(lambda v: math.floor(v))),
    "truncate": _spec("plain", (0,), math_fn(lambda v: int(v))),
    "sqrt": _spec("plain", (0,), math_fn(lambda v: Decimal(v).sqrt())),
    "exp": _spec("plain", (0,), math_fn(lambda v: Decimal(v).exp())),
    "ln": _spec("plain", (0,), math_fn(lambda v: Decimal(v).ln())),
    "round": _spec("plain", (0, 1), round_fn),
    "sum": _spec("plain", (0,), aggregate_numbers("sum")),
    "min": _spec("plain", (0,), aggregate_numbers("min")),
    "max": _spec("plain", (0,), aggregate_numbers("max")),
    "avg": _spec("plain", (0,), aggregate_numbers("avg")),
}
FUNCTIONS["sort"] = _spec("sort", tuple(range(10)), sort_items)
FUNCTIONS.update({name: _spec(kind, arity, impl) for name, (kind, arity, impl) in EXTENDED_FUNCTIONS.items()})
