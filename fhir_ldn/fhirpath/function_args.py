"""Helpers of the FHIRPath function library: argument checks, iteration, distinctness and type tests."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fhir_ldn.fhirpath.nodes import FHIR_PRIMITIVES, FNode, Model
from fhir_ldn.fhirpath.operators import (
    FhirPathEvaluationError,
    item_equal,
    value_of,
)
from fhir_ldn.fhirpath.values import Quantity, Temporal, is_number
from fhir_ldn.linear_regex import LinearRegex, RegexRefusedError, compile_regex

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
def iterate(ctx: Context, items: list[Item], expr: Compiled) -> list[tuple[Item, list[Item]]]:
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


def single(items: list[Item], fn: str) -> Item:
    if len(items) > 1:
        raise FhirPathEvaluationError(f"{fn}() needs a single item, found {len(items)}")
    return items[0] if items else None


def string_input(items: list[Item], fn: str) -> str | None:
    item = single(items, fn)
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


def arg_string(arg: list[Item], fn: str) -> str | None:
    v = value_of(single(arg, fn)) if arg else None
    return v if isinstance(v, str) else (None if v is None else to_string_value(v))


def arg_int(arg: list[Item], fn: str) -> int | None:
    v = value_of(single(arg, fn)) if arg else None
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


def hash_key(item: Item) -> Any:
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
        key = hash_key(item)
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


def regex(pattern: str) -> LinearRegex:
    """A FHIRPath regex (`.` matches newlines too), run by RE2 in linear time; refused ones are evaluation errors."""
    try:
        return compile_regex(pattern, dot_all=True)
    except RegexRefusedError as exc:
        raise FhirPathEvaluationError(str(exc)) from None
