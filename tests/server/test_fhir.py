"""No input makes a FHIR endpoint fail: malformed requests get a 4xx OperationOutcome (bounded random probe)."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from tests.server.conftest import FHIR_JSON, parameters

CS = {
    "resourceType": "CodeSystem",
    "url": "http://e/cs",
    "status": "active",
    "content": "complete",
    "concept": [{"code": "a", "display": "A", "concept": [{"code": "b"}]}],
}
VS = {
    "resourceType": "ValueSet",
    "url": "http://e/vs",
    "status": "active",
    "compose": {
        "include": [{"system": "http://e/cs", "filter": [{"property": "concept", "op": "is-a", "value": "a"}]}]
    },
}
BASE = parameters(
    ("url", {"valueUri": "http://e/vs"}),
    ("tx-resource", {"resource": CS}),
    ("tx-resource", {"resource": VS}),
    ("coding", {"valueCoding": {"system": "http://e/cs", "code": "b", "display": "B"}}),
    ("system", {"valueUri": "http://e/cs"}),
    ("codeA", {"valueCode": "a"}),
    ("codeB", {"valueCode": "b"}),
    ("sourceCode", {"valueCode": "a"}),
    ("count", {"valueInteger": 1}),
)
ODD = [None, 1, -1, "", "x", [], {}, [1], {"a": 1}, True, [{"code": 1}], "http://e/vs|"]
OPERATIONS = [
    "ValueSet/$expand",
    "ValueSet/$validate-code",
    "CodeSystem/$validate-code",
    "CodeSystem/$lookup",
    "CodeSystem/$subsumes",
    "ConceptMap/$translate",
]
CASES = 300


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if path:
        yield path
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield from _paths(value, (*path, key))


def mutated(rng: random.Random) -> dict[str, Any]:
    body = copy.deepcopy(BASE)
    for _ in range(rng.randint(1, 2)):
        path = rng.choice(list(_paths(body)))
        target = body
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = rng.choice(ODD)
    return body


def test_malformed_operation_requests_get_4xx_operation_outcomes(client: TestClient) -> None:
    rng = random.Random(4)  # fixed: the same probe every run
    seen = set()
    for _ in range(CASES):
        operation = rng.choice(OPERATIONS)
        response = client.post(
            f"/fhir/{operation}", content=json.dumps(mutated(rng)), headers={"Content-Type": FHIR_JSON}
        )
        assert response.status_code < 500, (operation, response.text)
        seen.add(response.status_code)
        if response.status_code >= 400:
            assert response.json()["resourceType"] == "OperationOutcome"
    assert {200, 400} <= seen  # the probe reached both valid and rejected requests
