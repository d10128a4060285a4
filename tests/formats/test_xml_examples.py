"""Every official R5 example survives JSON -> XML -> JSON exactly, and its XML is valid against fhir-single.xsd."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fhir_ldn.core_defs import ensure_package
from fhir_ldn.formats.decimal_json import loads
from fhir_ldn.formats.xml import read_xml, resource_to_xml, validate_xsd
from tests.formats.as_written import as_written

DATA = Path(__file__).resolve().parent.parent / "data" / "r5-examples-xml"
EXAMPLE_COUNT = 2822


def _explained(errors: list[str], exception: dict[str, Any] | None) -> bool:
    """The schema errors are exactly the explained ones: each matches the pattern, and there are `count` of them."""
    if exception is None:
        return not errors
    return len(errors) == exception["count"] and all(re.match(exception["pattern"], e) for e in errors)


def test_every_r5_example_round_trips_through_xml() -> None:
    folder = ensure_package("hl7.fhir.r5.examples", "5.0.0")
    exceptions: dict[str, dict[str, Any]] = json.loads((DATA / "xsd-exceptions.json").read_text(encoding="utf-8"))
    files = sorted(p for p in folder.glob("*.json") if not p.name.startswith(".") and p.name != "package.json")
    failures: list[str] = []
    for path in files:
        original = loads(path.read_bytes())
        xml = resource_to_xml(original)
        document = read_xml(xml, locations=False)
        if document.problems:
            failures.append(f"{path.name}: problems reading the XML back: {document.problems[:3]}")
        if as_written(document.resource) != as_written(original):
            failures.append(f"{path.name}: JSON -> XML -> JSON changed the resource")
        errors = validate_xsd(xml)
        if not _explained(errors, exceptions.get(path.name)):
            failures.append(f"{path.name}: fhir-single.xsd errors other than the explained ones: {errors[:3]}")
    assert len(files) == EXAMPLE_COUNT
    assert failures == []
