"""$apply never answers 500: any value of a valid request replaced by one of the wrong type gets a 200 or a 4xx."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from tests.apply import patients

WRONG_VALUES: list[Any] = [None, 7, "x", [], {}, True, [1, "a"], {"resourceType": 5}]


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key)
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*path, i)
            yield from _paths(value, (*path, i))


def _replaced(body: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(body)
    node: Any = out
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return out


def test_apply_plan_definition_wrong_types_never_500(client: TestClient) -> None:
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "subject", "valueString": patients.PATIENT},
            {"name": "data", "resource": patients.on_ssri_and_ldn("R5")},
        ],
    }
    paths = list(_paths(body))
    assert len(paths) > 40
    statuses = set()
    for path in paths:
        for value in WRONG_VALUES:
            response = client.post(
                "/fhir/PlanDefinition/ldn-ssri-augmentation-protocol/$apply",
                content=json.dumps(_replaced(body, path, value)),
                headers={"Content-Type": "application/fhir+json"},
            )
            assert response.status_code < 500, (path, value, response.text)
            assert response.json()["resourceType"] in ("Bundle", "OperationOutcome")
            statuses.add(response.status_code)
    assert {200, 400} <= statuses
