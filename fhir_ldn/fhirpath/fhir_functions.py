"""The FHIR-specific FHIRPath functions (hasValue, htmlChecks, resolve, memberOf, boundaries...)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fhir_ldn.fhirpath.function_args import (
    arg_int,
    arg_string,
    single,
)
from fhir_ldn.fhirpath.nodes import FNode
from fhir_ldn.fhirpath.operators import (
    value_of,
)
from fhir_ldn.fhirpath.values import Quantity, Temporal, decimal_boundary, is_number, parse_temporal_literal

if TYPE_CHECKING:
    from fhir_ldn.fhirpath.compiler import Context

Item = Any


# -- FHIR-specific ------------------------------------------------------------------------------------------
def children(ctx: Context, items: list[Item]) -> list[Item]:
    out: list[Item] = []
    for item in items:
        if isinstance(item, FNode):
            out.extend(ctx.model.children(item))
    return out


def descendants(ctx: Context, items: list[Item]) -> list[Item]:
    out: list[Item] = []
    for item in items:
        if isinstance(item, FNode):
            out.extend(ctx.model.descendants(item))
    return out


def has_value(ctx: Context, items: list[Item]) -> list[Item]:
    if len(items) != 1:
        return [False]
    item = items[0]
    if isinstance(item, FNode):
        return [item.v is not None and not isinstance(item.v, dict | list)]
    return [item is not None]


def get_value(ctx: Context, items: list[Item]) -> list[Item]:
    if len(items) != 1 or not isinstance(items[0], FNode) or isinstance(items[0].v, dict):
        return []
    v = value_of(items[0])
    return [] if v is None else [v]


def html_checks(which: int) -> Callable[[Context, list[Item]], list[Item]]:
    def impl(ctx: Context, items: list[Item]) -> list[Item]:
        item = single(items, "htmlChecks")
        if item is None:
            return []
        return [ctx.env.html_checks(item, which, ctx)]

    return impl


def reference_of(item: Item) -> str | None:
    if isinstance(item, FNode):
        if isinstance(item.v, dict):
            ref = item.v.get("reference")
            return ref if isinstance(ref, str) else None
        return item.v if isinstance(item.v, str) else None
    return item if isinstance(item, str) else None


def resolve(ctx: Context, items: list[Item]) -> list[Item]:
    out: list[Item] = []
    for item in items:
        ref = reference_of(item)
        if not ref:
            continue
        target = ctx.env.resolve(ref, ctx)
        if target is not None:
            out.append(ctx.model.resource_node(target))
    return out


def member_of(ctx: Context, items: list[Item], url: list[Item]) -> list[Item]:
    item = single(items, "memberOf")
    vs = arg_string(url, "memberOf")
    if item is None or vs is None:
        return []
    result = ctx.env.member_of(item, vs, ctx)
    return [] if result is None else [result]


def conforms_to(ctx: Context, items: list[Item], url: list[Item]) -> list[Item]:
    item = single(items, "conformsTo")
    profile = arg_string(url, "conformsTo")
    if item is None or profile is None:
        return []
    result = ctx.env.conforms_to(item, profile, ctx)
    return [] if result is None else [result]


def extension(ctx: Context, items: list[Item], url: list[Item]) -> list[Item]:
    wanted = arg_string(url, "extension")
    out: list[Item] = []
    for item in items:
        if isinstance(item, FNode):
            for ext in ctx.model.navigate(item, "extension"):
                if isinstance(ext.v, dict) and ext.v.get("url") == wanted:
                    out.append(ext)
    return out


def slice_of(ctx: Context, items: list[Item], profile: list[Item], name: list[Item]) -> list[Item]:
    url = arg_string(profile, "slice")
    slice_name = arg_string(name, "slice")
    if url is None or slice_name is None:
        return []
    return ctx.env.slice(items, url, slice_name, ctx)


# digits of precision -> components kept (FHIRPath lowBoundary/highBoundary: 4 = year ... 17 = millisecond)
_DATE_DIGITS = {4: 1, 6: 2, 8: 3, 10: 4, 12: 5, 14: 6, 17: 7}
_TIME_DIGITS = {2: 1, 4: 2, 6: 3, 9: 4}


def _temporal_boundary(v: Temporal, high: bool, digits: int | None) -> list[Item]:
    if digits is None:
        return [v.boundary(high)]
    if v.kind == "time":
        kept = _TIME_DIGITS.get(digits)
        return [] if kept is None else [Temporal("time", v.boundary(high).parts[:kept])]
    kept = _DATE_DIGITS.get(digits)
    if kept is None:
        return []
    bound = Temporal("datetime", v.parts, v.tz).boundary(high)
    return [Temporal("datetime", bound.parts[:kept], bound.tz if kept > 3 else None)]


def boundary(high: bool) -> Callable[..., list[Item]]:
    def impl(ctx: Context, items: list[Item], precision: list[Item] | None = None) -> list[Item]:
        item = single(items, "boundary")
        if item is None:
            return []
        v = value_of(item)
        digits = arg_int(precision, "boundary") if precision else None
        if isinstance(v, Temporal):
            return _temporal_boundary(v, high, digits)
        if isinstance(v, bool) or v is None:
            return []
        if is_number(v):
            found = decimal_boundary(Decimal(v), high, digits)
            return [] if found is None else [found]
        if isinstance(v, Quantity):
            found = decimal_boundary(v.value, high, digits)
            return [] if found is None else [Quantity(found, v.unit)]
        return []

    return impl


def comparable(ctx: Context, items: list[Item], other: list[Item]) -> list[Item]:
    a = value_of(single(items, "comparable")) if items else None
    b = value_of(single(other, "comparable")) if other else None
    if a is None or b is None:
        return []
    if isinstance(a, Quantity) and isinstance(b, Quantity):
        return [a.comparable(b)]
    return [type(a) is type(b)]


def now(ctx: Context, items: list[Item]) -> list[Item]:
    moment = datetime.now(UTC)
    return [parse_temporal_literal(moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z")]


def today(ctx: Context, items: list[Item]) -> list[Item]:
    return [parse_temporal_literal(datetime.now(UTC).strftime("%Y-%m-%d"))]
