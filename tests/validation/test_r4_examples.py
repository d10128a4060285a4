"""Every official R4 example validates with `--fhir-version 4.0.1` without errors, except the ones explained in
tests/data/r4-examples (each error there is the example's, or R4's own invariant's; none is the validator's)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fhir_ldn.core_defs import ensure_package
from fhir_ldn.validation.session import Options, Session
from fhir_ldn.validation.validator import Validator, default_source

DATA = Path(__file__).resolve().parent.parent / "data" / "r4-examples"
EXAMPLE_COUNT = 5306
# the R4 build's own extensions that were never published (e.g. valueset-definition), as for R5 (see the README)
BUILD_EXTENSIONS = ("http://hl7.org/fhir/StructureDefinition/", "http://hl7.org/fhir/build/StructureDefinition/")


def test_errors_are_exactly_the_explained_ones() -> None:
    expected = json.loads((DATA / "expected-errors.json").read_text(encoding="utf-8"))
    patterns = {key: re.compile(c["pattern"]) for key, c in expected["categories"].items()}
    options = Options(allowed_extension_domains=BUILD_EXTENSIONS)
    validator = Validator(Session(default_source(fhir_version="4.0.1"), options=options))
    folder = ensure_package("hl7.fhir.r4.examples", "4.0.1")
    files = sorted(p for p in folder.glob("*.json") if p.name != "package.json" and not p.name.startswith("."))
    assert len(files) == EXAMPLE_COUNT
    failing: dict[str, list[str]] = {}
    unexplained: list[str] = []
    for path in files:
        result = validator.validate_json(path.read_bytes(), positions=False)
        texts = [i.text for i in result.issues if i.severity in ("error", "fatal")]
        if not texts:
            continue
        categories = expected["files"].get(path.name, [])
        failing[path.name] = sorted({k for t in texts for k, p in patterns.items() if p.search(t)})
        unexplained.extend(f"{path.name}: {t}" for t in texts if not any(patterns[k].search(t) for k in categories))
    assert unexplained == []
    assert failing == expected["files"]
    assert len(failing) == 30
    assert (len(files) - len(failing)) / len(files) >= 0.99
