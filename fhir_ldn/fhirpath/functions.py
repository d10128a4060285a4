"""The FHIRPath function library (the subset FHIR invariants and profiles use, plus the FHIR-specific functions)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from fhir_ldn.fhirpath.nodes import FHIR_PRIMITIVES, FNode, Model
from fhir_ldn.fhirpath.operators import (
    FhirPathEvaluationError,
    item_equal,
    to_boolean,
    value_of,
)
from fhir_ldn.fhirpath.values import Quantity, Temporal, decimal_boundary, is_number, parse_temporal_literal

if TYPE_CHECKING:
    from fhir_ldn.fhirpath.compiler import Compiled, Context

Item = Any

_SYSTEM_TYPES = {
    "String": str,
    "Boolean": bool,
    "Integer": int,
    "Decimal": Decimal,
    "Quantity": Quantity,
}
_FHIR_TO_SYSTEM = {
    "boolean": "Boolean",
    "integer": "Integer",
    "positiveInt": "Integer",
    "unsignedInt": "Integer",
    "integer64": "Integer",
    "decimal": "Decimal",
    "date": "Date",
    "dateTime": "DateTime",
    "instant": "DateTime",
    "time": "Time",
}


@dataclass(frozen=True)
class FunctionSpec:
    """kind: 'plain' (arguments evaluated on $this), 'lambda' (compiled arguments, run per item), 'type'."""

    kind: str
    arity: frozenset[int]
    impl: Callable[..., list[Item]]


def type_matches(model: Model, item: Item, type_name: str) -> bool:
    """`item is type_name` (FHIR types by name, `System.X` for system values; `FHIR.` prefix ignored)."""
    namespace, _, name = type_name.rpartition(".")
    if isinstance(item, FNode):
        if namespace == "System":
            return (
                item.v is not None
                and _FHIR_TO_SYSTEM.get(item.t, "String" if item.t in FHIR_PRIMITIVES else "") == name
            )
        return model.is_type(item.t, name)
    if namespace == "FHIR":
        return False
    if isinstance(item, Temporal):
        return name == {"date": "Date", "datetime": "DateTime", "time": "Time"}[item.kind]
    if isinstance(item, bool):
        return name == "Boolean"
    expected = _SYSTEM_TYPES.get(name)
    return expected is not None and isinstance(item, expected) and not (expected is int and isinstance(item, bool))


# -- helpers ---------------------------------------------------------------------------------------------
def _iterate(ctx: Context, items: list[Item], expr: Compiled) -> list[tuple[Item, list[Item]]]:
    saved_this, saved_index = ctx.this, ctx.index
    out = []
    try:
        for i, item in enumerate(items):
            ctx.this = item
            ctx.index = i
            out.append((item, expr(ctx, [item])))
    finally:
        ctx.this, ctx.index = saved_this, saved_index
    return out


def _single(items: list[Item], fn: str) -> Item:
    if len(items) > 1:
        raise FhirPathEvaluationError(f"{fn}() needs a single item, found {len(items)}")
    return items[0] if items else None


def _string_input(items: list[Item], fn: str) -> str | None:
    item = _single(items, fn)
    if item is None:
        return None
    v = value_of(item)
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, FNode):
        raise FhirPathEvaluationError(f"{fn}() needs a string")
    return to_string_value(v)


def _arg_string(arg: list[Item], fn: str) -> str | None:
    v = value_of(_single(arg, fn)) if arg else None
    return v if isinstance(v, str) else (None if v is None else to_string_value(v))


def _arg_int(arg: list[Item], fn: str) -> int | None:
    v = value_of(_single(arg, fn)) if arg else None
    if v is None:
        return None
    if isinstance(v, bool) or not is_number(v):
        raise FhirPathEvaluationError(f"{fn}() needs an integer argument")
    return int(v)


def to_string_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return str(v) if "E" not in str(v) else format(v, "f")
    return str(v)


def _hash_key(item: Item) -> Any:
    """A key equal for items FHIRPath `=` finds equal (None when only a pairwise comparison can tell)."""
    v = value_of(item)
    if isinstance(v, bool):
        return ("b", v)
    if is_number(v):
        return ("n", Decimal(v).normalize())
    if isinstance(v, str):
        return ("s", v)
    return None


def distinct_items(items: list[Item]) -> list[Item]:
    out: list[Item] = []
    keys: set[Any] = set()
    others: list[Item] = []
    for item in items:
        key = _hash_key(item)
        if key is not None:
            if key not in keys:
                keys.add(key)
                out.append(item)
            continue
        if not any(item_equal(item, seen) is True for seen in others):
            others.append(item)
            out.append(item)
    return out


def union(left: list[Item], right: list[Item]) -> list[Item]:
    return distinct_items(left + right)


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.DOTALL)


# -- existence and filtering ------------------------------------------------------------------------------
def _empty(ctx: Context, items: list[Item]) -> list[Item]:
    return [not items]


def _exists(ctx: Context, items: list[Item], crit: Compiled | None = None) -> list[Item]:
    if crit is None:
        return [bool(items)]
    return [any(to_boolean(r) is True for _, r in _iterate(ctx, items, crit))]


def _all(ctx: Context, items: list[Item], crit: Compiled) -> list[Item]:
    return [all(to_boolean(r) is True for _, r in _iterate(ctx, items, crit))]


def _where(ctx: Context, items: list[Item], crit: Compiled) -> list[Item]:
    return [item for item, r in _iterate(ctx, items, crit) if to_boolean(r) is True]


def _select(ctx: Context, items: list[Item], proj: Compiled) -> list[Item]:
    out: list[Item] = []
    for _, r in _iterate(ctx, items, proj):
        out.extend(r)
    return out


def _repeat(ctx: Context, items: list[Item], proj: Compiled) -> list[Item]:
    out: list[Item] = []
    seen: set[int] = set()
    frontier = items
    while frontier:
        nxt: list[Item] = []
        for _, r in _iterate(ctx, frontier, proj):
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
    item = _single(items, "is")
    return [] if item is None else [type_matches(ctx.model, item, type_name)]


def _as(ctx: Context, items: list[Item], type_name: str) -> list[Item]:
    item = _single(items, "as")
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
    count = _arg_int(n, "skip")
    return items if count is None else items[max(count, 0) :]


def _take(ctx: Context, items: list[Item], n: list[Item]) -> list[Item]:
    count = _arg_int(n, "take")
    return [] if count is None or count <= 0 else items[:count]


def _single_fn(ctx: Context, items: list[Item]) -> list[Item]:
    return [_single(items, "single")] if items else []


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


# -- conversion -------------------------------------------------------------------------------------------
def _to_string(ctx: Context, items: list[Item]) -> list[Item]:
    item = _single(items, "toString")
    if item is None:
        return []
    v = value_of(item)
    if v is None or isinstance(v, FNode):
        return []
    return [to_string_value(v)]


def _to_integer(ctx: Context, items: list[Item]) -> list[Item]:
    item = _single(items, "toInteger")
    v = value_of(item) if item is not None else None
    if isinstance(v, bool):
        return [int(v)]
    if isinstance(v, int):
        return [v]
    if isinstance(v, str) and re.fullmatch(r"[+\-]?\d+", v):
        return [int(v)]
    return []


def _to_decimal(ctx: Context, items: list[Item]) -> list[Item]:
    item = _single(items, "toDecimal")
    v = value_of(item) if item is not None else None
    if isinstance(v, bool):
        return [Decimal(int(v))]
    if isinstance(v, int | Decimal):
        return [Decimal(v)]
    if isinstance(v, str) and re.fullmatch(r"[+\-]?\d+(\.\d+)?", v):
        return [Decimal(v)]
    return []


def _to_boolean(ctx: Context, items: list[Item]) -> list[Item]:
    item = _single(items, "toBoolean")
    v = value_of(item) if item is not None else None
    if isinstance(v, bool):
        return [v]
    if isinstance(v, str):
        low = v.lower()
        if low in ("true", "t", "yes", "y", "1", "1.0"):
            return [True]
        if low in ("false", "f", "no", "n", "0", "0.0"):
            return [False]
    if is_number(v) and v in (0, 1):
        return [bool(v)]
    return []


def _converts(fn: Callable[[Context, list[Item]], list[Item]]) -> Callable[[Context, list[Item]], list[Item]]:
    def converts(ctx: Context, items: list[Item]) -> list[Item]:
        if not items:
            return []
        return [bool(fn(ctx, items))]

    return converts


# -- strings ----------------------------------------------------------------------------------------------
def _string_fn(op: Callable[..., Any], fn: str, arg_kinds: str = "") -> Callable[..., list[Item]]:
    def impl(ctx: Context, items: list[Item], *args: list[Item]) -> list[Item]:
        s = _string_input(items, fn)
        if s is None:
            return []
        values = []
        for kind, arg in zip(arg_kinds, args, strict=False):
            v = _arg_int(arg, fn) if kind == "i" else _arg_string(arg, fn)
            if v is None:
                return []
            values.append(v)
        result = op(s, *values)
        return [] if result is None else [result]

    return impl


def _substring(s: str, start: int, length: int | None = None) -> str | None:
    if start < 0 or start >= len(s):
        return None
    return s[start:] if length is None else s[start : start + max(length, 0)]


def _substring_fn(ctx: Context, items: list[Item], start: list[Item], length: list[Item] | None = None) -> list[Item]:
    s = _string_input(items, "substring")
    begin = _arg_int(start, "substring")
    if s is None or begin is None:
        return []
    count = _arg_int(length, "substring") if length is not None else None
    result = _substring(s, begin, count)
    return [] if result is None else [result]


def _join(ctx: Context, items: list[Item], sep: list[Item] | None = None) -> list[Item]:
    separator = _arg_string(sep, "join") if sep else ""
    return [(separator or "").join(str(value_of(i)) for i in items)]


def _split(ctx: Context, items: list[Item], sep: list[Item]) -> list[Item]:
    s = _string_input(items, "split")
    separator = _arg_string(sep, "split")
    if s is None or separator is None:
        return []
    return list(s.split(separator))


# -- FHIR-specific ------------------------------------------------------------------------------------------
def _children(ctx: Context, items: list[Item]) -> list[Item]:
    out: list[Item] = []
    for item in items:
        if isinstance(item, FNode):
            out.extend(ctx.model.children(item))
    return out


def _descendants(ctx: Context, items: list[Item]) -> list[Item]:
    out: list[Item] = []
    for item in items:
        if isinstance(item, FNode):
            out.extend(ctx.model.descendants(item))
    return out


def _has_value(ctx: Context, items: list[Item]) -> list[Item]:
    if len(items) != 1:
        return [False]
    item = items[0]
    if isinstance(item, FNode):
        return [item.v is not None and not isinstance(item.v, dict | list)]
    return [item is not None]


def _get_value(ctx: Context, items: list[Item]) -> list[Item]:
    if len(items) != 1 or not isinstance(items[0], FNode) or isinstance(items[0].v, dict):
        return []
    v = value_of(items[0])
    return [] if v is None else [v]


def _html_checks(which: int) -> Callable[[Context, list[Item]], list[Item]]:
    def impl(ctx: Context, items: list[Item]) -> list[Item]:
        item = _single(items, "htmlChecks")
        if item is None:
            return []
        return [ctx.env.html_checks(item, which, ctx)]

    return impl


def _reference_of(item: Item) -> str | None:
    if isinstance(item, FNode):
        if isinstance(item.v, dict):
            ref = item.v.get("reference")
            return ref if isinstance(ref, str) else None
        return item.v if isinstance(item.v, str) else None
    return item if isinstance(item, str) else None


def _resolve(ctx: Context, items: list[Item]) -> list[Item]:
    out: list[Item] = []
    for item in items:
        ref = _reference_of(item)
        if not ref:
            continue
        target = ctx.env.resolve(ref, ctx)
        if target is not None:
            out.append(ctx.model.resource_node(target))
    return out


def _member_of(ctx: Context, items: list[Item], url: list[Item]) -> list[Item]:
    item = _single(items, "memberOf")
    vs = _arg_string(url, "memberOf")
    if item is None or vs is None:
        return []
    result = ctx.env.member_of(item, vs, ctx)
    return [] if result is None else [result]


def _conforms_to(ctx: Context, items: list[Item], url: list[Item]) -> list[Item]:
    item = _single(items, "conformsTo")
    profile = _arg_string(url, "conformsTo")
    if item is None or profile is None:
        return []
    result = ctx.env.conforms_to(item, profile, ctx)
    return [] if result is None else [result]


def _extension(ctx: Context, items: list[Item], url: list[Item]) -> list[Item]:
    wanted = _arg_string(url, "extension")
    out: list[Item] = []
    for item in items:
        if isinstance(item, FNode):
            for ext in ctx.model.navigate(item, "extension"):
                if isinstance(ext.v, dict) and ext.v.get("url") == wanted:
                    out.append(ext)
    return out


def _slice(ctx: Context, items: list[Item], profile: list[Item], name: list[Item]) -> list[Item]:
    url = _arg_string(profile, "slice")
    slice_name = _arg_string(name, "slice")
    if url is None or slice_name is None:
        return []
    return ctx.env.slice(items, url, slice_name, ctx)


def _boundary(high: bool) -> Callable[..., list[Item]]:
    def impl(ctx: Context, items: list[Item], precision: list[Item] | None = None) -> list[Item]:
        item = _single(items, "boundary")
        if item is None:
            return []
        v = value_of(item)
        digits = _arg_int(precision, "boundary") if precision else None
        if isinstance(v, Temporal):
            return [v.boundary(high)]
        if isinstance(v, bool) or v is None:
            return []
        if is_number(v):
            return [decimal_boundary(Decimal(v), high, digits)]
        if isinstance(v, Quantity):
            return [Quantity(decimal_boundary(v.value, high, digits), v.unit)]
        return []

    return impl


def _comparable(ctx: Context, items: list[Item], other: list[Item]) -> list[Item]:
    a = value_of(_single(items, "comparable")) if items else None
    b = value_of(_single(other, "comparable")) if other else None
    if a is None or b is None:
        return []
    if isinstance(a, Quantity) and isinstance(b, Quantity):
        return [a.comparable(b)]
    return [type(a) is type(b)]


def _now(ctx: Context, items: list[Item]) -> list[Item]:
    moment = datetime.now(UTC)
    return [parse_temporal_literal(moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z")]


def _today(ctx: Context, items: list[Item]) -> list[Item]:
    return [parse_temporal_literal(datetime.now(UTC).strftime("%Y-%m-%d"))]


# -- math -------------------------------------------------------------------------------------------------
def _math(op: Callable[[Decimal], Any]) -> Callable[[Context, list[Item]], list[Item]]:
    def impl(ctx: Context, items: list[Item]) -> list[Item]:
        item = _single(items, "math")
        v = value_of(item) if item is not None else None
        if v is None:
            return []
        if isinstance(v, Quantity):
            return [Quantity(Decimal(op(v.value)), v.unit)]
        if not is_number(v):
            raise FhirPathEvaluationError("a number was expected")
        try:
            return [op(v)]
        except (InvalidOperation, ValueError):
            return []

    return impl


def _round(ctx: Context, items: list[Item], precision: list[Item] | None = None) -> list[Item]:
    item = _single(items, "round")
    v = value_of(item) if item is not None else None
    if v is None or not is_number(v):
        return []
    places = _arg_int(precision, "round") if precision else 0
    return [Decimal(v).quantize(Decimal(1).scaleb(-(places or 0)))]


def _aggregate_numbers(kind: str) -> Callable[[Context, list[Item]], list[Item]]:
    def impl(ctx: Context, items: list[Item]) -> list[Item]:
        values = [value_of(i) for i in items]
        if not values:
            return [0] if kind == "sum" else []
        if kind == "sum":
            return [sum(values)]
        if kind == "avg":
            return [Decimal(sum(values)) / len(values)]
        return [min(values) if kind == "min" else max(values)]

    return impl


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
    "toString": _spec("plain", (0,), _to_string),
    "toInteger": _spec("plain", (0,), _to_integer),
    "toDecimal": _spec("plain", (0,), _to_decimal),
    "toBoolean": _spec("plain", (0,), _to_boolean),
    "convertsToString": _spec("plain", (0,), _converts(_to_string)),
    "convertsToInteger": _spec("plain", (0,), _converts(_to_integer)),
    "convertsToDecimal": _spec("plain", (0,), _converts(_to_decimal)),
    "convertsToBoolean": _spec("plain", (0,), _converts(_to_boolean)),
    "startsWith": _spec("plain", (1,), _string_fn(lambda s, p: s.startswith(p), "startsWith", "s")),
    "endsWith": _spec("plain", (1,), _string_fn(lambda s, p: s.endswith(p), "endsWith", "s")),
    "contains": _spec("plain", (1,), _string_fn(lambda s, p: p in s, "contains", "s")),
    "matches": _spec("plain", (1,), _string_fn(lambda s, p: _regex(p).search(s) is not None, "matches", "s")),
    "matchesFull": _spec(
        "plain", (1,), _string_fn(lambda s, p: _regex(p).fullmatch(s) is not None, "matchesFull", "s")
    ),
    "replaceMatches": _spec(
        "plain", (2,), _string_fn(lambda s, p, r: _regex(p).sub(r.replace("$", "\\"), s), "replaceMatches", "ss")
    ),
    "replace": _spec("plain", (2,), _string_fn(lambda s, p, r: s.replace(p, r), "replace", "ss")),
    "indexOf": _spec("plain", (1,), _string_fn(lambda s, p: s.find(p), "indexOf", "s")),
    "lastIndexOf": _spec("plain", (1,), _string_fn(lambda s, p: s.rfind(p), "lastIndexOf", "s")),
    "length": _spec("plain", (0,), _string_fn(len, "length")),
    "upper": _spec("plain", (0,), _string_fn(str.upper, "upper")),
    "lower": _spec("plain", (0,), _string_fn(str.lower, "lower")),
    "trim": _spec("plain", (0,), _string_fn(str.strip, "trim")),
    "toChars": _spec("plain", (0,), lambda ctx, items: list(_string_input(items, "toChars") or "")),
    "substring": _spec("plain", (1, 2), _substring_fn),
    "join": _spec("plain", (0, 1), _join),
    "split": _spec("plain", (1,), _split),
    "children": _spec("plain", (0,), _children),
    "descendants": _spec("plain", (0,), _descendants),
    "hasValue": _spec("plain", (0,), _has_value),
    "getValue": _spec("plain", (0,), _get_value),
    "htmlChecks": _spec("plain", (0,), _html_checks(1)),
    "htmlChecks1": _spec("plain", (0,), _html_checks(1)),
    "htmlChecks2": _spec("plain", (0,), _html_checks(2)),
    "resolve": _spec("plain", (0,), _resolve),
    "memberOf": _spec("plain", (1,), _member_of),
    "conformsTo": _spec("plain", (1,), _conforms_to),
    "extension": _spec("plain", (1,), _extension),
    "slice": _spec("plain", (2,), _slice),
    "lowBoundary": _spec("plain", (0, 1), _boundary(False)),
    "highBoundary": _spec("plain", (0, 1), _boundary(True)),
    "comparable": _spec("plain", (1,), _comparable),
    "now": _spec("plain", (0,), _now),
    "today": _spec("plain", (0,), _today),
    "abs": _spec("plain", (0,), _math(abs)),
    "ceiling": _spec("plain", (0,), _math(lambda v: math.ceil(v))),
    "floor": _spec("plain", (0,), _math(lambda v: math.floor(v))),
    "truncate": _spec("plain", (0,), _math(lambda v: int(v))),
    "sqrt": _spec("plain", (0,), _math(lambda v: Decimal(v).sqrt())),
    "exp": _spec("plain", (0,), _math(lambda v: Decimal(v).exp())),
    "ln": _spec("plain", (0,), _math(lambda v: Decimal(v).ln())),
    "round": _spec("plain", (0, 1), _round),
    "sum": _spec("plain", (0,), _aggregate_numbers("sum")),
    "min": _spec("plain", (0,), _aggregate_numbers("min")),
    "max": _spec("plain", (0,), _aggregate_numbers("max")),
    "avg": _spec("plain", (0,), _aggregate_numbers("avg")),
}
