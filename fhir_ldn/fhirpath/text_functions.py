"""FHIRPath conversion, string and math functions."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from fhir_ldn.fhirpath.function_args import (
    arg_int,
    arg_string,
    single,
    string_input,
    to_string_value,
)
from fhir_ldn.fhirpath.nodes import FNode
from fhir_ldn.fhirpath.operators import (
    FhirPathEvaluationError,
    value_of,
)
from fhir_ldn.fhirpath.values import Quantity, is_number

if TYPE_CHECKING:
    from fhir_ldn.fhirpath.compiler import Context

Item = Any


# -- conversion -------------------------------------------------------------------------------------------
def to_string(ctx: Context, items: list[Item]) -> list[Item]:
    item = single(items, "toString")
    if item is None:
        return []
    v = value_of(item)
    if v is None or isinstance(v, FNode):
        return []
    return [to_string_value(v)]


def to_integer(ctx: Context, items: list[Item]) -> list[Item]:
    item = single(items, "toInteger")
    v = value_of(item) if item is not None else None
    if isinstance(v, bool):
        return [int(v)]
    if isinstance(v, int):
        return [v]
    if isinstance(v, str) and re.fullmatch(r"[+\-]?\d+", v):
        return [int(v)]
    return []


def to_decimal(ctx: Context, items: list[Item]) -> list[Item]:
    item = single(items, "toDecimal")
    v = value_of(item) if item is not None else None
    if isinstance(v, bool):
        return [Decimal(int(v))]
    if isinstance(v, int | Decimal):
        return [Decimal(v)]
    if isinstance(v, str) and re.fullmatch(r"[+\-]?\d+(\.\d+)?", v):
        return [Decimal(v)]
    return []


def to_boolean_fn(ctx: Context, items: list[Item]) -> list[Item]:
    item = single(items, "toBoolean")
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


def converts(fn: Callable[[Context, list[Item]], list[Item]]) -> Callable[[Context, list[Item]], list[Item]]:
    def converts(ctx: Context, items: list[Item]) -> list[Item]:
        if not items:
            return []
        return [bool(fn(ctx, items))]

    return converts


# -- strings ----------------------------------------------------------------------------------------------
def string_fn(op: Callable[..., Any], fn: str, arg_kinds: str = "") -> Callable[..., list[Item]]:
    def impl(ctx: Context, items: list[Item], *args: list[Item]) -> list[Item]:
        s = string_input(items, fn)
        if s is None:
            return []
        values = []
        for kind, arg in zip(arg_kinds, args, strict=False):
            v = arg_int(arg, fn) if kind == "i" else arg_string(arg, fn)
            if v is None:
                return []
            values.append(v)
        result = op(s, *values)
        return [] if result is None else [result]

    return impl


def substring(s: str, start: int, length: int | None = None) -> str | None:
    if start < 0 or start >= len(s):
        return None
    return s[start:] if length is None else s[start : start + max(length, 0)]


def substring_fn(ctx: Context, items: list[Item], start: list[Item], length: list[Item] | None = None) -> list[Item]:
    s = string_input(items, "substring")
    begin = arg_int(start, "substring")
    if s is None or begin is None:
        return []
    count = arg_int(length, "substring") if length is not None else None
    result = substring(s, begin, count)
    return [] if result is None else [result]


def join(ctx: Context, items: list[Item], sep: list[Item] | None = None) -> list[Item]:
    """join(): the strings joined with the separator; empty input, empty result (FHIRPath 2.0)."""
    if not items:
        return []
    separator = arg_string(sep, "join") if sep else ""
    return [(separator or "").join(str(value_of(i)) for i in items)]


def split(ctx: Context, items: list[Item], sep: list[Item]) -> list[Item]:
    s = string_input(items, "split")
    separator = arg_string(sep, "split")
    if s is None or separator is None:
        return []
    return list(s.split(separator))


# -- math -------------------------------------------------------------------------------------------------
def math_fn(op: Callable[[Decimal], Any]) -> Callable[[Context, list[Item]], list[Item]]:
    def impl(ctx: Context, items: list[Item]) -> list[Item]:
        item = single(items, "math")
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


def round_fn(ctx: Context, items: list[Item], precision: list[Item] | None = None) -> list[Item]:
    item = single(items, "round")
    v = value_of(item) if item is not None else None
    if v is None or not is_number(v):
        return []
    places = arg_int(precision, "round") if precision else 0
    return [Decimal(v).quantize(Decimal(1).scaleb(-(places or 0)))]


def aggregate_numbers(kind: str) -> Callable[[Context, list[Item]], list[Item]]:
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
