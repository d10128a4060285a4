"""Any value of the wrong type anywhere in a request is a 4xx or is ignored, never a 500."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fhir_ldn.config import Settings
from server.app import create_app
from tests.server.cds_support import (
    SERVICE,
    capsule_medication_r4,
    hook_request,
    ldn,
    med_request,
    ssri,
    validate,
)

JUNK: list[Any] = [None, "x", 7, True, [], {}, [{"a": 1}], {"a": [1]}]


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*prefix, i)
            yield from paths(value, (*prefix, i))


def replaced(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(body)
    node = out
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return out


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(data_dir=tmp_path_factory.mktemp("robust")))) as c:
        yield c


def base_request() -> dict[str, Any]:
    compounded = med_request("cmp", "", medication_reference="#med", contained=[capsule_medication_r4("med", 4.5)])
    compounded["dosageInstruction"] = [
        {
            "sequence": 1,
            "doseAndRate": [{"doseQuantity": {"value": 1, "code": "{capsule}"}}],
            "timing": {
                "repeat": {"frequency": 1, "period": 1, "periodUnit": "d"},
                "code": {"coding": [{"code": "QD"}]},
            },
        }
    ]
    body = hook_request("order-sign", [ssri(), compounded], current=[ldn()])
    statement = {
        "resourceType": "MedicationStatement",
        "id": "ms",
        "status": "recorded",
        "medication": {"reference": {"reference": "Medication/r5"}},
        "dosage": [{"doseAndRate": [{"doseRange": {"high": {"value": 1, "code": "mg"}}}], "timing": {"code": {}}}],
        "effectivePeriod": {"start": "2026-01-01"},
    }
    medication = {
        "resourceType": "Medication",
        "id": "r5",
        "ingredient": [
            {
                "item": {"concept": {"coding": [{"system": "s", "code": "c"}]}, "reference": {"reference": "#x"}},
                "strengthRatio": {"numerator": {"value": 1, "code": "mg"}, "denominator": {"value": 1}},
            }
        ],
    }
    body["prefetch"]["medicationStatements"] = {
        "resourceType": "Bundle",
        "link": [{"relation": "self", "url": "http://x"}],
        "entry": [{"resource": statement}, {"fullUrl": "urn:uuid:1", "resource": medication}],
    }
    return body


def test_wrong_types_anywhere_in_a_card_request_never_give_500(client: TestClient) -> None:
    body = base_request()
    statuses: set[int] = set()
    for path in paths(body):
        for junk in JUNK:
            response = client.post(f"/cds-services/{SERVICE}", json=replaced(body, path, junk))
            assert response.status_code in (200, 400, 412), (path, junk, response.text)
            if response.status_code == 200:
                validate("response", response.json())
            statuses.add(response.status_code)
    assert {200, 400} <= statuses  # both paths were exercised (412: prefetch replaced by something without data)


def test_wrong_types_anywhere_in_feedback_never_give_500(client: TestClient) -> None:
    body = {
        "feedback": [
            {
                "card": "c",
                "outcome": "accepted",
                "outcomeTimestamp": "2026-01-01T00:00:00Z",
                "acceptedSuggestions": [{"id": "s"}],
                "overrideReason": {"reason": {"system": "s", "code": "c", "display": "d"}, "userComment": "u"},
            }
        ]
    }
    for path in paths(body):
        for junk in JUNK:
            response = client.post(f"/cds-services/{SERVICE}/feedback", json=replaced(body, path, junk))
            assert response.status_code in (200, 400), (path, junk, response.text)
