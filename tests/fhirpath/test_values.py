"""FHIRPath system values: dates and times with precision and timezone, boundaries, quantities."""

from __future__ import annotations

from decimal import Decimal

from fhir_ldn.fhirpath.values import (
    Quantity,
    Temporal,
    decimal_boundary,
    parse_date,
    parse_datetime,
    parse_temporal_literal,
    parse_time,
)


def test_parsing_keeps_precision_and_zone() -> None:
    assert parse_date("2012-03") == Temporal("date", (2012, 3))
    assert parse_datetime("2012-03-04T10:11:12.5+01:30") == Temporal("datetime", (2012, 3, 4, 10, 11, 12, 500), 90)
    assert parse_time("10:11") == Temporal("time", (10, 11))
    assert parse_date("not a date") is None


def test_comparison_across_zones_and_precisions() -> None:
    a = parse_temporal_literal("2012-01-01T10:00:00+02:00")
    b = parse_temporal_literal("2012-01-01T08:30:00Z")
    assert a.compare(b) == -1
    assert parse_temporal_literal("2012").compare(parse_temporal_literal("2013-05")) == -1
    assert parse_temporal_literal("2012").compare(parse_temporal_literal("2012-05")) is None
    assert parse_temporal_literal("T10:00:00").compare(parse_temporal_literal("T10:00:00.000")) == 0


def test_boundaries() -> None:
    low = parse_temporal_literal("2012-02").boundary(high=False)
    high = parse_temporal_literal("2012-02").boundary(high=True)
    assert low.parts[:3] == (2012, 2, 1)
    assert high.parts[:3] == (2012, 2, 29)  # a leap year
    assert str(parse_temporal_literal("2012-02-03T10:00").boundary(high=True)).startswith("2012-02-03T10:00:59.999")
    assert decimal_boundary(Decimal("1.5"), high=False) == Decimal("1.45000000")
    assert decimal_boundary(Decimal("1.5"), high=True) == Decimal("1.55000000")


def test_quantities_compare_in_convertible_units_only() -> None:
    assert Quantity(Decimal(2), "mg").compare(Quantity(Decimal("1.5"), "mg")) == 1
    assert Quantity(Decimal(2), "mg").compare(Quantity(Decimal(2), "g")) == -1
    assert Quantity(Decimal(2000), "ug").compare(Quantity(Decimal(2), "mg")) == 0
    assert Quantity(Decimal(2), "mg").compare(Quantity(Decimal(2), "mL")) is None
    assert Quantity(Decimal(2), "[foo]").compare(Quantity(Decimal(2), "[bar]")) is None  # unknown units: same only
    assert Quantity(Decimal(1), "day").comparable(Quantity(Decimal(1), "d"))
    assert not Quantity(Decimal(1), "month").comparable(Quantity(Decimal(1), "mo"))
