"""FHIRPath functions beyond the invariants' subset: date, time and quantity conversions, log/power, precision,
encode/decode and escape/unescape (FHIRPath 2.0 §5.5, §5.6, §5.7 and the STU additions)."""

from __future__ import annotations

import base64
import binascii
import html
import json
import math
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import cmp_to_key
from typing import TYPE_CHECKING, Any

from fhir_ldn.fhirpath.function_args import arg_string, iterate, single
from fhir_ldn.fhirpath.nodes import FNode
from fhir_ldn.fhirpath.operators import FhirPathEvaluationError, compare, value_of
from fhir_ldn.fhirpath.values import Quantity, Temporal, is_number, parse_date, parse_datetime, parse_time

if TYPE_CHECKING:
    from fhir_ldn.fhirpath.compiler import Compiled, Context

Item = Any
Impl = Callable[..., list[Item]]

_CALENDAR_WORDS = frozenset(
    {"year", "years", "month", "months", "week", "weeks", "day", "days", "hour", "hours", "minute", "minutes"}
    | {"second", "seconds", "millisecond", "milliseconds"}
)
_QUANTITY_TEXT = re.compile(r"(?P<value>[+\-]?\d+(?:\.\d+)?)\s*(?:'(?P<unit>[^']+)'|(?P<word>[a-zA-Z]+))?")


def _value(items: list[Item], fn: str) -> Any:
    item = single(items, fn)
    return value_of(item) if item is not None else None


def _to_date(ctx: Context, items: list[Item]) -> list[Item]:
    v = _value(items, "toDate")
    if isinstance(v, Temporal) and v.kind in ("date", "datetime"):
        return [Temporal("date", v.parts[:3])]
    found = parse_date(v) if isinstance(v, str) else None
    return [found] if found is not None else []


def _to_datetime(ctx: Context, items: list[Item]) -> list[Item]:
    v = _value(items, "toDateTime")
    if isinstance(v, Temporal) and v.kind in ("date", "datetime"):
        return [Temporal("datetime", v.parts, v.tz)]
    found = parse_datetime(v) if isinstance(v, str) else None
    return [Temporal("datetime", found.parts, found.tz)] if found is not None else []


def _to_time(ctx: Context, items: list[Item]) -> list[Item]:
    v = _value(items, "toTime")
    if isinstance(v, Temporal) and v.kind == "time":
        return [v]
    found = parse_time(v) if isinstance(v, str) else None
    return [found] if found is not None else []


def _to_quantity(ctx: Context, items: list[Item], unit: list[Item] | None = None) -> list[Item]:
    v = _value(items, "toQuantity")
    quantity: Quantity | None = None
    if isinstance(v, Quantity):
        quantity = v
    elif isinstance(v, bool):
        quantity = Quantity(Decimal("1.0") if v else Decimal("0.0"), "1")
    elif is_number(v):
        quantity = Quantity(Decimal(v), "1")
    elif isinstance(v, str):
        m = _QUANTITY_TEXT.fullmatch(v.strip())
        if m is not None and (m.group("word") is None or m.group("word") in _CALENDAR_WORDS):
            quantity = Quantity(Decimal(m.group("value")), m.group("unit") or m.group("word") or "1")
    if quantity is None:
        return []
    if unit is not None:
        wanted = arg_string(unit, "toQuantity")
        if wanted is not None and not quantity.comparable(Quantity(Decimal(0), wanted)):
            return []  # no unit conversion: only a quantity already in the unit asked for converts
    return [quantity]


def _converts(fn: Impl) -> Impl:
    def converts(ctx: Context, items: list[Item], *args: list[Item]) -> list[Item]:
        return [bool(fn(ctx, items, *args))] if items else []

    return converts


def _number(items: list[Item], fn: str) -> Decimal | None:
    v = _value(items, fn)
    if v is None:
        return None
    if not is_number(v):
        raise FhirPathEvaluationError(f"{fn}() needs a number")
    return Decimal(v)


def _log(ctx: Context, items: list[Item], base: list[Item]) -> list[Item]:
    value, b = _number(items, "log"), _number(base, "log")
    if value is None or b is None or value <= 0 or b <= 0 or b == 1:
        return []
    return [Decimal(str(math.log(value) / math.log(b)))]


def _power(ctx: Context, items: list[Item], exponent: list[Item]) -> list[Item]:
    v, e = _value(items, "power"), _value(exponent, "power")
    if v is None or e is None:
        return []
    if not (is_number(v) and is_number(e)):
        raise FhirPathEvaluationError("power() needs numbers")
    if isinstance(v, int) and isinstance(e, int) and e >= 0:
        return [v**e]
    try:
        result = Decimal(v) ** Decimal(e)
    except InvalidOperation:
        return []  # e.g. a root of a negative number
    return [] if result.is_nan() else [result]


def _precision(ctx: Context, items: list[Item]) -> list[Item]:
    v = _value(items, "precision")
    if v is None:
        return []
    if isinstance(v, Decimal):
        exponent = v.as_tuple().exponent
        return [-exponent if isinstance(exponent, int) and exponent < 0 else 0]
    if isinstance(v, Temporal):
        digits = {"date": (4, 6, 8), "datetime": (4, 6, 8, 10, 12, 14, 17), "time": (2, 4, 6, 9)}[v.kind]
        return [digits[len(v.parts) - 1]]
    if is_number(v):
        return [0]
    raise FhirPathEvaluationError("precision() needs a decimal, date, date/time or time")


def _text(items: list[Item], fn: str) -> str | None:
    v = _value(items, fn)
    if v is None:
        return None
    if not isinstance(v, str) or isinstance(v, FNode):
        raise FhirPathEvaluationError(f"{fn}() needs a string")
    return v


def _encode(ctx: Context, items: list[Item], format_: list[Item]) -> list[Item]:
    s, how = _text(items, "encode"), arg_string(format_, "encode")
    if s is None or how is None:
        return []
    data = s.encode("utf-8")
    if how == "hex":
        return [data.hex()]
    if how == "base64":
        return [base64.b64encode(data).decode("ascii")]
    if how == "urlbase64":
        return [base64.urlsafe_b64encode(data).decode("ascii")]
    raise FhirPathEvaluationError(f"encode(): unknown format '{how}' (hex, base64, urlbase64)")


def _decode(ctx: Context, items: list[Item], format_: list[Item]) -> list[Item]:
    s, how = _text(items, "decode"), arg_string(format_, "decode")
    if s is None or how is None:
        return []
    try:
        if how == "hex":
            data = bytes.fromhex(s)
        elif how == "base64":
            data = base64.b64decode(s, validate=True)
        elif how == "urlbase64":
            data = base64.urlsafe_b64decode(s)
        else:
            raise FhirPathEvaluationError(f"decode(): unknown format '{how}' (hex, base64, urlbase64)")
        return [data.decode("utf-8")]
    except (ValueError, binascii.Error):
        return []


def _escape(ctx: Context, items: list[Item], target: list[Item]) -> list[Item]:
    s, how = _text(items, "escape"), arg_string(target, "escape")
    if s is None or how is None:
        return []
    if how == "html":
        return [html.escape(s, quote=True).replace("&#x27;", "&#39;")]
    if how == "json":
        return [json.dumps(s, ensure_ascii=False)[1:-1]]
    raise FhirPathEvaluationError(f"escape(): unknown target '{how}' (html, json)")


_JSON_ESCAPE = re.compile(r'\\(u[0-9a-fA-F]{4}|["\\/bfnrt])')
_JSON_CHARS = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _unescape_json(m: re.Match[str]) -> str:
    code = m.group(1)
    return chr(int(code[1:], 16)) if code.startswith("u") else _JSON_CHARS[code]


def _unescape(ctx: Context, items: list[Item], target: list[Item]) -> list[Item]:
    s, how = _text(items, "unescape"), arg_string(target, "unescape")
    if s is None or how is None:
        return []
    if how == "html":
        return [html.unescape(s)]
    if how == "json":
        return [_JSON_ESCAPE.sub(_unescape_json, s)]
    raise FhirPathEvaluationError(f"unescape(): unknown target '{how}' (html, json)")


def sort_items(ctx: Context, items: list[Item], keys: list[tuple[Compiled, bool]]) -> list[Item]:
    """sort(): by each key in turn (a key written `-expr` descending), an empty key first either way; no key: by
    the items themselves."""
    if not keys:
        return sorted(items, key=cmp_to_key(lambda a, b: _order([a], [b])))
    rows = [(item, [iterate(ctx, [item], fn)[0][1] for fn, _ in keys]) for item in items]

    def by_keys(a: tuple[Item, list[list[Item]]], b: tuple[Item, list[list[Item]]]) -> int:
        for (_, descending), ka, kb in zip(keys, a[1], b[1], strict=True):
            c = _keyed_order(ka, kb, descending)
            if c:
                return c
        return 0

    return [item for item, _ in sorted(rows, key=cmp_to_key(by_keys))]


def _keyed_order(a: list[Item], b: list[Item], descending: bool) -> int:
    if not a or not b:  # an empty key sorts first, either way
        return (not b) - (not a)
    return -_order(a, b) if descending else _order(a, b)


def _order(a: list[Item], b: list[Item]) -> int:
    if not a or not b:
        return (not b) - (not a)  # empty first
    return compare(a[:1], b[:1]) or 0


def type_info(ctx: Context, items: list[Item]) -> list[Item]:
    """type(): each item's type as {namespace, name} (FHIR for elements, System for system values)."""
    out: list[Item] = []
    for item in items:
        if isinstance(item, FNode):
            namespace, name = "FHIR", item.t
        else:
            namespace, name = "System", _SYSTEM_TYPE_NAMES.get(type(item).__name__, "Any")
            if isinstance(item, Temporal):
                name = {"date": "Date", "datetime": "DateTime", "time": "Time"}[item.kind]
        out.append(FNode({"namespace": namespace, "name": name}, None, "SimpleTypeInfo"))
    return out


_SYSTEM_TYPE_NAMES = {
    "bool": "Boolean",
    "int": "Integer",
    "Decimal": "Decimal",
    "str": "String",
    "Quantity": "Quantity",
}


# name -> (kind, arities, implementation), registered by fhir_ldn.fhirpath.functions
EXTENDED_FUNCTIONS: dict[str, tuple[str, tuple[int, ...], Impl]] = {
    "toDate": ("plain", (0,), _to_date),
    "toDateTime": ("plain", (0,), _to_datetime),
    "toTime": ("plain", (0,), _to_time),
    "toQuantity": ("plain", (0, 1), _to_quantity),
    "convertsToDate": ("plain", (0,), _converts(_to_date)),
    "convertsToDateTime": ("plain", (0,), _converts(_to_datetime)),
    "convertsToTime": ("plain", (0,), _converts(_to_time)),
    "convertsToQuantity": ("plain", (0, 1), _converts(_to_quantity)),
    "log": ("plain", (1,), _log),
    "power": ("plain", (1,), _power),
    "precision": ("plain", (0,), _precision),
    "encode": ("plain", (1,), _encode),
    "decode": ("plain", (1,), _decode),
    "escape": ("plain", (1,), _escape),
    "unescape": ("plain", (1,), _unescape),
    "type": ("plain", (0,), type_info),
}
