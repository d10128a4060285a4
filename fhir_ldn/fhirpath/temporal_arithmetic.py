"""Date, date/time and time plus or minus a time-valued quantity (FHIRPath 2.0 §6.6.1, Date/Time Arithmetic)."""

from __future__ import annotations

from calendar import monthrange
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from fhir_ldn.fhirpath.units import CALENDAR_WORDS
from fhir_ldn.fhirpath.values import Quantity, Temporal

# unit -> milliseconds, for the definite durations (a week and shorter)
_MILLIS = {"wk": 604_800_000, "d": 86_400_000, "h": 3_600_000, "min": 60_000, "s": 1000, "ms": 1}
_MILLIS_AT = (0, 0, 86_400_000, 3_600_000, 60_000, 1000, 1)  # one unit of each date/time precision level
_DAY_MS = 86_400_000


def _unit(quantity: Quantity) -> str:
    unit = quantity.unit or "1"
    code = CALENDAR_WORDS.get(unit, unit)
    if code not in ("year", "month") and code not in _MILLIS:
        raise ValueError(f"'{unit}' is not a time unit a date or time can be shifted by (UCUM 'a' and 'mo' are not)")
    return code


def _whole(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_DOWN))


def shift(value: Temporal, quantity: Quantity, sign: int) -> Temporal:
    """`value + quantity` (sign 1) or `value - quantity` (sign -1), at the value's own precision: years and months
    move the calendar (the day clamped to the month's length), a week or less moves the clock; the quantity's
    decimal part counts only for seconds (as milliseconds), and a shift smaller than the value's precision is
    dropped. ValueError for a unit that is not a time unit."""
    unit = _unit(quantity)
    if value.kind == "time":
        return _shift_time(value, unit, quantity.value, sign)
    parts = list(value.parts)
    if unit in ("year", "month"):
        months = _whole(quantity.value) * (12 if unit == "year" else 1) * sign
        if len(parts) == 1:
            parts[0] += months // 12 if months >= 0 else -((-months) // 12)
        else:
            total = parts[0] * 12 + parts[1] - 1 + months
            parts[0], parts[1] = divmod(total, 12)
            parts[1] += 1
            if len(parts) > 2:
                parts[2] = min(parts[2], monthrange(parts[0], parts[1])[1])
        return Temporal(value.kind, tuple(parts), value.tz)
    millis = _millis(quantity.value, unit) * sign
    level = len(parts) - 1
    if level < 2:  # year or month precision: whole days do not move it
        return value
    step = _MILLIS_AT[min(level, 6)]
    millis = int(millis / step) * step  # truncated to the value's precision
    year, month, day, hour, minute, second, ms = [*parts, 0, 0, 0, 0][:7]
    moment = datetime(year, month, day, hour, minute, second, ms * 1000) + timedelta(milliseconds=millis)
    out = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second, moment.microsecond // 1000)
    return Temporal(value.kind, out[: len(parts)], value.tz)


def _millis(amount: Decimal, unit: str) -> int:
    if unit == "s":
        return _whole(amount * 1000)
    return _whole(amount) * _MILLIS[unit]


def _shift_time(value: Temporal, unit: str, amount: Decimal, sign: int) -> Temporal:
    if unit in ("year", "month", "wk", "d"):
        raise ValueError(f"a time cannot be shifted by a '{unit}' quantity")
    parts = list(value.parts) + [0, 0, 0, 0][len(value.parts) :]
    now = ((parts[0] * 60 + parts[1]) * 60 + parts[2]) * 1000 + parts[3]
    step = (3_600_000, 60_000, 1000, 1)[len(value.parts) - 1]
    millis = int(_millis(amount, unit) / step) * step
    moment = (now + sign * millis) % _DAY_MS
    hours, rest = divmod(moment, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, ms = divmod(rest, 1000)
    return Temporal("time", (hours, minutes, seconds, ms)[: len(value.parts)], value.tz)
