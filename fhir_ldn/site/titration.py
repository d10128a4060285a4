"""The titration schedule of a MedicationRequest ActivityDefinition: table rows and an SVG bar chart's geometry."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fhir_ldn.package.index import Resource


@dataclass(frozen=True)
class Step:
    """One dosage step: its words and its numbers (per dose range and maximum per period)."""

    sequence: int
    text: str
    low: Decimal | None
    high: Decimal | None
    dose_unit: str
    max_amount: Decimal | None
    max_unit: str
    max_period: str  # e.g. "day"


@dataclass(frozen=True)
class Bar:
    """One step drawn as a bar: the maximum per period, with the stated dose range as a darker band."""

    step: Step
    x: float
    width: float
    max_y: float  # top of the bar (maximum per period)
    band_top: float | None  # dose range high, if the step has a dose range with a low bound
    band_bottom: float | None
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_bottom: int
    plot_top: int
    ticks: list[tuple[float, str]]  # (y, label)
    bars: list[Bar]
    unit: str


def _num(value: Any) -> Decimal | None:
    return Decimal(str(value)) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


def steps(activity: Resource) -> list[Step]:
    """The dosage steps of an ActivityDefinition, in sequence order (empty if it has no dosage)."""
    out = []
    for i, dosage in enumerate(activity.get("dosage", []), start=1):
        dose_range: dict[str, Any] = next(
            (d["doseRange"] for d in dosage.get("doseAndRate", []) if "doseRange" in d), {}
        )
        ratio = (dosage.get("maxDosePerPeriod") or [{}])[0]
        numerator, denominator = ratio.get("numerator", {}), ratio.get("denominator", {})
        period = str(denominator.get("unit", ""))
        if _num(denominator.get("value")) not in (None, Decimal(1)):
            period = f"{_fmt(_num(denominator['value']) or Decimal(1))} {period}"
        out.append(
            Step(
                sequence=int(dosage.get("sequence", i)),
                text=str(dosage.get("text", "")),
                low=_num(dose_range.get("low", {}).get("value")),
                high=_num(dose_range.get("high", {}).get("value")),
                dose_unit=str(dose_range.get("high", dose_range.get("low", {})).get("unit", "")),
                max_amount=_num(numerator.get("value")),
                max_unit=str(numerator.get("unit", "")),
                max_period=period,
            )
        )
    return sorted(out, key=lambda s: s.sequence)


def dose_range_text(step: Step) -> str:
    """`0.5–1 mg`, `up to 4.5 mg`, `from 2 mg` or an empty string."""
    if step.low is not None and step.high is not None:
        return f"{_fmt(step.low)}–{_fmt(step.high)} {step.dose_unit}"
    if step.high is not None:
        return f"up to {_fmt(step.high)} {step.dose_unit}"
    if step.low is not None:
        return f"from {_fmt(step.low)} {step.dose_unit}"
    return ""


def max_text(step: Step) -> str:
    if step.max_amount is None:
        return ""
    return f"{_fmt(step.max_amount)} {step.max_unit} per {step.max_period}".strip()


def chart(schedule: list[Step], width: int = 420, height: int = 240) -> Chart | None:
    """Bar geometry for the steps that state a maximum per period (None if none do)."""
    drawn = [s for s in schedule if s.max_amount is not None]
    if not drawn:
        return None
    left, right, top, bottom = 48, 12, 16, height - 40
    top_value = max(math.ceil(max(s.max_amount or 0 for s in drawn)), 1)

    def y(value: Decimal) -> float:
        return round(bottom - float(value) / top_value * (bottom - top), 1)

    slot = (width - left - right) / len(drawn)
    bars = []
    for i, s in enumerate(drawn):
        band = (y(s.high), y(s.low)) if s.low is not None and s.high is not None else (None, None)
        bars.append(
            Bar(
                step=s,
                x=round(left + i * slot + slot * 0.2, 1),
                width=round(slot * 0.6, 1),
                max_y=y(s.max_amount or Decimal(0)),
                band_top=band[0],
                band_bottom=band[1],
                label=f"{_fmt(s.max_amount or Decimal(0))} {s.max_unit}",
            )
        )
    ticks = [(y(Decimal(v)), str(v)) for v in range(top_value + 1)]
    unit = f"{drawn[0].max_unit} per {drawn[0].max_period}"
    return Chart(width, height, left, bottom, top, ticks, bars, unit)
