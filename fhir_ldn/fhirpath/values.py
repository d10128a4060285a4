"""FHIRPath system values that Python lacks: date/time with precision and timezone, and quantities."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from fhir_ldn.fhirpath.units import CALENDAR_WORDS, canonical

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_DATETIME = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(?:(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?)?"
    r"(Z|[+\-]\d{2}:\d{2})?)?)?)?$"
)
_TIME = re.compile(r"^(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?$")

# components: year, month, day, hour, minute, second, millisecond
_MINS = (1, 1, 1, 0, 0, 0, 0)
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _tz_minutes(tz: str | None) -> int | None:
    if tz is None:
        return None
    if tz == "Z":
        return 0
    sign = -1 if tz[0] == "-" else 1
    return sign * (int(tz[1:3]) * 60 + int(tz[4:6]))


def _millis(frac: str | None) -> int | None:
    if frac is None:
        return None
    return int((frac + "000")[:3])


@dataclass(frozen=True)
class Temporal:
    """A FHIRPath Date, DateTime or Time: the components present (precision) and an optional timezone offset."""

    kind: str  # "date" | "datetime" | "time"
    parts: tuple[int, ...]  # date/datetime: year..millisecond (as many as given); time: hour..millisecond
    tz: int | None = None  # minutes east of UTC

    @property
    def precision(self) -> int:
        return len(self.parts)

    def _full(self) -> tuple[int, ...]:
        """Components as year..millisecond (time values get a fixed date)."""
        return (1970, 1, 1, *self.parts) if self.kind == "time" else self.parts

    def normalized(self) -> tuple[int, ...]:
        """Components shifted to UTC when there is a timezone and a time part (same precision)."""
        full = self._full()
        if self.tz is None or len(full) < 4 or self.tz == 0:
            return self.parts
        padded = list(full) + [m for m in _MINS[len(full) :]]
        year, month, day, hour, minute, second, millis = padded[:7]
        moment = datetime(year, month, day, hour, minute, second, millis * 1000) - timedelta(minutes=self.tz)
        shifted = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
        shifted_full = (*shifted, moment.microsecond // 1000)[: len(full)]
        return shifted_full[3:] if self.kind == "time" else shifted_full

    def compare(self, other: Temporal) -> int | None:
        """-1/0/1, or None when the precisions differ and the common components are equal (FHIRPath rules)."""
        a, b = self.normalized(), other.normalized()
        if self.tz is None or other.tz is None:
            a, b = self.parts, other.parts
        # seconds and milliseconds count as one precision level
        pa, pb = _levels(a, self.kind), _levels(b, other.kind)
        for x, y in zip(a, b, strict=False):
            if x != y:
                return -1 if x < y else 1
        if pa != pb:
            return None
        if len(a) != len(b):  # 10:00:00 vs 10:00:00.000
            return 0 if sum(a[len(b) :]) == 0 and sum(b[len(a) :]) == 0 else (-1 if len(a) < len(b) else 1)
        return 0

    def boundary(self, high: bool) -> Temporal:
        """lowBoundary()/highBoundary(): the earliest/latest moment the value may denote (millisecond precision)."""
        full = list(self._full())
        if self.kind == "time":
            full = full[3:]
            fill = [23, 59, 59, 999] if high else [0, 0, 0, 0]
            parts = tuple(full + fill[len(full) :])
            return Temporal("time", parts, self.tz)
        if high:
            fill = [9999, 12, 0, 23, 59, 59, 999]
            if len(full) < 3:
                month = full[1] if len(full) > 1 else 12
                fill[2] = _days_in(full[0], month)
        else:
            fill = list(_MINS)
        parts = tuple(full + fill[len(full) :])
        if self.kind == "date" and len(self.parts) <= 3:
            return Temporal("date", parts[:3], None)
        tz = self.tz
        if tz is None:  # unknown zone: the widest possible interval
            tz = -12 * 60 if high else 14 * 60
        return Temporal("datetime", parts, tz)

    def __str__(self) -> str:
        p = self.parts
        if self.kind == "time":
            return _fmt_time(p)
        out = f"{p[0]:04d}"
        if len(p) > 1:
            out += f"-{p[1]:02d}"
        if len(p) > 2:
            out += f"-{p[2]:02d}"
        if len(p) > 3:
            out += "T" + _fmt_time(p[3:])
            if self.tz is not None:
                out += (
                    "Z"
                    if self.tz == 0
                    else f"{'+' if self.tz > 0 else '-'}{abs(self.tz) // 60:02d}:{abs(self.tz) % 60:02d}"
                )
        return out


def _levels(parts: tuple[int, ...], kind: str) -> int:
    """Precision levels: seconds and milliseconds count as one (10:00:00 = 10:00:00.000)."""
    return min(len(parts), 3 if kind == "time" else 6)


def _days_in(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return _DAYS_IN_MONTH[month - 1]


def _fmt_time(p: tuple[int, ...]) -> str:
    out = f"{p[0]:02d}"
    if len(p) > 1:
        out += f":{p[1]:02d}"
    if len(p) > 2:
        out += f":{p[2]:02d}"
    if len(p) > 3:
        out += f".{p[3]:03d}"
    return out


def _ints(groups: tuple[str | None, ...]) -> tuple[int, ...]:
    out = []
    for g in groups:
        if g is None:
            break
        out.append(int(g))
    return tuple(out)


def parse_date(text: str) -> Temporal | None:
    m = _DATE.match(text)
    return Temporal("date", _ints(m.groups())) if m else None


def parse_datetime(text: str) -> Temporal | None:
    """A FHIR date, dateTime or instant string as a Temporal (None if it does not parse)."""
    m = _DATETIME.match(text)
    if not m:
        return None
    parts = list(_ints(m.groups()[:6]))
    ms = _millis(m.group(7))
    if ms is not None and len(parts) == 6:
        parts.append(ms)
    return Temporal("datetime", tuple(parts), _tz_minutes(m.group(8)))


def parse_time(text: str) -> Temporal | None:
    m = _TIME.match(text)
    if not m:
        return None
    parts = list(_ints(m.groups()[:3]))
    ms = _millis(m.group(4))
    if ms is not None and len(parts) == 3:
        parts.append(ms)
    return Temporal("time", tuple(parts))


def parse_temporal_literal(text: str) -> Temporal:
    """The body of an @-literal: '2014-01-25', '2014-01-25T14:30:14.559+01:00', 'T14:30'."""
    if text.startswith("T"):
        value = parse_time(text[1:])
    elif "T" in text:
        value = parse_datetime(text.rstrip("T") if text.endswith("T") else text)
        if value is not None and text.endswith("T"):
            value = Temporal("datetime", value.parts, value.tz)
    else:
        value = parse_date(text)
    if value is None:
        raise ValueError(f"not a date/time literal: {text}")
    return value


_CALENDAR = {
    "year": "a",
    "years": "a",
    "month": "mo",
    "months": "mo",
    "week": "wk",
    "weeks": "wk",
    "day": "d",
    "days": "d",
    "hour": "h",
    "hours": "h",
    "minute": "min",
    "minutes": "min",
    "second": "s",
    "seconds": "s",
    "millisecond": "ms",
    "milliseconds": "ms",
}


@dataclass(frozen=True)
class Quantity:
    """A FHIRPath Quantity: a decimal value with a UCUM unit (calendar words are kept as written)."""

    value: Decimal
    unit: str | None

    @property
    def ucum(self) -> str:
        unit = self.unit or "1"
        return _CALENDAR.get(unit, unit)

    def comparable(self, other: Quantity) -> bool:
        return canonical(self.unit)[1] == canonical(other.unit)[1]

    def compare(self, other: Quantity) -> int | None:
        """-1/0/1, the units converted (`4 'g' = 4000 'mg'`, `7 days = 1 week`); None if they cannot be."""
        (fa, ua), (fb, ub) = canonical(self.unit), canonical(other.unit)
        if ua != ub:
            return None
        a, b = self.value * fa, other.value * fb
        return (a > b) - (a < b)

    def value_in(self, unit: str | None) -> Decimal:
        """The value in a comparable unit (unchanged when the units have the same factor)."""
        mine, theirs = canonical(self.unit)[0], canonical(unit)[0]
        return self.value if mine == theirs else self.value * mine / theirs

    def __str__(self) -> str:
        """FHIRPath's string form: `4.5 'mg'`, a calendar duration unquoted (`1 week`)."""
        if not self.unit:
            return str(self.value)
        return f"{self.value} {self.unit}" if self.unit in CALENDAR_WORDS else f"{self.value} '{self.unit}'"


MAX_DECIMAL_PRECISION = 28


def decimal_boundary(value: Decimal, high: bool, precision: int | None = None) -> Decimal | None:
    """lowBoundary()/highBoundary() of a decimal: half a unit of its last digit below/above, with `precision`
    digits (8 by default; fewer than the boundary has: rounded down/up; None outside 0..28)."""
    target = precision if precision is not None else 8
    if not 0 <= target <= MAX_DECIMAL_PRECISION:
        return None
    exponent = value.as_tuple().exponent
    digits = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    half = Decimal(5).scaleb(-(digits + 1))
    bound = value + half if high else value - half
    return bound.quantize(Decimal(1).scaleb(-target), rounding=ROUND_CEILING if high else ROUND_FLOOR)


def is_number(value: Any) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)
