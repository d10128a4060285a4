"""Total daily dose in mg of a medication order or statement, from its dosage and the product strength.

A dose is computed only from what the order states: a mass dose (mg, g, mcg...) times the number of
administrations per day, or a unit count (tablet, `{pill}`...) times a known strength per unit. Anything
else (no timing, a unit count without a known strength, a volume without a concentration, an unknown unit)
gives `None`: the dose is unknown, never guessed. Where an order allows a range (`doseRange`,
`frequencyMax`, several titration steps), the result is the highest daily dose the order allows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# UCUM mass units in milligrams.
MASS_MG: Mapping[str, float] = {
    "kg": 1_000_000.0,
    "g": 1000.0,
    "mg": 1.0,
    "ug": 0.001,
    "mcg": 0.001,
    "µg": 0.001,
    "ng": 0.000001,
}
# UCUM volume units in millilitres.
VOLUME_ML: Mapping[str, float] = {"l": 1000.0, "dl": 100.0, "ml": 1.0, "ul": 0.001}
# Unit words that mean "one administered unit" (a count), besides UCUM's `1` and `{annotation}` forms.
COUNT_WORDS = frozenset(
    {"tablet", "tablets", "tab", "tabs", "capsule", "capsules", "cap", "caps", "pill", "pills", "each", "ea"}
)
# UCUM time units in days.
PERIOD_DAYS: Mapping[str, float] = {
    "s": 1 / 86400,
    "min": 1 / 1440,
    "h": 1 / 24,
    "d": 1.0,
    "wk": 7.0,
    "mo": 30.0,
    "a": 365.0,
}
# HL7 v3 GTSAbbreviation timing codes (Timing.code) → administrations per day.
TIMING_CODES_PER_DAY: Mapping[str, float] = {
    "QD": 1.0,
    "AM": 1.0,
    "PM": 1.0,
    "QAM": 1.0,
    "QPM": 1.0,
    "BED": 1.0,
    "BID": 2.0,
    "TID": 3.0,
    "QID": 4.0,
    "QOD": 0.5,
    "Q1H": 24.0,
    "Q2H": 12.0,
    "Q3H": 8.0,
    "Q4H": 6.0,
    "Q6H": 4.0,
    "Q8H": 3.0,
    "WK": 1 / 7,
    "MO": 1 / 30,
}


def unit_kind(quantity: Mapping[str, Any]) -> tuple[str, float] | None:
    """('mass', mg per unit) | ('volume', mL per unit) | ('count', 1.0), or None for an unknown or absent unit."""
    unit = quantity.get("code") or quantity.get("unit")
    if not isinstance(unit, str) or not unit.strip():
        return None
    unit = unit.strip()
    if unit in MASS_MG:
        return "mass", MASS_MG[unit]
    lowered = unit.lower()
    if lowered in VOLUME_ML:
        return "volume", VOLUME_ML[lowered]
    if unit == "1" or (unit.startswith("{") and unit.endswith("}")) or lowered in COUNT_WORDS:
        return "count", 1.0
    return None


def _number(value: Any) -> float | None:
    kind = type(value)
    return float(value) if kind is float or kind is int else None  # bool is not a number here


def strength_from_quantity(quantity: Mapping[str, Any]) -> tuple[float, str, float] | None:
    """A strength given as a mass Quantity: (mg, 'count', 1.0), i.e. mg per administered unit."""
    value = _number(quantity.get("value"))
    kind = unit_kind(quantity)
    if value is None or kind is None or kind[0] != "mass":
        return None
    return value * kind[1], "count", 1.0


def strength_from_ratio(ratio: Mapping[str, Any]) -> tuple[float, str, float] | None:
    """A strength Ratio (mg per tablet, mg per mL...): (mg, denominator kind, denominator amount in base units)."""
    numerator, denominator = ratio.get("numerator"), ratio.get("denominator")
    if not isinstance(numerator, dict):
        return None
    num_value, num_kind = _number(numerator.get("value")), unit_kind(numerator)
    if num_value is None or num_kind is None or num_kind[0] != "mass":
        return None
    if not isinstance(denominator, dict):
        return num_value * num_kind[1], "count", 1.0
    den_value = _number(denominator.get("value"))
    if den_value is None or den_value <= 0:
        return None
    has_unit = bool(denominator.get("code") or denominator.get("unit"))
    den_kind = unit_kind(denominator) if has_unit else ("count", 1.0)  # "per 1": one administered unit
    if den_kind is None:
        return None
    return num_value * num_kind[1], den_kind[0], den_value * den_kind[1]


def dose_mg(quantity: Mapping[str, Any], strength: tuple[float, str, float] | None) -> float | None:
    """One dose in mg: a mass directly, or units × strength per unit when the strength's denominator matches."""
    value = _number(quantity.get("value"))
    kind = unit_kind(quantity)
    if value is None or value < 0 or kind is None:
        return None
    if kind[0] == "mass":
        return value * kind[1]
    if strength is None:
        return None
    mg, per_kind, per_amount = strength
    if per_kind != kind[0]:
        return None
    return value * kind[1] / per_amount * mg


def _max_dose_quantity(dosage: Mapping[str, Any]) -> list[Mapping[str, Any]] | None:
    """The dose quantities of one Dosage (R4/R5 doseAndRate, STU3 doseQuantity); a range gives its high end."""
    found: list[Mapping[str, Any]] = []
    entries = dosage.get("doseAndRate")
    if isinstance(entries, list):
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            if isinstance(entry.get("doseQuantity"), dict):
                found.append(entry["doseQuantity"])
            elif isinstance(entry.get("doseRange"), dict):
                high = entry["doseRange"].get("high")
                if not isinstance(high, dict):
                    return None
                found.append(high)
    elif isinstance(dosage.get("doseQuantity"), dict):
        found.append(dosage["doseQuantity"])
    elif isinstance(dosage.get("doseRange"), dict):
        high = dosage["doseRange"].get("high")
        if not isinstance(high, dict):
            return None
        found.append(high)
    return found or None


def administrations_per_day(timing: Any) -> float | None:
    """How many times a day the dose is given (the most the timing allows), or None if the timing does not say."""
    if type(timing) is not dict:
        return None
    repeat = timing.get("repeat")
    if type(repeat) is dict:
        frequency = _number(repeat.get("frequencyMax")) or _number(repeat.get("frequency"))
        period, unit = _number(repeat.get("period")), repeat.get("periodUnit")
        if frequency is None and period is None:
            listed = repeat.get("timeOfDay") or repeat.get("when")
            if type(listed) is list and listed:
                return float(len(listed))
        days = PERIOD_DAYS.get(unit) if type(unit) is str else None
        if period is not None and days is not None and period > 0:
            return (frequency if frequency is not None else 1.0) / (period * days)
    code = timing.get("code")
    codings = code.get("coding") if type(code) is dict else None
    if type(codings) is list:
        for coding in codings:
            value = coding.get("code") if type(coding) is dict else None
            if type(value) is str and value in TIMING_CODES_PER_DAY:
                return TIMING_CODES_PER_DAY[value]
    return None


def _dosage_daily_mg(dosage: Mapping[str, Any], strength: tuple[float, str, float] | None) -> float | None:
    per_day = administrations_per_day(dosage.get("timing"))
    if per_day is None:
        return None
    quantities = _max_dose_quantity(dosage)
    if quantities is None:
        return None
    highest = 0.0
    for quantity in quantities:
        mg = dose_mg(quantity, strength)
        if mg is None:
            return None
        highest = max(highest, mg)
    return highest * per_day


def daily_dose_mg(dosages: Iterable[Any], strength: tuple[float, str, float] | None) -> float | None:
    """The highest total daily dose in mg over the dosage instructions, or None when any part is unknown.

    Instructions sharing a `sequence` (or without one) are given together, so their doses add up; different
    sequences are successive steps (e.g. a titration), so the highest step counts.
    """
    by_step: dict[object, float] = {}
    any_dosage = False
    for dosage in dosages:
        if not isinstance(dosage, dict):
            continue
        any_dosage = True
        mg = _dosage_daily_mg(dosage, strength)
        if mg is None:
            return None
        step = dosage.get("sequence")
        step = step if type(step) is int else None  # unordered instructions are taken together
        by_step[step] = by_step.get(step, 0.0) + mg
    if not any_dosage:
        return None
    return round(max(by_step.values()), 6)
