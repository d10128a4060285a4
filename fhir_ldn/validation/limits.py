"""minValue[x] / maxValue[x] of an element: numbers, dates and times, Quantities, and Durations from now.

A profile's limits apply to the values of its type: integer and decimal values (minValueInteger, maxValueDecimal...),
date, dateTime, instant and time values (minValueDate...; compared where their precision decides), Quantities
with the limit's system and code, and, for dates and times, a Duration before or after the time of validation
(minValueDuration 100 a: not more than 100 years ago). Each value outside its limits is an error, as in the HL7
validator; limits that cannot be compared with the value (other units, another precision) are not checked.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from fhir_ldn.fhirpath.values import Temporal, parse_date, parse_datetime, parse_time
from fhir_ldn.validation.issues import Pointer
from fhir_ldn.validation.jsonsource import lexical
from fhir_ldn.validation.model import Elem

if TYPE_CHECKING:
    from fhir_ldn.validation.structure import Walker

_NUMBERS = frozenset({"integer", "positiveInt", "unsignedInt", "integer64", "decimal"})
_TIMES = frozenset({"date", "dateTime", "instant", "time"})
_UNITS = {"a": "years", "mo": "months", "wk": "weeks", "d": "days", "h": "hours", "min": "minutes", "s": "seconds"}


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(lexical(value)) if not isinstance(value, bool) else None
    except (InvalidOperation, ValueError):
        return None


def _temporal(type_code: str, text: str) -> Temporal | None:
    if type_code == "time":
        return parse_time(text)
    if type_code == "date":
        return parse_date(text) or parse_datetime(text)
    return parse_datetime(text) or parse_date(text)


def _shifted(now: datetime, amount: Decimal, unit: str, sign: int) -> datetime | None:
    kind = _UNITS.get(unit)
    if kind is None:
        return None
    n = int(amount) * sign
    if kind in ("years", "months"):
        months = now.month - 1 + (n * 12 if kind == "years" else n)
        year, month = now.year + months // 12, months % 12 + 1
        if not 1 <= year <= 9999:
            return None
        return now.replace(year=year, month=month, day=min(now.day, calendar.monthrange(year, month)[1]))
    try:
        return now + timedelta(**{kind: n})
    except OverflowError:
        return None


def _duration_limit(walker: Walker, text: str, limit: Any, high: bool, path: str, pointer: Pointer) -> None:
    if not isinstance(limit, dict):
        return
    amount, unit = _decimal(limit.get("value")), limit.get("code") or limit.get("unit")
    value = parse_datetime(text) or parse_date(text)
    if amount is None or not isinstance(unit, str) or value is None:
        return
    now = datetime.now(UTC)
    bound = _shifted(now, amount, unit, 1 if high else -1)
    found = parse_datetime(bound.strftime("%Y-%m-%dT%H:%M:%SZ")) if bound is not None else None
    order = value.compare(found) if found is not None else None
    if order is None or (order <= 0 if high else order >= 0):
        return
    shown = f"{lexical(limit.get('value'))}{unit}"
    rule = f"maxValue is {shown} after now" if high else f"minValue is {shown} before now"
    text_now = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    walker.add(
        "error",
        "invalid",
        path,
        pointer,
        f"The date/time value '{text}' is not legal: {rule} (which is {text_now})",
        "TYPE_SPECIFIC_CHECKS_DT_DATETIME_MAXVALUE_DURATION" if high else "TYPE_SPECIFIC_CHECKS_DT_DATETIME_MINVALUE",
    )


def check_primitive(walker: Walker, value: Any, type_code: str, elem: Elem, path: str, pointer: Pointer) -> None:
    """A number, date or time against the element's minValue[x] and maxValue[x]."""
    for limit, high in ((elem.min_value, False), (elem.max_value, True)):
        if limit is None:
            continue
        kind, bound = limit
        if type_code in _TIMES and kind == "Duration":
            _duration_limit(walker, lexical(value), bound, high, path, pointer)
            continue
        word = "greater than permitted maximum" if high else "less than permitted minimum"
        if type_code in _NUMBERS and kind in ("Integer", "Decimal", "Integer64", "PositiveInt", "UnsignedInt"):
            number, edge = _decimal(value), _decimal(bound)
            if number is None or edge is None or (number <= edge if high else number >= edge):
                continue
            label = "decimal value" if type_code == "decimal" else "value"
            text = f"{label} is {word} value of {lexical(bound)}"
            walker.add("error", "invalid", path, pointer, text, "Type_Specific_Checks_DT_Decimal_GT")
        elif type_code in _TIMES and kind in ("Date", "DateTime", "Instant", "Time") and isinstance(bound, str):
            found, edge_time = _temporal(type_code, lexical(value)), _temporal(type_code, bound)
            order = found.compare(edge_time) if found is not None and edge_time is not None else None
            if order is None or (order <= 0 if high else order >= 0):
                continue
            text = f"date/time value is {word} value of {bound}"
            walker.add("error", "invalid", path, pointer, text, "Type_Specific_Checks_DT_DateTime_GT")


def check_quantity(walker: Walker, obj: dict[str, Any], elem: Elem, path: str, pointer: Pointer) -> None:
    """A Quantity against minValueQuantity / maxValueQuantity with the same system and code."""
    for limit, high in ((elem.min_value, False), (elem.max_value, True)):
        if limit is None or limit[0] != "Quantity" or not isinstance(limit[1], dict):
            continue
        bound = limit[1]
        if (bound.get("system"), bound.get("code")) != (obj.get("system"), obj.get("code")):
            continue  # another unit: not compared
        number, edge = _decimal(obj.get("value")), _decimal(bound.get("value"))
        if number is None or edge is None or (number <= edge if high else number >= edge):
            continue
        word = "greater than the specified maximum" if high else "less than the specified minimum"
        shown = f"{lexical(obj.get('value'))} {obj.get('code')}"
        limit_shown = f"{lexical(bound.get('value'))} {bound.get('code')}"
        text = f"The value in the instance ({shown}) is {word} value ({limit_shown})"
        walker.add("error", "invalid", path, pointer, text, "QUANTITY_MAX_VALUE" if high else "QUANTITY_MIN_VALUE")
