"""HL7's FHIRPath test suite for R5 (../shared/conformance/fhirpath/, run from there, never copied) against the
project's own compiled engine (`fhir_ldn.fhirpath`), with the R5 definitions as its model.

Every test passes except those in tests/data/fhirpath-r5/known-failures.json, each with the reason, and the
tests that cannot be run against a FHIR engine at all (`skipped` there, with the reason). A new failure fails
this test, and so does a known failure that starts passing: the list must be kept exact.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fhir_ldn.fhirpath.nodes import Model
from fhir_ldn.validation.fhirpath_model import DefinitionModel
from fhir_ldn.validation.registry import StructureRegistry
from fhir_ldn.validation.validator import default_source
from tests.fhirpath.r5_suite import SuiteTest, not_run, read_suite, run_test

REPO = Path(__file__).resolve().parents[2]
KNOWN = REPO / "tests" / "data" / "fhirpath-r5" / "known-failures.json"


@pytest.fixture(scope="module")
def suite(conformance_dir: Path) -> tuple[Path, list[SuiteTest]]:
    folder = conformance_dir / "fhirpath"
    return folder, read_suite(folder)


@pytest.fixture(scope="module")
def model() -> Model:
    return DefinitionModel(StructureRegistry(default_source(install=False)))


def test_the_suite_passes_but_for_the_known_failures(suite: tuple[Path, list[SuiteTest]], model: Model) -> None:
    folder, tests = suite
    known = json.loads(KNOWN.read_text(encoding="utf-8"))
    assert len(tests) == known["tests"] == 1051  # the README's 1,053 counts two tests inside XML comments
    skipped = {t.name: why for t in tests if (why := not_run(t)) is not None}
    assert skipped == known["skipped"]
    results = {t.name: run_test(t, folder, model) for t in tests if t.name not in skipped}
    failing = {name: result for name, result in results.items() if result is not None}
    new = {name: result for name, result in failing.items() if name not in known["failures"]}
    assert new == {}, "new failures"
    assert sorted(set(known["failures"]) - set(failing)) == [], "known failures now pass: update the list"
    assert len(results) - len(failing) == known["passed"]


def test_every_known_failure_names_a_reason() -> None:
    known = json.loads(KNOWN.read_text(encoding="utf-8"))
    for name, reason in [*known["failures"].items(), *known["skipped"].items()]:
        assert len(reason) > 30, name


@pytest.mark.parametrize(
    ("expression", "output", "passes"),
    [
        ("1 + 1", [("integer", "2")], True),
        ("1 + 1", [("integer", "3")], False),
        ("1 + 1", [("decimal", "2")], False),  # the type counts
        ("2.0 / 1", [("decimal", "2")], True),  # decimals by value
        ("@2014-01-01.toString()", [("string", "2014-01-01")], True),
        ("@2014-01-01", [("date", "@2014-01")], False),  # a date's precision counts
        ("(1 | 2)", [("integer", "2"), ("integer", "1")], False),  # in order
    ],
)
def test_the_runner_compares_type_value_and_order(expression: str, output: list[tuple[str, str]], passes: bool) -> None:
    test = SuiteTest("t", "g", expression, None, None, False, None, tuple(output))
    assert (run_test(test, Path("."), Model()) is None) is passes


def test_an_invalid_expression_must_be_refused() -> None:
    refused = SuiteTest("t", "g", "1 +", None, None, False, "syntax", ())
    accepted = SuiteTest("t", "g", "1 + 1", None, None, False, "semantic", ())
    assert run_test(refused, Path("."), Model()) is None
    assert run_test(accepted, Path("."), Model()) is not None
