"""FHIRPath equality, equivalence, ordering, boolean logic and arithmetic over items (nodes or system values)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from fhir_ldn.fhirpath.nodes import FNode, primitive_value, quantity_of
from fhir_ldn.fhirpath.temporal_arithmetic import shift
from fhir_ldn.fhirpath.values import Quantity, Temporal, is_number, parse_datetime

Item = Any


class FhirPathEvaluationError(ValueError):
    """An expression failed at run time (wrong types, a collection where a single item is required...)."""


_QUANTITY_NODE_TYPES = frozenset(
    {"Quantity", "Age", "Distance", "Duration", "Count", "MoneyQuantity", "SimpleQuantity"}
)


def _coerce(va: Any, vb: Any) -> tuple[Any, Any]:
    """A string compared with a date/time is read as a date/time (data without definitions has no types)."""
    if isinstance(va, str) and isinstance(vb, Temporal):
        return parse_datetime(va) or va, vb
    if isinstance(vb, str) and isinstance(va, Temporal):
        return va, parse_datetime(vb) or vb
    return va, vb


def value_of(item: Item) -> Any:
    """The system value of an item: primitives converted, Quantity nodes as Quantity, other nodes unchanged."""
    if isinstance(item, FNode):
        if isinstance(item.v, dict):
            if item.t in _QUANTITY_NODE_TYPES:
                return quantity_of(item) or item
            return item
        return primitive_value(item)
    return item


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        ka = {k for k in a if k != "fhir_comments"}
        kb = {k for k in b if k != "fhir_comments"}
        return ka == kb and all(_json_equal(a[k], b[k]) for k in ka)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    if is_number(a) and is_number(b):
        return Decimal(str(a)) == Decimal(str(b))
    return (type(a) is type(b) and a == b) or (isinstance(a, str) and isinstance(b, str) and a == b)


def item_equal(a: Item, b: Item) -> bool | None:
    """FHIRPath `=` on two single items: True, False or None (not comparable, e.g. different precision)."""
    va, vb = _coerce(value_of(a), value_of(b))
    if isinstance(va, FNode) or isinstance(vb, FNode):
        if isinstance(va, FNode) and isinstance(vb, FNode):
            return _json_equal(va.v, vb.v)
        return False
    if va is None or vb is None:
        return None
    if isinstance(va, bool) or isinstance(vb, bool):
        return isinstance(va, bool) and isinstance(vb, bool) and va == vb
    if is_number(va) and is_number(vb):
        return Decimal(va) == Decimal(vb)
    if isinstance(va, Temporal) and isinstance(vb, Temporal):
        c = va.compare(vb)
        return None if c is None else c == 0
    if isinstance(va, Quantity) and isinstance(vb, Quantity):
        c = va.compare(vb)
        return None if c is None else c == 0
    if isinstance(va, str) and isinstance(vb, str):
        return va == vb
    return False


def _normalize_ws(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip()).lower()


def item_equivalent(a: Item, b: Item) -> bool:
    va: Any = value_of(a)
    vb: Any = value_of(b)
    if isinstance(va, str) and isinstance(vb, str):
        return _normalize_ws(va) == _normalize_ws(vb)
    if isinstance(va, Quantity) and isinstance(vb, Quantity) and va.comparable(vb):
        va, vb = va.value, vb.value_in(va.unit)  # then as decimals (below)
    if is_number(va) and is_number(vb) and not isinstance(va, bool) and not isinstance(vb, bool):
        da, db = Decimal(va), Decimal(vb)
        ea, eb = da.as_tuple().exponent, db.as_tuple().exponent
        if isinstance(ea, int) and isinstance(eb, int):
            places = Decimal(1).scaleb(max(ea, eb))
            try:
                return da.quantize(places) == db.quantize(places)
            except InvalidOperation:
                return da == db
        return da == db
    if isinstance(va, Temporal) and isinstance(vb, Temporal):
        return va.compare(vb) == 0  # None when the precisions differ (seconds and milliseconds are one level)
    result = item_equal(a, b)
    return bool(result)


def equal(left: list[Item], right: list[Item]) -> bool | None:
    if not left or not right:
        return None
    if len(left) != len(right):
        return False
    result: bool | None = True
    for a, b in zip(left, right, strict=True):
        r = item_equal(a, b)
        if r is False:
            return False
        if r is None:
            result = None
    return result


def equivalent(left: list[Item], right: list[Item]) -> bool:
    if not left and not right:
        return True
    if len(left) != len(right):
        return False
    remaining = list(right)
    for a in left:
        for i, b in enumerate(remaining):
            if item_equivalent(a, b):
                del remaining[i]
                break
        else:
            return False
    return True


def compare(left: list[Item], right: list[Item]) -> int | None:
    """-1/0/1 for `<`-style operators; None when either side is empty or the values are not comparable."""
    if not left or not right:
        return None
    if len(left) > 1 or len(right) > 1:
        raise FhirPathEvaluationError("comparison operators need single items")
    va, vb = _coerce(value_of(left[0]), value_of(right[0]))
    if va is None or vb is None:
        return None
    if is_number(va) and is_number(vb):
        da, db = Decimal(va), Decimal(vb)
        return (da > db) - (da < db)
    if isinstance(va, str) and isinstance(vb, str):
        return (va > vb) - (va < vb)
    if isinstance(va, Temporal) and isinstance(vb, Temporal):
        return va.compare(vb)
    if isinstance(va, Quantity) and isinstance(vb, Quantity):
        return va.compare(vb)
    if isinstance(va, Quantity) and is_number(vb):
        number = Decimal(vb)
        return int(va.value > number) - int(va.value < number)
    raise FhirPathEvaluationError(f"cannot compare {type(va).__name__} with {type(vb).__name__}")


def to_boolean(items: list[Item]) -> bool | None:
    """Singleton evaluation for boolean operators: empty -> None, one boolean -> it, any other single item -> True."""
    if not items:
        return None
    if len(items) > 1:
        raise FhirPathEvaluationError("a single boolean was expected, found a collection")
    v = value_of(items[0])
    if isinstance(v, bool):
        return v
    return True


def logic_and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def logic_or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def logic_xor(a: bool | None, b: bool | None) -> bool | None:
    if a is None or b is None:
        return None
    return a != b


def logic_implies(a: bool | None, b: bool | None) -> bool | None:
    if a is False:
        return True
    if a is True:
        return b
    return True if b is True else None


def arithmetic(op: str, left: list[Item], right: list[Item]) -> list[Item]:
    if op == "&":
        if len(left) > 1 or len(right) > 1:
            raise FhirPathEvaluationError("operator & needs single items")
        ls = "" if not left else str(value_of(left[0]))
        rs = "" if not right else str(value_of(right[0]))
        return [ls + rs]
    if not left or not right:
        return []
    if len(left) > 1 or len(right) > 1:
        raise FhirPathEvaluationError(f"operator {op} needs single items")
    a, b = value_of(left[0]), value_of(right[0])
    if a is None or b is None:
        return []
    if op == "+" and isinstance(a, str) and isinstance(b, str):
        return [a + b]
    if is_number(a) and is_number(b):
        if op == "+":
            return [a + b]
        if op == "-":
            return [a - b]
        if op == "*":
            return [a * b]
        if op == "/":
            return [] if b == 0 else [Decimal(a) / Decimal(b)]
        if op == "div":
            return [] if b == 0 else [int(Decimal(a) // Decimal(b))]
        if op == "mod":
            return [] if b == 0 else [a % b]
    if isinstance(a, Temporal) and isinstance(b, Quantity) and op in "+-":
        try:
            return [shift(a, b, 1 if op == "+" else -1)]
        except ValueError as exc:
            raise FhirPathEvaluationError(str(exc)) from None
    if isinstance(a, Quantity) and isinstance(b, Quantity) and a.comparable(b) and op in "+-":
        other = b.value_in(a.unit)
        return [Quantity(a.value + other if op == "+" else a.value - other, a.unit)]
    raise FhirPathEvaluationError(f"operator {op} is not defined for {type(a).__name__} and {type(b).__name__}")
