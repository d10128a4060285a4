"""Status notes: deprecated, withdrawn, draft and experimental resources, and codes a value set deprecates."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_ldn.constants import EXT_STANDARDS_STATUS, EXT_VS_DEPRECATED
from fhir_ldn.terminology import TerminologyService
from fhir_ldn.terminology.status import status_label
from tests.terminology.conftest import ID, TS, VS, concept, out, params, value_set

OLD = "http://example.org/fhir/CodeSystem/old"
DRAFT = "http://example.org/fhir/CodeSystem/draft"


def code_system(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "CodeSystem",
        "url": url,
        "version": "0.1.0",
        "status": "active",
        "content": "complete",
        "concept": [concept("a", "A"), concept("b", "B")],
        **extra,
    }


WITHDRAWN_VS = {
    **value_set("withdrawn", {"system": OLD}),
    "extension": [{"url": EXT_STANDARDS_STATUS, "valueCode": "withdrawn"}],
}
RESOURCES = [
    code_system(OLD, extension=[{"url": EXT_STANDARDS_STATUS, "valueCode": "deprecated"}]),
    code_system(DRAFT, status="draft"),
    WITHDRAWN_VS,
    value_set("imports-withdrawn", {"valueSet": [VS + "withdrawn"]}),
    value_set(
        "deprecating",
        {
            "system": DRAFT,
            "concept": [{"code": "a"}, {"code": "b", "extension": [{"url": EXT_VS_DEPRECATED, "valueBoolean": True}]}],
        },
    ),
]


@pytest.fixture
def service() -> TerminologyService:
    return TerminologyService(RESOURCES)


def test_labels_come_from_standards_status_status_and_experimental() -> None:
    assert status_label(RESOURCES[0]) == "deprecated"
    assert status_label(RESOURCES[1]) == "draft"
    assert status_label(WITHDRAWN_VS) == "withdrawn"
    assert status_label({"resourceType": "CodeSystem", "status": "active", "experimental": True}) == "experimental"
    assert status_label({"resourceType": "ValueSet", "status": "draft"}) is None  # only code systems' drafts
    assert status_label({"resourceType": "ValueSet", "status": "retired"}) == "retired"


def test_expansions_name_what_they_depend_on(service: TerminologyService) -> None:
    expansion = service.expand(params(url=VS + "imports-withdrawn"), timestamp=TS, identifier=ID)["expansion"]
    warnings = {(p["name"], p["valueUri"]) for p in expansion["parameter"] if p["name"].startswith("warning-")}
    assert warnings == {("warning-deprecated", f"{OLD}|0.1.0"), ("warning-withdrawn", f"{VS}withdrawn|1")}
    assert "contains" in expansion
    assert all("contains" not in c for c in expansion["contains"])


def test_validation_notes_them_as_information(service: TerminologyService) -> None:
    result = out(
        service.validate_value_set_code(
            params(url=VS + "withdrawn", coding={"valueCoding": {"system": OLD, "code": "a"}})
        )
    )
    assert result["result"] is True
    texts = sorted(i["details"]["text"] for i in result["issues"]["issue"])
    assert texts == [
        f"Reference to deprecated CodeSystem {OLD}|0.1.0",
        f"Reference to withdrawn ValueSet {VS}withdrawn|1",
    ]
    assert {i["severity"] for i in result["issues"]["issue"]} == {"information"}
    assert "message" not in result


def test_a_code_the_value_set_deprecates_is_valid_with_a_warning(service: TerminologyService) -> None:
    def check(code: str) -> dict[str, Any]:
        coding = {"valueCoding": {"system": DRAFT, "code": code}}
        return out(service.validate_value_set_code(params(url=VS + "deprecating", coding=coding)))

    deprecated = check("b")
    assert deprecated["result"] is True
    warnings = [i for i in deprecated["issues"]["issue"] if i["severity"] == "warning"]
    assert [w["extension"][0]["valueString"] for w in warnings] == ["CONCEPT_DEPRECATED_IN_VALUESET"]
    assert [i["severity"] for i in check("a")["issues"]["issue"]] == ["information"]  # the draft code system only
