"""Every FHIRPath expression of the package gives, on the project's engine, the results recorded from fhirpathpy
(the engine the CDS rule, $apply and traceability used before issue 17) over 413 `%medications` fact lists, and
every traceability mapping the values recorded: the switch of engines changed no decision and no text.
See tests/fhirpath/package_results.py for the inputs and the record's form.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from fhir_ldn.package.index import Package
from tests.fhirpath.package_results import RECORD, code, expressions, mappings, our_results


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(RECORD.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def ours(package: Package) -> dict[str, Any]:
    return our_results(package)


def test_the_record_covers_every_expression_and_mapping_of_the_package(
    package: Package, recorded: dict[str, Any]
) -> None:
    found = {where: text for where, text, _ in expressions(package)}
    assert {where.split(".")[0] for where in found} == {
        "PlanDefinition/ldn-ssri-cds",
        "PlanDefinition/ldn-ssri-augmentation-protocol",
    }
    stale = {w for w, text in found.items() if recorded["expressions"].get(w, {}).get("expression") != text}
    assert stale == set(), "expressions changed: check their cards, then re-record (package_results.py --write)"
    assert set(recorded["expressions"]) == set(found)
    assert set(recorded["mappings"]) == {f"{m['resource']} {m['element']}" for m in mappings()}
    conditions = [r["results"] for w, r in recorded["expressions"].items() if ".condition" in w]
    assert all("T" in r and "F" in r for r in conditions)  # every condition both holds and fails on some input


def test_every_expression_gives_the_recorded_results(recorded: dict[str, Any], ours: dict[str, Any]) -> None:
    assert ours["fact lists"] == recorded["fact lists"] == 413
    for where, expected in recorded["expressions"].items():
        assert ours["expressions"][where]["results"] == expected["results"], where


def test_every_mapping_gives_the_recorded_values(recorded: dict[str, Any], ours: dict[str, Any]) -> None:
    assert ours["mappings"] == recorded["mappings"]


def test_results_are_recorded_by_value() -> None:
    assert (code([True]), code([False]), code([])) == ("T", "F", "-")
    assert code(["a"]) == code(["a"]) != code(["b"])
    assert code([4.5]) == code([Decimal("4.50")])  # numbers by value
