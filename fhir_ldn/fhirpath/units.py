"""Quantity units for FHIRPath comparison: UCUM metric prefixes on g, m, L, s, the UCUM time units, a few
customary units, and the calendar duration keywords (FHIRPath 2.0 §2.1.20: week and shorter equal their UCUM
unit; year and month are calendar durations, not comparable with UCUM `a` and `mo`)."""

from __future__ import annotations

from decimal import Decimal

_PREFIXES = {
    "": Decimal(1),
    "k": Decimal("1e3"),
    "h": Decimal("1e2"),
    "da": Decimal("1e1"),
    "d": Decimal("1e-1"),
    "c": Decimal("1e-2"),
    "m": Decimal("1e-3"),
    "u": Decimal("1e-6"),
    "n": Decimal("1e-9"),
    "p": Decimal("1e-12"),
}
_METRIC = {"g": "g", "m": "m", "L": "L", "l": "L", "s": "s"}
_OTHER = {
    "min": (Decimal(60), "s"),
    "h": (Decimal(3600), "s"),
    "d": (Decimal(86400), "s"),
    "wk": (Decimal(604800), "s"),
    "[in_i]": (Decimal("0.0254"), "m"),
    "[ft_i]": (Decimal("0.3048"), "m"),
    "[lb_av]": (Decimal("453.59237"), "g"),
}
CALENDAR_WORDS = {
    "year": "year",
    "years": "year",
    "month": "month",
    "months": "month",
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


def canonical(unit: str | None) -> tuple[Decimal, str]:
    """(factor, base unit) such that value × factor is the value in the base unit; unknown units are their own
    base (so only the same unit compares), `year`/`month` stay calendar units."""
    code = unit or "1"
    code = CALENDAR_WORDS.get(code, code)
    if code in ("year", "month"):
        return Decimal(1), code
    if code in _OTHER:
        return _OTHER[code]
    for prefix, factor in _PREFIXES.items():
        base = code[len(prefix) :] if code.startswith(prefix) else None
        if base in _METRIC and (prefix or base == code):
            return factor, _METRIC[base]
    return Decimal(1), code
