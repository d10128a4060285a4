"""Terminology operations under the request's work budget: expansion size limit, time budget, circular value sets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fhir_ldn.config import Settings
from server.app import create_app
from tests.server.conftest import parameters

CS = "http://example.org/CodeSystem/five"
VS = "http://example.org/ValueSet/five"
SSRI = "https://fhir-ldn.github.io/fhir/ValueSet/ssri"
TX_RESOURCES = [
    ("tx-resource", {"resource": {
        "resourceType": "CodeSystem", "url": CS, "status": "active", "content": "complete",
        "concept": [{"code": f"c{i}"} for i in range(5)],
    }}),
    ("tx-resource", {"resource": {
        "resourceType": "ValueSet", "url": VS, "status": "active", "compose": {"include": [{"system": CS}]},
    }}),
]  # fmt: skip


@pytest.fixture(scope="module")
def small_limits() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(max_expansion_size=3))) as client:
        yield client


def _only_issue(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert len(outcome["issue"]) == 1
    issue: dict[str, Any] = outcome["issue"][0]
    return issue


def _message_id(issue: dict[str, Any]) -> str | None:
    return next((e["valueString"] for e in issue.get("extension", ()) if e["url"].endswith("message-id")), None)


def test_an_expansion_larger_than_the_limit_is_too_costly(small_limits: TestClient) -> None:
    response = small_limits.post("/fhir/ValueSet/$expand", json=parameters(("url", {"valueUri": VS}), *TX_RESOURCES))
    issue = _only_issue(response, 422)
    assert issue["code"] == "too-costly"
    assert _message_id(issue) == "VALUESET_TOO_COSTLY"
    assert "too many codes" in issue["details"]["text"]
    assert "5, more than the limit of 3" in issue["details"]["text"]


def test_a_page_within_the_limit_is_answered(small_limits: TestClient) -> None:
    body = parameters(("url", {"valueUri": VS}), ("count", {"valueInteger": 3}), *TX_RESOURCES)
    response = small_limits.post("/fhir/ValueSet/$expand", json=body)
    assert response.status_code == 200, response.text
    expansion = response.json()["expansion"]
    assert expansion["total"] == 5
    assert [c["code"] for c in expansion["contains"]] == ["c0", "c1", "c2"]


def test_the_limit_applies_to_held_value_sets_answered_on_the_loop(small_limits: TestClient) -> None:
    issue = _only_issue(small_limits.get("/fhir/ValueSet/$expand", params={"url": SSRI}), 422)
    assert issue["code"] == "too-costly"
    assert small_limits.get("/fhir/ValueSet/$expand", params={"url": SSRI, "count": "2"}).status_code == 200


def test_a_spent_time_budget_answers_too_costly() -> None:
    with TestClient(create_app(Settings(work_budget=1e-9))) as client:
        response = client.post("/fhir/ValueSet/$expand", json=parameters(("url", {"valueUri": VS}), *TX_RESOURCES))
    issue = _only_issue(response, 422)
    assert issue["code"] == "too-costly"
    assert "FHIR_LDN_WORK_BUDGET" in issue["details"]["text"]


@pytest.mark.parametrize("operation", ["ValueSet/$expand", "ValueSet/$validate-code"])
def test_a_circular_value_set_is_refused_with_the_cycle(fhir_client: TestClient, operation: str) -> None:
    one, two = "http://example.org/ValueSet/one", "http://example.org/ValueSet/two"
    body = parameters(
        ("url", {"valueUri": one}),
        ("coding", {"valueCoding": {"system": CS, "code": "c1"}}),
        TX_RESOURCES[0],
        ("tx-resource", {"resource": {"resourceType": "ValueSet", "url": one, "version": "1", "status": "active",
                                      "compose": {"include": [{"system": CS}, {"valueSet": [two]}]}}}),
        ("tx-resource", {"resource": {"resourceType": "ValueSet", "url": two, "version": "1", "status": "active",
                                      "compose": {"include": [{"system": CS}], "exclude": [{"valueSet": [one]}]}}}),
    )  # fmt: skip
    issue = _only_issue(fhir_client.post(f"/fhir/{operation}", json=body), 422)
    assert issue["code"] == "processing"
    assert _message_id(issue) == "VALUESET_CIRCULAR_REFERENCE"
    assert issue["details"]["coding"][0]["code"] == "vs-invalid"
    assert f"{one}|1 -> {two}|1 -> {one}|1" in issue["details"]["text"]


def test_the_limits_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {"FHIR_LDN_WORK_BUDGET": "2.5", "FHIR_LDN_MAX_EXPANSION_SIZE": "50", "FHIR_LDN_SHUTDOWN_GRACE": "7"}
    )
    assert (settings.work_budget, settings.max_expansion_size, settings.shutdown_grace) == (2.5, 50, 7)
    assert (Settings().work_budget, Settings().max_expansion_size, Settings().shutdown_grace) == (10.0, 1000, 3)
