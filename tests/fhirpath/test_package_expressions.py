"""Every FHIRPath expression of the package gives the same result on the project's compiled engine (which the CDS
rule now uses) as on fhirpathpy (the engine it used before; $apply and traceability still do): issue 17.

Inputs: the CDS rule's and $apply's `%medications` facts — a seeded grid over the package's drug codes, origins,
doses and name recognition, and the facts of the $apply test patients (R4 and R5 shapes) built by the real
pipeline — with `%action` the action that holds the expression; and every traceability mapping over its resource.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import fhirpathpy
import pytest

from fhir_ldn.apply.patient_data import medications_from_data, package_strengths
from fhir_ldn.cds.valuesets import ValueSetIndex
from fhir_ldn.fhirpath.compiler import compile_expression
from fhir_ldn.fhirpath.host import MembershipEnvironment, plain, variables
from fhir_ldn.linear_regex import fhirpathpy_functions
from fhir_ldn.package.index import Package
from tests.apply import patients

REPO = Path(__file__).resolve().parents[2]
FHIRPATH = "text/fhirpath"


def expressions(package: Package) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, expression, the action or resource holding it) for every FHIRPath Expression of the package."""

    def visit(node: Any, where: str, holder: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
        if isinstance(node, dict):
            if node.get("language") == FHIRPATH and isinstance(node.get("expression"), str):
                yield where, node["expression"], holder
            for key, value in node.items():
                yield from visit(value, f"{where}.{key}", node if key == "dynamicValue" else holder)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from visit(value, f"{where}[{i}]", holder)

    for resource in package:
        yield from visit(resource, f"{resource['resourceType']}/{resource['id']}", resource)


def _codes(value_sets: ValueSetIndex, package: Package) -> list[tuple[str, str]]:
    codes: set[tuple[str, str]] = set()
    for vs in package.of_type("ValueSet"):
        codes |= value_sets.members(vs["url"])
    return [*sorted(codes), ("http://www.nlm.nih.gov/research/umls/rxnorm", "1191")]  # aspirin: in no value set


def fact_lists(package: Package, value_sets: ValueSetIndex) -> list[list[dict[str, Any]]]:
    rng = random.Random(17)
    codes = _codes(value_sets, package)

    def fact(n: int) -> dict[str, Any]:
        system, code = rng.choice(codes)
        out: dict[str, Any] = {
            "origin": rng.choice(["new", "existing"]),
            "code": {"coding": [{"system": system, "code": code}]},
            "name": f"drug {code}",
            "reference": f"MedicationRequest/{n}",
        }
        daily = rng.choice([None, 0.25, 0.5, 0.75, 1, 2, 4.5, 5, 5.5, 50])
        if daily is not None:
            out["dailyDoseMg"] = daily
        single = rng.choice([None, daily, 10, 50])
        if single is not None:
            out["singleDoseMg"] = single
        if rng.random() < 0.2:
            out |= {"recognisedBy": "name", "recognisedAs": "naltrexone", "recognisedFrom": "LDN 4.5 mg"}
        return out

    grid = [[fact(10 * i + j) for j in range(rng.randint(1, 4))] for i in range(400)]
    strengths = package_strengths(package)
    data = [
        medications_from_data(build(shape), patients.PATIENT, strengths)
        for build in (
            patients.on_ssri,
            patients.on_ssri_and_ldn,
            patients.on_ssri_and_ldn_order,
            patients.on_ssri_and_standard_dose,
            patients.on_ssri_and_naltrexone_50mg,
            patients.ssri_free,
        )
        for shape in ("R4", "R5")
    ]
    assert all(data)  # the pipeline found the patients' medications
    return [[], *data, *grid]


def _normal(value: Any) -> Any:
    """One engine's result value, comparable with the other's (numbers by value, objects by content)."""
    value = getattr(value, "data", value)  # fhirpathpy's resource nodes
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value)).normalize()
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


@pytest.fixture(scope="module")
def value_sets(package: Package) -> ValueSetIndex:
    return ValueSetIndex(package)


def test_the_package_holds_the_expressions_both_engines_are_run_on(package: Package) -> None:
    found = list(expressions(package))
    assert len(found) >= 10
    assert {where.split(".")[0] for where, _, _ in found} == {
        "PlanDefinition/ldn-ssri-cds",
        "PlanDefinition/ldn-ssri-augmentation-protocol",
    }


def _fhirpathpy_member_of(value_sets: ValueSetIndex) -> Any:
    def member_of(collection: list[Any], url: str) -> list[bool]:
        if not collection:
            return []
        members = value_sets.members(url)
        for item in collection:
            data = getattr(item, "data", item)
            codings = data.get("coding") if "coding" in data else [data]
            if any((c.get("system"), c.get("code")) in members for c in codings or ()):
                return [True]
        return [False]

    return member_of


def test_every_expression_gives_the_same_result_on_both_engines(package: Package, value_sets: ValueSetIndex) -> None:
    member_of = {"memberOf": {"fn": _fhirpathpy_member_of(value_sets), "arity": {1: ["String"]}}}
    options = {"userInvocationTable": {**fhirpathpy_functions(), **member_of}}
    env = MembershipEnvironment(value_sets.members)
    lists = fact_lists(package, value_sets)
    compared = 0
    for where, text, holder in expressions(package):
        expected_fn = fhirpathpy.compile(text, None, options)
        ours = compile_expression(text)
        for facts in lists:
            scope = {"medications": facts, "action": holder}
            expected = _normal(expected_fn({}, scope))
            actual = _normal(plain(ours.evaluate({}, variables=variables(scope), env=env)))
            assert actual == expected, (where, facts)
            compared += 1
    assert compared >= 10 * len(lists)


def test_every_traceability_mapping_gives_the_same_values_on_both_engines(package: Package) -> None:
    trace = json.loads((REPO / "docs" / "traceability.json").read_text(encoding="utf-8"))
    options = {"userInvocationTable": fhirpathpy_functions()}
    mappings = [m for group in ("claims", "references") for item in trace[group] for m in item.get("encodedIn", ())]
    assert len(mappings) >= 20
    for mapping in mappings:
        resource = package.resolve_reference(mapping["resource"])
        assert resource is not None, mapping
        expected = _normal(fhirpathpy.evaluate(resource, mapping["element"], {}, options=options))
        actual = _normal(plain(compile_expression(mapping["element"]).evaluate(resource)))
        assert actual == expected, mapping
