"""The most mg of a medication an order or statement gives on one day, from its dosage and the product strength.

A dose is computed only from what the order states: a mass dose (mg, g, mcg...) times the number of
administrations on a dosing day, or a unit count (tablet, `{pill}`...) times a known strength per unit.
Anything else (no timing, a unit count without a known strength, a volume without a concentration, an unknown
unit, a zero or negative frequency, period, dose or strength) gives `None`: the dose is unknown, never guessed.

Every reading errs towards the higher dose, so that an order is never taken for low-dose naltrexone when it
may not be: a regimen given less often than daily (every other day, weekly) is counted by the dose on the day
it is given, never averaged over the days between; the timing's frequency, its listed times of day or events
and its code each give a count, and the largest wins; where an order allows a range (`doseRange`,
`frequencyMax`, several titration steps), the highest counts. `single_dose_mg` gives the largest single dose
an order states even when its timing is unknown: a bound the day's dose cannot be below.
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
    if kind is float or kind is int:
        return float(value)
    # float and int subclasses too (the FHIR endpoints' JSON keeps decimals as JsonDecimal); bool is no number
    return float(value) if isinstance(value, int | float) and kind is not bool else None


def strength_from_quantity(quantity: Mapping[str, Any]) -> tuple[float, str, float] | None:
    """A strength given as a mass Quantity: (mg, 'count', 1.0), i.e. mg per administered unit."""
    value = _number(quantity.get("value"))
    kind = unit_kind(quantity)
    if value is None or value <= 0 or kind is None or kind[0] != "mass":
        return None
    return value * kind[1], "count", 1.0


def strength_from_ratio(ratio: Mapping[str, Any]) -> tuple[float, str, float] | None:
    """A strength Ratio (mg per tablet, mg per mL...): (mg, denominator kind, denominator amount in base units)."""
    numerator, denominator = ratio.get("numerator"), ratio.get("denominator")
    if not isinstance(numerator, dict):
        return None
    num_value, num_kind = _number(numerator.get("value")), unit_kind(numerator)
    if num_value is None or num_value <= 0 or num_kind is None or num_kind[0] != "mass":
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
    if value is None or value <= 0 or kind is None:
        return None  # a zero or negative dose states no dose: unknown, never 0 mg
    if kind[0] == "mass":
        return value * kind[1]
    if strength is None:
        return None
    mg, per_kind, per_amount = strength
    if per_kind != kind[0] or mg <= 0 or per_amount <= 0:
        return None
    return value * kind[1] / per_amount * mg


def _stated_dose(holder: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """A `doseQuantity`, or a `doseRange`'s high end; None if neither; ValueError for a range without a high end."""
    if isinstance(holder.get("doseQuantity"), dict):
        return holder["doseQuantity"]  # type: ignore[no-any-return]
    if isinstance(holder.get("doseRange"), dict):
        high = holder["doseRange"].get("high")
        if not isinstance(high, dict):
            raise ValueError("a dose range without a high end")
        return high
    return None


def _max_dose_quantity(dosage: Mapping[str, Any]) -> list[Mapping[str, Any]] | None:
    """The dose quantities of one Dosage (R4/R5 doseAndRate, STU3 doseQuantity); a range gives its high end."""
    entries = dosage.get("doseAndRate")
    holders = [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else [dosage]
    try:
        found = [q for q in map(_stated_dose, holders) if q is not None]
    except ValueError:
        return None
    return found or None


def _positive(value: Any) -> float | None:
    """A number > 0; None when absent; raises ValueError when present but not a positive number."""
    if value is None:
        return None
    number = _number(value)
    if number is None or number <= 0:
        raise ValueError("not a positive number")
    return number


def _timing_code_per_day(timing: Mapping[str, Any]) -> float | None:
    code = timing.get("code")
    codings = code.get("coding") if type(code) is dict else None
    if type(codings) is not list:
        return None
    found = [
        TIMING_CODES_PER_DAY[c["code"]]
        for c in codings
        if type(c) is dict and type(c.get("code")) is str and c["code"] in TIMING_CODES_PER_DAY
    ]
    return max(found) if found else None


def _repeat_counts(repeat: Mapping[str, Any]) -> tuple[list[float], float | None]:
    """Administrations per day by `Timing.repeat` (frequency per period, times of day, events), and a frequency
    given without a period (alone it says nothing of the day; beside another count it is one more reading).
    ValueError if a value is invalid."""
    frequencies = [f for f in (_positive(repeat.get("frequency")), _positive(repeat.get("frequencyMax"))) if f]
    frequency = max(frequencies) if frequencies else None
    period, unit = _positive(repeat.get("period")), repeat.get("periodUnit")
    counts: list[float] = []
    if period is not None:
        days = PERIOD_DAYS.get(unit) if type(unit) is str else None
        if days is None:
            raise ValueError("unknown period unit")
        counts.append((frequency or 1.0) / (period * days))
    for listed in (repeat.get("timeOfDay"), repeat.get("when")):  # each entry is a time on every dosing day
        if type(listed) is list and listed:
            counts.append(float(len(listed)))
    return counts, frequency if period is None else None


def administrations_per_day(timing: Any) -> float | None:
    """Administrations on a dosing day (at least 1; the most any part of the timing allows), or None if unknown.

    A timing given less often than daily counts 1: the day's dose is the dose given that day. Invalid values
    (a zero or negative frequency or period, an unknown period unit) make the timing unknown.
    """
    if type(timing) is not dict:
        return None
    counts: list[float] = []
    loose_frequency: float | None = None
    repeat = timing.get("repeat")
    if type(repeat) is dict:
        try:
            counts, loose_frequency = _repeat_counts(repeat)
        except ValueError:
            return None
    by_code = _timing_code_per_day(timing)
    if by_code is not None:
        counts.append(by_code)
    if not counts:
        return None
    return max(1.0, *counts, loose_frequency or 0.0)


def _single_doses_mg(dosage: Mapping[str, Any], strength: tuple[float, str, float] | None) -> list[float | None]:
    quantities = _max_dose_quantity(dosage)
    return [dose_mg(q, strength) for q in quantities] if quantities is not None else [None]


def single_dose_mg(dosages: Iterable[Any], strength: tuple[float, str, float] | None) -> float | None:
    """The largest single dose in mg that any dosage instruction states (whatever its timing), or None."""
    known = [
        mg
        for dosage in dosages
        if isinstance(dosage, dict)
        for mg in _single_doses_mg(dosage, strength)
        if mg is not None
    ]
    return round(max(known), 6) if known else None


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
    """The most mg given on one dosing day over the dosage instructions, or None when any part is unknown.

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
