"""Feedback: validated, stored in SQLite (WAL) before it is acknowledged, idempotent, kept across restarts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from fhir_ldn.config import Settings
from server.app import create_app
from tests.server.cds_support import SERVICE, hook_request, ldn, ssri, validate
from tests.server.databases import BACKENDS, database_url

URL = f"/cds-services/{SERVICE}/feedback"


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_url(request.param, tmp_path, request)


def settings_for(url: str) -> Settings:
    return Settings(database_url=url)


def overridden(card: str, code: str = "will-monitor", stamp: str = "2026-11-25T10:00:00.52Z") -> dict[str, Any]:
    return {
        "card": card,
        "outcome": "overridden",
        "outcomeTimestamp": stamp,
        "overrideReason": {
            "reason": {
                "system": "https://fhir-ldn.github.io/fhir/CodeSystem/ldn-ssri-concepts",
                "code": code,
                "display": "Will monitor as advised",
            },
            "userComment": "seen",
        },
    }


def post(client: TestClient, items: list[dict[str, Any]]) -> dict[str, Any]:
    body = {"feedback": items}
    validate("feedback", body)
    response = client.post(URL, json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_feedback_for_a_real_card_is_stored_and_survives_a_restart(db_url: str) -> None:
    with TestClient(create_app(settings_for(db_url))) as client:
        cards = client.post(f"/cds-services/{SERVICE}", json=hook_request("order-select", [ssri()], current=[ldn()]))
        card = cards.json()["cards"][0]
        accepted = {
            "card": card["uuid"],
            "outcome": "accepted",
            "outcomeTimestamp": "2026-11-25T10:01:00Z",
            "acceptedSuggestions": [{"id": card["suggestions"][0]["uuid"]}],
        }
        assert post(client, [overridden(card["uuid"]), accepted]) == {"received": 2, "stored": 2}
        assert post(client, [overridden(card["uuid"])]) == {"received": 1, "stored": 0}  # a repeat changes nothing
    with TestClient(create_app(settings_for(db_url))) as restarted:
        summary = restarted.get(URL).json()
    assert summary["total"] == 2
    assert summary["outcomes"] == {"accepted": 1, "overridden": 1}
    assert summary["overrideReasons"] == [
        {
            "system": "https://fhir-ldn.github.io/fhir/CodeSystem/ldn-ssri-concepts",
            "code": "will-monitor",
            "display": "Will monitor as advised",
            "count": 1,
        }
    ]
    assert summary["userComments"] == 1
    engine = create_engine(db_url)
    try:
        with engine.connect() as db:
            if db_url.startswith("sqlite"):
                assert db.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            query = "SELECT card, outcome, outcome_timestamp, accepted_suggestions FROM cds_feedback"
            rows = [tuple(row) for row in db.execute(text(query))]
    finally:
        engine.dispose()
    assert sorted(r[1] for r in rows) == ["accepted", "overridden"]
    assert (card["uuid"], "overridden", "2026-11-25T10:00:00.520000Z") in [r[:3] for r in rows]


def test_the_sandbox_dismissal_shape_is_accepted(db_url: str) -> None:
    sandbox = {
        "card": "0d0c6f2e-7b3c-4b8e-9a52-7f0f5c4b7f10",
        "outcome": "overridden",
        "outcomeTimestamp": "2026-11-25T10:02:03.004Z",
        "overrideReason": {"reason": {"code": "x", "system": "http://example.org/r"}},
    }
    with TestClient(create_app(settings_for(db_url))) as client:
        assert post(client, [sandbox])["stored"] == 1
        assert client.get(URL).json()["overrideReasons"] == [
            {"system": "http://example.org/r", "code": "x", "count": 1}
        ]


def test_empty_summary(db_url: str) -> None:
    with TestClient(create_app(settings_for(db_url))) as client:
        assert client.get(URL).json() == {
            "service": SERVICE,
            "total": 0,
            "outcomes": {},
            "overrideReasons": [],
            "userComments": 0,
        }


BAD = {
    "not an object": [],
    "no feedback": {},
    "empty feedback": {"feedback": []},
    "item not an object": {"feedback": ["x"]},
    "missing card": {"feedback": [{"outcome": "overridden", "outcomeTimestamp": "2026-01-01T00:00:00Z"}]},
    "bad outcome": {"feedback": [{"card": "c", "outcome": "ignored", "outcomeTimestamp": "2026-01-01T00:00:00Z"}]},
    "accepted without suggestions": {
        "feedback": [{"card": "c", "outcome": "accepted", "outcomeTimestamp": "2026-01-01T00:00:00Z"}]
    },
    "timestamp without zone": {
        "feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-01-01T00:00:00"}]
    },
    "timestamp not a date": {"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "yesterday"}]},
    "timestamp before year 1 in UTC": {  # found by bench.fuzz: it was a 500 (OverflowError)
        "feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "0001-01-01T00:00:00+00:01"}]
    },
    "empty override reason": {
        "feedback": [
            {"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-01-01T00:00:00Z", "overrideReason": {}}
        ]
    },
    "reason without code": {
        "feedback": [
            {
                "card": "c",
                "outcome": "overridden",
                "outcomeTimestamp": "2026-01-01T00:00:00Z",
                "overrideReason": {"reason": {"system": "s"}},
            }
        ]
    },
}


@pytest.mark.parametrize("name", list(BAD))
def test_invalid_feedback_gets_400_and_stores_nothing(db_url: str, name: str) -> None:
    with TestClient(create_app(settings_for(db_url))) as client:
        response = client.post(URL, json=BAD[name])
        assert response.status_code == 400, response.text
        assert response.json()["resourceType"] == "OperationOutcome"
        assert client.get(URL).json()["total"] == 0


def test_malformed_json_feedback_gets_400(db_url: str) -> None:
    with TestClient(create_app(settings_for(db_url))) as client:
        response = client.post(URL, content=b"{feedback", headers={"Content-Type": "application/json"})
        assert response.status_code == 400


def test_one_bad_item_rejects_the_whole_request(db_url: str) -> None:
    with TestClient(create_app(settings_for(db_url))) as client:
        response = client.post(URL, json={"feedback": [overridden("good"), {"card": "bad"}]})
        assert response.status_code == 400
        assert client.get(URL).json()["total"] == 0
