"""The package checks catch every kind of inconsistency, each with its element path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fhir_ldn.config import Settings
from fhir_ldn.errors import PackageIntegrityError
from fhir_ldn.package.loader import load_package
from tests.conftest import edit_json

BASE = "https://fhir-ldn.github.io/fhir"


def _break(settings: Settings, file: str, change: Callable[[Any], None]) -> list[tuple[str | None, str]]:
    folder = settings.profiles_dir if file.startswith("StructureDefinition") else settings.resources_dir
    edit_json(folder / file, change)
    with pytest.raises(PackageIntegrityError) as err:
        load_package(settings)
    return [(i.expression, i.text) for i in err.value.issues()]


def test_unknown_rxnorm_code_rejected(knowledge_copy: Settings) -> None:
    def add_unverified(vs: Any) -> None:  # 42355 fluvoxamine ingredient: single-source, not in the fragment
        vs["compose"]["include"][0]["concept"].append({"code": "42355", "display": "fluvoxamine"})

    problems = _break(knowledge_copy, "ValueSet-ssri-rxnorm.json", add_unverified)
    assert any("'42355' is not in the package's" in text for _, text in problems)


def test_wrong_display_rejected(knowledge_copy: Settings) -> None:
    def mislabel(vs: Any) -> None:  # the sertraline strength shuffle seen in public mocks
        concept = next(c for c in vs["compose"]["include"][0]["concept"] if c["code"] == "312940")
        concept["display"] = "Sertraline 100 MG Oral Tablet"

    problems = _break(knowledge_copy, "ValueSet-ssri-rxnorm.json", mislabel)
    assert any("should be 'sertraline 25 MG Oral Tablet'" in text for _, text in problems)


def test_code_system_not_held_rejected(knowledge_copy: Settings) -> None:
    def snomed(mpd: Any) -> None:
        mpd["ingredient"].append({"coding": [{"system": "http://snomed.info/sct", "code": "373546002"}]})

    problems = _break(knowledge_copy, "MedicinalProductDefinition-low-dose-naltrexone.json", snomed)
    assert (
        "MedicinalProductDefinition.ingredient[1].coding[0]",
        "code system 'http://snomed.info/sct' is not in the package",
    ) in problems


def test_bad_fhirpath_rejected(knowledge_copy: Settings) -> None:
    def garble(pd: Any) -> None:
        pd["action"][0]["condition"][0]["expression"]["expression"] = "%medications.where(code.memberOf("

    problems = _break(knowledge_copy, "PlanDefinition-ldn-ssri-cds.json", garble)
    assert any(
        expr == "PlanDefinition.action[0].condition[0].expression.expression" and "syntax error" in text
        for expr, text in problems
    )


def test_unresolved_canonical_in_expression_rejected(knowledge_copy: Settings) -> None:
    def point_elsewhere(pd: Any) -> None:
        cond = pd["action"][0]["action"][0]["condition"][0]["expression"]
        cond["expression"] = cond["expression"].replace("ValueSet/naltrexone", "ValueSet/naltrexon")

    problems = _break(knowledge_copy, "PlanDefinition-ldn-ssri-cds.json", point_elsewhere)
    assert any(f"'{BASE}/ValueSet/naltrexon' does not resolve" in text for _, text in problems)


def test_unresolved_activity_definition_rejected(knowledge_copy: Settings) -> None:
    def retarget(pd: Any) -> None:
        pd["action"][0]["action"][0]["definitionCanonical"] = f"{BASE}/ActivityDefinition/nothing"

    problems = _break(knowledge_copy, "PlanDefinition-ldn-ssri-augmentation-protocol.json", retarget)
    assert (
        "PlanDefinition.action[0].action[0].definitionCanonical",
        f"canonical '{BASE}/ActivityDefinition/nothing' does not resolve inside the package",
    ) in problems


def test_missing_contained_reference_rejected(knowledge_copy: Settings) -> None:
    problems = _break(knowledge_copy, "Citation-weerts-2009.json", lambda c: c["contained"].pop())
    assert any("'#author8' not found" in text for _, text in problems)


def test_url_must_match_type_and_id(knowledge_copy: Settings) -> None:
    problems = _break(knowledge_copy, "ValueSet-ssri.json", lambda v: v.update(url=f"{BASE}/ValueSet/other"))
    assert ("ValueSet.url", f"url must be {BASE}/ValueSet/ssri") in problems


def test_canonical_needs_version(knowledge_copy: Settings) -> None:
    problems = _break(knowledge_copy, "ActivityDefinition-monitor-mood.json", lambda a: a.pop("version"))
    assert ("ActivityDefinition.version", "canonical resource has no version") in problems


def test_file_name_must_match_id(knowledge_copy: Settings) -> None:
    problems = _break(knowledge_copy, "ActivityDefinition-monitor-mood.json", lambda a: a.update(id="monitor-moods"))
    assert ("ActivityDefinition.id", "file name must be 'ActivityDefinition-monitor-moods.json'") in problems


def test_broken_extension_definition_rejected(knowledge_copy: Settings) -> None:
    (knowledge_copy.profiles_dir / "StructureDefinition-clinical-use-evidence.json").unlink()
    with pytest.raises(PackageIntegrityError) as err:
        load_package(knowledge_copy)
    assert any("StructureDefinition/clinical-use-evidence' does not resolve" in i.text for i in err.value.issues())


def test_all_problems_reported_at_once(knowledge_copy: Settings) -> None:
    edit_json(knowledge_copy.resources_dir / "ActivityDefinition-monitor-mood.json", lambda a: a.pop("date"))
    problems = _break(knowledge_copy, "ActivityDefinition-monitor-gi-side-effects.json", lambda a: a.pop("status"))
    assert ("ActivityDefinition.date", "canonical resource has no date") in problems
    assert ("ActivityDefinition.status", "canonical resource has no status") in problems
