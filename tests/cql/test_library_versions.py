"""Every package version carries the logic Library and the PlanDefinitions' CQL alternatives; the CQL's product
strengths are the package's."""

from __future__ import annotations

import base64
import json

import pytest

from fhir_ldn.cds.engine import load_rules
from fhir_ldn.cql.tools import evaluate
from fhir_ldn.package.index import Package
from fhir_ldn.xver.package import convert_package
from fhir_ldn.xver.targets import R4, R4B, FhirTarget
from tests.cql.test_differential import PLANS, alternatives


@pytest.mark.parametrize("target", [R4B, R4], ids=lambda t: t.label)
def test_converted_packages_carry_the_library(package: Package, target: FhirTarget) -> None:
    converted = convert_package(package, target)
    library = converted.require("Library", "ldn-ssri-logic")
    assert library["content"] == package.require("Library", "ldn-ssri-logic")["content"]
    assert library["type"]["coding"][0]["code"] == "logic-library"
    for plan_id in PLANS:
        plan, original = converted.require("PlanDefinition", plan_id), package.require("PlanDefinition", plan_id)
        assert plan["library"] == [library["url"]]
        ours = [(name, c["expression"]["expression"]) for name, c in alternatives(original)]
        assert [(name, c["expression"]["expression"]) for name, c in alternatives(plan)] == ours


def test_the_cql_product_strengths_are_the_packages(package: Package) -> None:
    rule = load_rules(package)[0]
    library = package.require("Library", "ldn-ssri-logic")
    (elm,) = [json.loads(base64.b64decode(c["data"])) for c in library["content"] if c["contentType"].endswith("json")]
    case = {"name": "strengths", "resources": [{"resourceType": "Patient", "id": "p"}], "parameters": {}}
    (result,) = evaluate(elm, {}, ["Product Strengths"], [case])
    cql = {(p["code"]["system"], p["code"]["code"]): p["mg"] for p in result["results"]["Product Strengths"]}
    assert cql == {
        code: mg for code, (mg, kind, amount) in rule.product_strengths.items() if (kind, amount) == ("count", 1.0)
    }
    assert cql
    assert len(cql) == len(rule.product_strengths)
