"""The results every FHIRPath expression of the package gives over the CDS rule's and $apply's `%medications` facts
(and every traceability mapping over its resource), as recorded in tests/data/fhirpath-package/expected-results.json.

The record was made with fhirpathpy 2.2.4, the engine the CDS rule, $apply and traceability used before they moved
to the project's own (issue 17); `python -m tests.fhirpath.package_results --write` records the project's engine's
results instead, for after a deliberate change to an expression, once its cards have been checked.

Inputs: a seeded grid of facts over the package's drug codes, origins, doses and name recognition, and the facts
of the $apply test patients (R4 and R5 shapes) built by the real pipeline; `%action` is the action holding the
expression. A result is recorded as `T`, `F` or `-` (true, false, empty), else `#` and a digest of its JSON.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from fhir_ldn.apply.patient_data import medications_from_data, package_strengths
from fhir_ldn.cds.valuesets import ValueSetIndex
from fhir_ldn.fhirpath.compiler import compile_expression
from fhir_ldn.fhirpath.host import MembershipEnvironment, plain, variables
from fhir_ldn.package.index import Package
from tests.apply import patients

REPO = Path(__file__).resolve().parents[2]
RECORD = REPO / "tests" / "data" / "fhirpath-package" / "expected-results.json"
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


def mappings() -> list[dict[str, Any]]:
    """Every traceability mapping (resource + element) of docs/traceability.json."""
    trace = json.loads((REPO / "docs" / "traceability.json").read_text(encoding="utf-8"))
    return [m for group in ("claims", "references") for item in trace[group] for m in item.get("encodedIn", ())]


def fact_lists(package: Package, value_sets: ValueSetIndex) -> list[list[dict[str, Any]]]:
    rng = random.Random(17)
    codes: set[tuple[str, str]] = set()
    for vs in package.of_type("ValueSet"):
        codes |= value_sets.members(vs["url"])
    choices = [*sorted(codes), ("http://www.nlm.nih.gov/research/umls/rxnorm", "1191")]  # aspirin: in no value set

    def fact(n: int) -> dict[str, Any]:
        system, code = rng.choice(choices)
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


def normal(value: Any) -> Any:
    """A result value in a form both engines share (numbers by value, objects by content)."""
    value = getattr(value, "data", value)  # fhirpathpy's resource nodes
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        return str(Decimal(str(value)).normalize())
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normal(v) for v in value]
    return value


def code(result: list[Any]) -> str:
    """T, F, - (true, false, empty), else # and a digest of the result's JSON."""
    values = normal(result)
    short = {"[true]": "T", "[false]": "F", "[]": "-"}.get(json.dumps(values))
    if short is not None:
        return short
    return "#" + hashlib.sha256(json.dumps(values, sort_keys=True).encode("utf-8")).hexdigest()[:12]


def our_results(package: Package) -> dict[str, Any]:
    """What the project's engine gives for every expression and mapping, in the record's shape."""
    value_sets = ValueSetIndex(package)
    env = MembershipEnvironment(value_sets.members)
    lists = fact_lists(package, value_sets)
    out: dict[str, Any] = {"fact lists": len(lists), "expressions": {}, "mappings": {}}
    for where, text, holder in expressions(package):
        compiled = compile_expression(text)
        results = [
            code(plain(compiled.evaluate({}, variables=variables({"medications": f, "action": holder}), env=env)))
            for f in lists
        ]
        out["expressions"][where] = {
            "expression": text,
            "results": "".join(r if r[0] != "#" else f"[{r}]" for r in results),
        }
    for mapping in mappings():
        resource = package.resolve_reference(mapping["resource"])
        assert resource is not None, mapping
        key = f"{mapping['resource']} {mapping['element']}"
        out["mappings"][key] = code(plain(compile_expression(mapping["element"]).evaluate(resource)))
    return out


if __name__ == "__main__":
    from fhir_ldn.package.loader import load_package

    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.fhirpath.package_results --write   (after checking the changed cards)")
    RECORD.write_text(json.dumps(our_results(load_package()), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
