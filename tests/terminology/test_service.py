"""The service: resolution, request-scoped resources, cached membership, the fallback, the package's value sets."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_ldn.constants import ATC, RXNORM
from fhir_ldn.errors import RequestError
from fhir_ldn.package.index import Package
from fhir_ldn.terminology import TerminologyService
from tests.terminology.conftest import ID, PARTIAL, SHAPES, TS, VERSIONED, VS, out, params, value_set

EXTRA = "http://example.org/fhir/CodeSystem/extra"
EXTRA_CS = {
    "resourceType": "CodeSystem",
    "url": EXTRA,
    "status": "active",
    "content": "complete",
    "concept": [{"code": "x", "display": "X"}],
}
EXTRA_VS = value_set("extra", {"system": EXTRA})


def test_tx_resources_are_used_for_that_request_only(service: TerminologyService) -> None:
    request = params(
        ("tx-resource", {"resource": EXTRA_CS}),
        ("tx-resource", {"resource": EXTRA_VS}),
        url=VS + "extra",
        code="x",
        system=EXTRA,
    )
    assert out(service.validate_value_set_code(request))["result"] is True
    assert service.find_value_set(VS + "extra") is None
    assert service.find_code_system(EXTRA) is None
    with pytest.raises(Exception, match="could not be found"):
        service.validate_value_set_code(params(url=VS + "extra", code="x", system=EXTRA))


def test_a_request_may_shadow_a_held_code_system_without_changing_it(service: TerminologyService) -> None:
    shadow = {
        "resourceType": "CodeSystem",
        "url": SHAPES,
        "version": "1.0.0",
        "status": "active",
        "content": "complete",
        "concept": [{"code": "blob", "display": "Blob"}],
    }
    shadowed = out(
        service.validate_value_set_code(
            params(("tx-resource", {"resource": shadow}), url=VS + "all-shapes", code="blob", system=SHAPES)
        )
    )
    assert shadowed["result"] is True
    assert (
        out(service.validate_value_set_code(params(url=VS + "all-shapes", code="blob", system=SHAPES)))["result"]
        is False
    )
    assert service.contains(VS + "all-shapes", SHAPES, "circle") is True


def test_with_resources_rejects_what_is_not_terminology(service: TerminologyService) -> None:
    with pytest.raises(RequestError, match="cannot be used as a terminology resource"):
        service.with_resources([{"resourceType": "Patient", "id": "p"}])
    assert service.with_resources([]) is service


def test_members_are_cached_frozensets_honouring_compose_inactive(service: TerminologyService) -> None:
    members = service.members(VS + "active-shapes")
    assert isinstance(members, frozenset)
    assert (SHAPES, "circle") in members
    assert (SHAPES, "oval") not in members
    assert service.members(VS + "active-shapes") is members
    with pytest.raises(KeyError):
        service.members(VS + "unknown")


def test_contains_says_none_when_it_cannot_know(service: TerminologyService) -> None:
    assert service.contains(VS + "partial-all", PARTIAL, "known") is True
    assert service.contains(VS + "partial-all", PARTIAL, "elsewhere") is None  # a fragment
    assert service.contains(VS + "partial-listed", PARTIAL, "elsewhere") is False
    unheld = service.with_resources([value_set("unheld", {"system": "http://example.org/unheld"})])
    assert unheld.contains(VS + "unheld", "http://example.org/unheld", "1") is None
    assert service.contains(VS + "round", SHAPES, "square") is False


def test_coding_and_codeable_concept_membership(service: TerminologyService) -> None:
    assert service.coding_in(VS + "round", {"system": SHAPES, "code": "circle"})
    assert not service.coding_in(VS + "round", {"system": SHAPES, "code": "square"})
    assert not service.coding_in(VS + "round", {"code": "circle"})
    cc = {"coding": [{"system": "http://other", "code": "1"}, {"system": SHAPES, "code": "oval"}]}
    assert service.codeable_concept_in(VS + "round", cc)
    assert not service.codeable_concept_in(VS + "triangles", cc)


def test_latest_version_unless_one_is_asked_for(service: TerminologyService) -> None:
    latest = service.find_code_system(VERSIONED)
    assert latest is not None
    assert latest.version == "2.0.0"
    older = service.find_code_system(VERSIONED, "1.0.0")
    assert older is not None
    assert older.version == "1.0.0"
    assert service.find_code_system(VERSIONED, "3") is None
    assert service.find_value_set(VS + "round|1") is not None
    assert service.find_value_set(VS + "round|2") is None


def test_the_fallback_supplies_resources_on_demand_once() -> None:
    asked: list[str] = []

    def fallback(url: str) -> dict[str, Any] | None:
        asked.append(url)
        return EXTRA_CS if url == EXTRA else None

    service = TerminologyService([EXTRA_VS], fallback=fallback)
    assert service.contains(VS + "extra", EXTRA, "x") is True
    assert service.find_code_system(EXTRA) is not None
    assert service.find_code_system("http://example.org/nothing") is None
    assert asked.count(EXTRA) == 1
    assert "http://example.org/nothing" in asked


def test_validate_binding_for_the_validator(service: TerminologyService) -> None:
    good = service.validate_binding(VS + "triangles", coding={"system": SHAPES, "code": "equilateral"})
    assert good.result is True
    assert good.display == "Equilateral triangle"
    assert good.issues == []
    bad = service.validate_binding(
        VS + "triangles", codeable_concept={"coding": [{"system": SHAPES, "code": "circle"}]}
    )
    assert bad.result is False
    assert bad.message is not None
    assert "No valid coding" in bad.message


def test_the_package_value_sets_answer_the_clinical_question(package: Package) -> None:
    service = TerminologyService(r for r in package if r["resourceType"] in ("CodeSystem", "ValueSet", "ConceptMap"))
    ssri = package.require("ValueSet", "ssri")["url"]
    naltrexone = package.require("ValueSet", "naltrexone")["url"]
    assert service.coding_in(ssri, {"system": RXNORM, "code": "36437"})  # sertraline
    assert service.coding_in(ssri, {"system": ATC, "code": "N06AB06"})
    assert not service.coding_in(ssri, {"system": RXNORM, "code": "7243"})
    assert service.coding_in(naltrexone, {"system": RXNORM, "code": "7243"})
    assert service.coding_in(naltrexone, {"system": RXNORM, "code": "1483744"})
    expansion = service.expand(params(url=ssri, count=0), timestamp=TS, identifier=ID)["expansion"]
    assert expansion["total"] == len(service.members(ssri))


def test_rxnorm_is_a_fragment_unknown_codes_are_not_called_invalid(package: Package) -> None:
    service = TerminologyService(r for r in package if r["resourceType"] in ("CodeSystem", "ValueSet"))
    result = out(service.validate_code_system_code(params(url=RXNORM, code="999999999")))
    assert result["result"] is True
    assert "message" not in result  # a warning that does not make the code wrong: the issue says it
    issue = result["issues"]["issue"][0]
    assert "labeled as a fragment, so the code may be valid in some other fragment" in issue["details"]["text"]
    assert issue["severity"] == "warning"
    assert issue["details"]["coding"][0]["code"] == "invalid-code"
    assert out(service.validate_code_system_code(params(url=RXNORM, code="7243")))["display"] == "naltrexone"
