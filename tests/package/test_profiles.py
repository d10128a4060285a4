"""The package's profiles: every resource declares one and conforms (0 errors, 0 warnings); the rules bite."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from fhir_ldn.package.index import Package
from fhir_ldn.validation.session import Options, Session
from fhir_ldn.validation.validator import Validator, default_source, package_validator

BASE = "https://fhir-ldn.github.io/fhir/StructureDefinition/"
BEST_PRACTICE = re.compile(r"Constraint failed: (dom-6|eld-24):")


@pytest.fixture(scope="module")
def validator(package: Package) -> Validator:
    return package_validator(package)


def test_every_resource_declares_a_package_profile(package: Package) -> None:
    for resource in package:
        if resource["resourceType"] == "StructureDefinition":
            continue
        profiles = resource.get("meta", {}).get("profile", [])
        assert len(profiles) == 1, resource["id"]
        assert profiles[0].startswith(BASE), resource["id"]
        assert package.resolve_canonical(profiles[0]) is not None


def test_every_resource_conforms_without_errors_or_warnings(package: Package, validator: Validator) -> None:
    problems = {}
    for resource in package:
        result = validator.validate_resource(resource)
        found = [f"{i.severity} {i.expression}: {i.text}" for i in result.issues]
        if found:
            problems[f"{resource['resourceType']}/{resource['id']}"] = found
    assert problems == {}


def test_no_best_practice_warning_but_fixed_extension_urls(package: Package) -> None:
    """dom-6 (narrative, contained resources too) and eld-24 (pattern[x], not fixed[x]) hold everywhere, except
    that an extension definition fixes its Extension.url, as the HL7 validator requires (SD_EXTENSION_URL_MISSING)."""
    validator = Validator(Session(default_source(list(package)), options=Options(best_practice=True)))
    problems: dict[str, list[str]] = {}
    extension_urls = 0
    for resource in package:
        result = validator.validate_resource(resource)
        for issue in result.issues:
            if not BEST_PRACTICE.search(issue.text):
                continue
            where = re.fullmatch(r"StructureDefinition\.differential\.element\[(\d+)\]", issue.expression or "")
            if where and "eld-24" in issue.text and resource.get("type") == "Extension":
                element = resource["differential"]["element"][int(where.group(1))]
                if element["path"] == "Extension.url" and element.get("fixedUri") == resource["url"]:
                    extension_urls += 1
                    continue
            problems.setdefault(f"{resource['resourceType']}/{resource['id']}", []).append(
                f"{issue.severity} {issue.expression}: {issue.text}"
            )
    assert problems == {}
    assert extension_urls == len([sd for sd in package.of_type("StructureDefinition") if sd["type"] == "Extension"])


def test_every_profile_has_a_snapshot(package: Package, validator: Validator) -> None:
    registry = validator.session.registry
    for sd in package.of_type("StructureDefinition"):
        structure = registry.compiled(sd["url"])
        assert structure is not None, registry.snapshot_errors
        assert structure.root is not None
        assert "snapshot" not in sd  # authored as a differential only


def errors_of(validator: Validator, resource: dict[str, Any]) -> list[str]:
    return [i.text for i in validator.validate_resource(resource).issues if i.severity == "error"]


def test_interactions_need_evidence_a_fixed_type_and_a_bound_effect(package: Package, validator: Validator) -> None:
    cud = copy.deepcopy(package.require("ClinicalUseDefinition", "interaction-ldn-ssri-serotonin-syndrome"))
    del cud["extension"]
    cud["type"] = "indication"
    cud["interaction"]["effect"]["concept"]["coding"][0]["code"] = "gi-upset"
    found = errors_of(validator, cud)
    assert any("ClinicalUseDefinition.extension:evidence': a matching slice is required" in t for t in found)
    assert any("Value is 'indication' but is fixed to 'interaction'" in t for t in found)
    assert any(
        "not in the value set 'LDN + SSRI interaction effects'" in t or "None of the codings" in t for t in found
    )


def test_titration_steps_stay_within_low_dose(package: Package, validator: Validator) -> None:
    titration = copy.deepcopy(package.require("ActivityDefinition", "ldn-titration"))
    assert errors_of(validator, titration) == []
    titration["dosage"][1]["maxDosePerPeriod"][0]["numerator"]["value"] = 50
    assert [t[:28] for t in errors_of(validator, titration)] == ["Constraint failed: ldn-tit-1"]


def test_journal_articles_need_a_doi(package: Package, validator: Validator) -> None:
    citation = copy.deepcopy(package.require("Citation", "mischoulon-2017"))
    citation["citedArtifact"]["identifier"][0]["value"] = "doi:10.1016/x"
    assert [t[:28] for t in errors_of(validator, citation)] == ["Constraint failed: ldn-doi-1"]
    citation["citedArtifact"]["identifier"][0]["system"] = "https://doi.org/"
    assert any("identifier:doi': a matching slice is required" in t for t in errors_of(validator, citation))


def test_the_cds_rule_is_fhirpath_on_named_events(package: Package, validator: Validator) -> None:
    rule = copy.deepcopy(package.require("PlanDefinition", "ldn-ssri-cds"))
    rule["action"][0]["action"][1]["condition"][0]["expression"]["language"] = "text/cql"
    rule["action"][0]["trigger"][0]["type"] = "periodic"
    found = errors_of(validator, rule)
    assert any("fixed to 'named-event'" in t for t in found)
    assert any(t.startswith("Constraint failed: ldn-cds-1") for t in found)


def test_fragments_have_no_version_of_their_own(package: Package, validator: Validator) -> None:
    fragment = copy.deepcopy(package.require("CodeSystem", "rxnorm-fragment"))
    fragment["version"] = "2024"
    assert any("CodeSystem.version: max allowed = 0" in t for t in errors_of(validator, fragment))
