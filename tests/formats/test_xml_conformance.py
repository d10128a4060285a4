"""The XML inputs of the HL7 validator conformance subset: all read; the XML-level issues HL7 reports are ours."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fhir_ldn.formats.decimal_json import loads
from fhir_ldn.formats.xml import read_xml, resource_to_xml, validate_xsd
from tests.formats.as_written import as_written

OWN_TEXTS = ("is out of order", "Boolean values must be", "is not a valid integer", "is not a valid decimal")


@pytest.fixture(scope="module")
def validator_dir(conformance_dir: Path) -> Path:
    return conformance_dir / "fhir-validator" / "validator"


def _xml_tests(validator_dir: Path) -> list[dict[str, Any]]:
    """The R5 entries whose instance is XML (R4 ones are read with the R4 model: see the validator's tests)."""
    manifest = json.loads((validator_dir.parent / "manifest.json").read_text(encoding="utf-8"))
    r5 = [t for t in manifest["test-cases"] if t.get("version") in (None, "5.0", "5.0.0")]
    return [t for t in r5 if t["file"].endswith(".xml")]


def _issue(issue: dict[str, Any]) -> tuple[str, str, str, str]:
    return (issue["severity"], issue.get("expression", [""])[0], issue["details"]["text"], issue.get("diagnostics", ""))


def _expected_issues(validator_dir: Path, test: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    outcome = validator_dir / "outcomes" / "java" / f"R5.{test['name'].replace('/', '-')}-base.json"
    return [_issue(i) for i in json.loads(outcome.read_text(encoding="utf-8")).get("issue", [])]


def test_every_xml_file_reads_and_round_trips(validator_dir: Path) -> None:
    tests = _xml_tests(validator_dir)
    has_errors = {t["file"] for t in tests if any(i[0] == "error" for i in _expected_issues(validator_dir, t))}
    unreadable = {t["file"] for t in tests if any(i[0] == "fatal" for i in _expected_issues(validator_dir, t))}
    files = sorted(validator_dir / name for name in {t["file"] for t in tests} - unreadable)
    # The schema check holds for the original subset (its first 44 entries); later tests include narratives HL7
    # accepts that fhir-single.xsd does not (an img without alt), so there only the round trip is checked.
    manifest = json.loads((validator_dir.parent / "manifest.json").read_text(encoding="utf-8"))
    original = {t["file"] for t in manifest["test-cases"][:44]}
    assert len(files) >= 29
    for path in files:
        document = read_xml(path.read_bytes())
        xml = resource_to_xml(document.resource)
        again = read_xml(xml)
        assert as_written(again.resource) == as_written(document.resource), path.name
        if path.name not in has_errors and path.name in original:  # valid FHIR (HL7's verdict): schema-valid XML
            assert document.problems == again.problems == [], path.name
            assert validate_xsd(xml) == [], path.name


def test_xml_level_issues_are_the_ones_hl7_reports(validator_dir: Path) -> None:
    checked = 0
    for test in _xml_tests(validator_dir):
        expected = _expected_issues(validator_dir, test)
        if any(i[0] == "fatal" for i in expected):
            continue  # not FHIR XML at all (wrong root namespace, UTF-16): the validator's tests cover these
        ours = [
            ("error", p.expression, p.message, f"[{p.line},{p.column}]")
            for p in read_xml((validator_dir / test["file"]).read_bytes()).problems
        ]
        unplaced = [i[:3] for i in expected if i[3] == "[0,0]"]  # newer outcome files give no position
        for problem in ours:
            assert problem in expected or problem[:3] in unplaced, f"{test['name']}: {problem} is not an HL7 issue"
        for issue in expected:
            if issue[1].startswith("/f:") or any(text in issue[2] for text in OWN_TEXTS):
                placed = issue in ours or (issue[3] == "[0,0]" and issue[:3] in [o[:3] for o in ours])
                if not placed and "34534536346345345345" not in issue[2]:  # a range check: the validator's
                    pytest.fail(f"{test['name']}: HL7's {issue} not found among {ours}")
                checked += 1
    assert checked >= 9  # list-empty1, list-wrong-order, group-choice-bad1 and primitive-bad's lexical errors


@pytest.mark.parametrize("name", ["patient-good", "list-empty1", "list-wrong-order"])
def test_xml_equals_its_json_twin(validator_dir: Path, name: str) -> None:
    from_xml = read_xml((validator_dir / f"{name}.xml").read_bytes()).resource
    twin = loads((validator_dir / f"{name}.json").read_bytes())
    assert as_written(from_xml) == as_written(twin)
