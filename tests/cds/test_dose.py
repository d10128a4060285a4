"""Daily doses: mass × frequency, units × strength, timing codes; unknown stays unknown."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_ldn.cds.dose import (
    administrations_per_day,
    daily_dose_mg,
    single_dose_mg,
    strength_from_quantity,
    strength_from_ratio,
)

FIFTY_MG_TABLET = (50.0, "count", 1.0)


def q(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}


def d(dose: dict[str, Any] | None, timing: dict[str, Any] | None, **more: Any) -> dict[str, Any]:
    out: dict[str, Any] = dict(more)
    if dose is not None:
        out["doseAndRate"] = [{"doseQuantity": dose}]
    if timing is not None:
        out["timing"] = timing
    return out


def every(frequency: float, period: float = 1, unit: str = "d", **more: Any) -> dict[str, Any]:
    return {"repeat": {"frequency": frequency, "period": period, "periodUnit": unit, **more}}


@pytest.mark.parametrize(
    ("dosages", "strength", "expected"),
    [
        ([d(q(4.5, "mg"), every(1))], None, 4.5),
        ([d(q(4.5, "mg"), every(3))], None, 13.5),
        ([d(q(50, "mg"), every(1))], None, 50),
        ([d(q(1, "{pill}"), every(1))], FIFTY_MG_TABLET, 50),
        ([d(q(0.5, "{tbl}"), every(1))], FIFTY_MG_TABLET, 25),
        ([d(q(1500, "ug"), every(2))], None, 3),
        ([d(q(0.0045, "g"), every(1))], None, 4.5),
        ([d(q(4.5, "mg"), every(1, 12, "h"))], None, 9),
        ([d(q(4.5, "mg"), every(1, 2, "d"))], None, 4.5),  # every other day: the dose on the day, not averaged
        ([d(q(35, "mg"), every(1, 1, "wk"))], None, 35),  # weekly: never 5 mg/day on average
        ([d(q(10, "mg"), every(5, 1, "wk", dayOfWeek=["mon", "tue", "wed", "thu", "fri"]))], None, 10),
        ([d(q(4.5, "mg"), every(1, timeOfDay=["08:00", "12:00", "20:00"]))], None, 13.5),  # times beat frequency
        ([d(q(4.5, "mg"), every(1, when=["MORN", "EVE"]))], None, 9),
        (
            [d(q(4.5, "mg"), {"repeat": {"period": 1, "periodUnit": "d"}, "code": {"coding": [{"code": "BID"}]}})],
            None,
            9,
        ),
        ([d(q(4.5, "mg"), {"repeat": {"frequency": 3}, "code": {"coding": [{"code": "QD"}]}})], None, 13.5),
        ([d(q(4.5, "mg"), {"code": {"coding": [{"code": "TID"}]}})], None, 13.5),
        ([d(q(4.5, "mg"), {"code": {"coding": [{"code": "QD"}]}})], None, 4.5),
        ([d(q(2, "mg"), {"repeat": {"timeOfDay": ["08:00", "20:00"]}})], None, 4),
        ([d(q(1, "mg"), every(1, frequencyMax=3))], None, 3),
        ([d(q(1, "mg"), every(1)), d(q(2, "mg"), every(1))], None, 3),  # taken together
        ([d(q(1, "mg"), every(1), sequence=1), d(q(4.5, "mg"), every(1), sequence=2)], None, 4.5),  # titration
        ([{"doseAndRate": [{"doseRange": {"low": q(0.5, "mg"), "high": q(1, "mg")}}], "timing": every(1)}], None, 1),
        ([{"doseQuantity": q(4.5, "mg"), "timing": every(1)}], None, 4.5),  # STU3 shape
        ([d(q(2, "mL"), every(1))], (1.0, "volume", 1.0), 2),  # 1 mg/mL solution
    ],
)
def test_computed_daily_doses(dosages: list[Any], strength: Any, expected: float) -> None:
    assert daily_dose_mg(dosages, strength) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("dosages", "strength"),
    [
        ([d(q(1, "{pill}"), every(1))], None),  # a pill count without a strength is never guessed
        ([d(q(1, "tablet"), every(1))], None),
        ([d(q(4.5, "mg"), None)], None),  # no timing
        ([d(None, every(1))], None),  # no dose
        ([], None),
        ([d({"value": 4.5}, every(1))], None),  # no unit
        ([d(q(4.5, "furlong"), every(1))], None),
        ([d(q(2, "mL"), every(1))], FIFTY_MG_TABLET),  # volume against a per-tablet strength
        ([d(q(1, "{pill}"), every(1)), d(q(4.5, "mg"), None)], FIFTY_MG_TABLET),  # one part unknown
        ([{"doseAndRate": [{"doseRange": {"low": q(0.5, "mg")}}], "timing": every(1)}], None),
        ([d(q(4.5, "mg"), {"code": {"coding": [{"code": "PRN-ish"}]}})], None),
        ([d(q(4.5, "mg"), {"repeat": {"frequency": 3}})], None),  # a frequency without a period or other count
        ([d(q(50, "mg"), every(0))], None),  # invalid values fail closed: unknown, never 0 mg/day
        ([d(q(50, "mg"), every(-1))], None),
        ([d(q(50, "mg"), every(1, 0))], None),
        ([d(q(50, "mg"), every(1, -1))], None),
        ([d(q(1, "{pill}"), every(1))], (-50.0, "count", 1.0)),  # a negative strength
        ([d(q(-4.5, "mg"), every(1))], None),
        ([d(q(0, "mg"), every(1))], None),  # a zero dose leaves the dose unknown, as documented: never 0 mg/day
        ([d(q(0, "{pill}"), every(1))], FIFTY_MG_TABLET),
        ([d(q(0, "ug"), every(1))], None),
    ],
)
def test_unknown_daily_doses(dosages: list[Any], strength: Any) -> None:
    assert daily_dose_mg(dosages, strength) is None


def test_strengths() -> None:
    assert strength_from_quantity(q(50, "mg")) == FIFTY_MG_TABLET
    assert strength_from_quantity(q(1, "{pill}")) is None
    ratio = {"numerator": q(4.5, "mg"), "denominator": q(1, "{capsule}")}
    assert strength_from_ratio(ratio) == (4.5, "count", 1.0)
    assert strength_from_ratio({"numerator": q(10, "mg"), "denominator": q(5, "mL")}) == (10.0, "volume", 5.0)
    assert strength_from_ratio({"numerator": q(4.5, "mg"), "denominator": {"value": 1}}) == (4.5, "count", 1.0)
    assert strength_from_ratio({"numerator": q(4.5, "mg"), "denominator": {"value": 0, "code": "1"}}) is None


def test_administrations_per_day() -> None:
    assert administrations_per_day({"repeat": {"period": 1, "periodUnit": "wk"}}) == 1  # on the day it is given
    assert administrations_per_day({"repeat": {"frequency": 4, "period": 1, "periodUnit": "d"}}) == 4
    assert administrations_per_day({"repeat": {"frequency": 1, "period": 1, "periodUnit": "fortnight"}}) is None
    assert administrations_per_day(None) is None


@pytest.mark.parametrize(
    ("dosages", "strength", "expected"),
    [
        ([d(q(50, "mg"), None)], None, 50),  # no timing: the day's dose is unknown, but not below 50 mg
        ([d(q(1, "{pill}"), None)], FIFTY_MG_TABLET, 50),
        ([d(q(1, "mg"), every(1), sequence=1), d(q(4.5, "mg"), None, sequence=2)], None, 4.5),
        ([d(q(1, "{pill}"), None)], None, None),  # a count without a strength says nothing
        ([d(None, every(1))], None, None),
        ([], None, None),
    ],
)
def test_single_doses(dosages: list[Any], strength: Any, expected: float | None) -> None:
    assert single_dose_mg(dosages, strength) == expected


def test_decimals_kept_as_written_are_numbers() -> None:
    """The FHIR endpoints parse decimals as JsonDecimal (a float keeping its text): a dose must still count."""
    from fhir_ldn.formats.decimal_json import loads

    dosage = loads(
        '{"timing": {"repeat": {"frequency": 1, "period": 1.0, "periodUnit": "d"}},'
        ' "doseAndRate": [{"doseQuantity": {"value": 50.0, "unit": "mg", "code": "mg"}}]}'
    )
    assert daily_dose_mg([dosage], None) == 50
    assert daily_dose_mg([{**dosage, "doseAndRate": [{"doseQuantity": {"value": True, "code": "mg"}}]}], None) is None
