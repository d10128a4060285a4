"""Units for quantity comparison: UCUM prefixes, time units, calendar durations."""

from __future__ import annotations

from decimal import Decimal

from fhir_ldn.fhirpath.units import canonical


def test_canonical_units() -> None:
    assert canonical("mg") == (Decimal("1e-3"), "g")
    assert canonical("g") == (Decimal(1), "g")
    assert canonical("dL") == (Decimal("1e-1"), "L")
    assert canonical("wk") == (Decimal(604800), "s")
    assert canonical("days") == (Decimal(86400), "s")  # a calendar day is the UCUM day
    assert canonical("year") == (Decimal(1), "year")  # a calendar year is not the UCUM 'a'
    assert canonical("a") == (Decimal(1), "a")
    assert canonical("min") == (Decimal(60), "s")  # minutes, not milli-inches
    assert canonical("mm[Hg]") == (Decimal(1), "mm[Hg]")  # unknown: compared only with itself
    assert canonical(None) == (Decimal(1), "1")
