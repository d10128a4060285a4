"""The CDS value-set adapter: enumerations, nested sets, hierarchy filters, displays."""

from __future__ import annotations

import pytest

from fhir_ldn.cds.valuesets import ValueSetIndex
from fhir_ldn.constants import ATC, RXNORM
from fhir_ldn.errors import PackageError
from fhir_ldn.package.index import Package

BASE = "https://fhir-ldn.github.io/fhir/ValueSet/"


def test_nested_value_sets_union(package: Package) -> None:
    index = ValueSetIndex(package)
    ssri = index.members(BASE + "ssri")
    assert ssri == index.members(BASE + "ssri-rxnorm") | index.members(BASE + "ssri-atc")
    assert (RXNORM, "312941") in ssri
    assert (ATC, "N06AB10") in ssri
    assert (RXNORM, "7243") not in ssri


def test_naltrexone_codes(package: Package) -> None:
    assert ValueSetIndex(package).members(BASE + "naltrexone") == {
        (RXNORM, "7243"),
        (RXNORM, "1483744"),
        (ATC, "N07BB04"),
    }


def test_descendent_of_filter_gives_children_with_displays(package: Package) -> None:
    reasons = ValueSetIndex(package).expansion(BASE + "cds-override-reasons-monitoring")
    assert [r["code"] for r in reasons] == ["discussed-with-patient", "will-monitor", "not-applicable"]
    assert all(r["display"] for r in reasons)


def test_unknown_value_set_is_a_package_error(package: Package) -> None:
    with pytest.raises(PackageError, match="not in the package"):
        ValueSetIndex(package).members(BASE + "nope")


def test_expansions_are_cached(package: Package) -> None:
    index = ValueSetIndex(package)
    assert index.expansion(BASE + "ssri") is index.expansion(BASE + "ssri")
