"""Every official R5 example validates without errors, except the ones explained in tests/data/r5-examples."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fhir_ldn.core_defs import ensure_package
from fhir_ldn.validation.session import Options, Session
from fhir_ldn.validation.validator import Validator, default_source

DATA = Path(__file__).resolve().parent.parent / "data" / "r5-examples"
EXAMPLE_COUNT = 2822
# R5's own extension definitions were never published in a package on npm (see the README)
R5_BUILD_EXTENSIONS = ("http://hl7.org/fhir/StructureDefinition/", "http://hl7.org/fhir/build/StructureDefinition/")


def test_errors_are_exactly_the_explained_ones() -> None:
    expected = json.loads((DATA / "expected-errors.json").read_text(encoding="utf-8"))
    patterns = {key: re.compile(c["pattern"]) for key, c in expected["categories"].items()}
    validator = Validator(Session(default_source(), options=Options(allowed_extension_domains=R5_BUILD_EXTENSIONS)))
    folder = ensure_package("hl7.fhir.r5.examples", "5.0.0")
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
    generated = {name for name in failing if name.startswith("Questionnaire-qgen-")}
    others = [p for p in files if not p.name.startswith("Questionnaire-qgen-")]
    assert (len(failing), len(generated)) == (221, 194)
    assert (len(others) - (len(failing) - len(generated))) / len(others) >= 0.985  # 99.0%: see the README there
