"""The CDS load benchmark measures what it says: its baselines and floor answer as documented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bench import cds_load


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    for name, value in (cds_load.SERVER_ENV | {"FHIR_LDN_DATA_DIR": str(tmp_path)}).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(cds_load, "_floor_answer", [])
    return TestClient(cds_load.app_with_trivial())


def test_the_realistic_request_gets_the_low_dose_card(client: TestClient) -> None:
    body = json.dumps(cds_load.realistic_request())
    with client:
        answer = client.post(f"/cds-services/{cds_load.SERVICE}", content=body)
    assert answer.status_code == 200
    [card] = answer.json()["cards"]
    assert card["suggestions"]  # the card call's full work: a card with applied suggestions


def test_the_floor_answers_the_card_calls_own_response_and_the_trivial_endpoint_nothing(client: TestClient) -> None:
    body = json.dumps(cds_load.realistic_request())
    with client:
        floor = [client.post("/bench/floor", content=body) for _ in range(2)]
        card = client.post(f"/cds-services/{cds_load.SERVICE}", content=body).json()
        trivial = client.post("/bench/trivial", content=body)
    assert [f.status_code for f in floor] == [200, 200]
    assert floor[0].content == floor[1].content  # worked out once, then the same bytes
    first = floor[0].json()
    for fresh in (first, card):  # uuids are new on every call; all else is the card call's answer
        for c in fresh["cards"]:
            c.pop("uuid")
            for s in c["suggestions"]:
                s.pop("uuid")
    assert first == card
    assert trivial.json() == {"cards": []}


def test_the_trivial_and_floor_routes_come_before_the_apps_own(client: TestClient) -> None:
    paths = [getattr(route, "path", None) for route in client.app.router.routes]  # type: ignore[attr-defined]
    assert paths[:2] == ["/bench/trivial", "/bench/floor"]
    assert cds_load.trivial_app().router.routes[-1].path == "/bench/trivial"  # type: ignore[attr-defined]
