"""Discovery as real CDS clients keep it: whatever a client keys the discovered services by, every hook still
reaches a service that answers it (the cds-hooks sandbox once lost order-select this way)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fhir_ldn.config import Settings
from server.app import create_app
from tests.server.cds_support import LDN_CARD, sandbox_request, summaries, validate

HOOKS = ["order-select", "order-sign"]
DISCOVERY_URL = "http://testserver/cds-services"
Registry = dict[str, dict[str, Any]]


def keyed_by_service_url(services: list[dict[str, Any]]) -> Registry:
    """The cds-hooks sandbox (`src/reducers/cds-services-reducers.js`): `configuredServices[{discovery URL}/{id}]`."""
    return {f"{DISCOVERY_URL}/{s['id']}": s for s in services}


def keyed_by_id(services: list[dict[str, Any]]) -> Registry:
    """A client that keeps a map of services by `id` (an id is the last segment of a service's URL)."""
    return {s["id"]: s for s in services}


def keyed_by_hook(services: list[dict[str, Any]]) -> Registry:
    """An EHR configured with one service per hook."""
    return {s["hook"]: s for s in services}


CLIENTS: dict[str, Callable[[list[dict[str, Any]]], Registry]] = {
    "sandbox: by {url}/{id}": keyed_by_service_url,
    "by id": keyed_by_id,
    "one entry per hook": keyed_by_hook,
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("cds-clients"))
    with TestClient(create_app(settings)) as c:
        yield c


def discovered(client: TestClient) -> list[dict[str, Any]]:
    body: dict[str, Any] = client.get("/cds-services").json()
    validate("discovery", body)
    services: list[dict[str, Any]] = body["services"]
    return services


def sandbox_call(hook: str) -> dict[str, Any]:
    """What the sandbox sends on Rx View (order-select) and Rx Sign (order-sign): a sertraline draft with a pill
    count, the patient's LDN 4.5 mg order in the prefetch."""
    body = sandbox_request()
    body["hook"] = hook
    if hook == "order-sign":
        del body["context"]["selections"]
    validate("request", body)
    return body


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize("name", list(CLIENTS))
def test_every_hook_reaches_a_service_that_answers_it(client: TestClient, name: str, hook: str) -> None:
    registry = CLIENTS[name](discovered(client))
    chosen = [s for s in registry.values() if s["hook"] == hook]  # the sandbox's getServicesByHook
    assert chosen, f"a client keeping services {name} has no service for {hook}"
    for service in chosen:
        response = client.post(f"/cds-services/{service['id']}", json=sandbox_call(hook))
        assert response.status_code == 200, response.text
        result = response.json()
        validate("response", result)
        assert [c["summary"].startswith(LDN_CARD) for c in result["cards"]] == [True], summaries(result)


@pytest.mark.parametrize("hook", HOOKS)
def test_a_client_calling_every_service_of_a_hook_calls_one(client: TestClient, hook: str) -> None:
    """A client that calls every service listed for the hook gets one card, not the same card from several ids."""
    assert len([s for s in discovered(client) if s["hook"] == hook]) == 1


def test_what_a_client_keeps_is_all_of_discovery(client: TestClient) -> None:
    services = discovered(client)
    for name, keep in CLIENTS.items():
        assert sorted(keep(services).values(), key=lambda s: s["id"]) == sorted(services, key=lambda s: s["id"]), name


def test_the_readme_sandbox_recipe_order_gives_the_ldn_card(client: TestClient) -> None:
    """The LDN order the README's sandbox recipe puts on the FHIR server, prefetched as the sandbox does, with the
    sandbox's sertraline draft (a pill count) on Rx View and Rx Sign, through the ids discovery lists."""
    examples = Path(__file__).resolve().parents[2] / "docs" / "examples"
    order = json.loads((examples / "sandbox-ldn-order.json").read_text(encoding="utf-8"))
    patient = json.loads((examples / "sandbox-patient.json").read_text(encoding="utf-8"))
    assert order["subject"] == {"reference": f"Patient/{patient['id']}"}
    for service in discovered(client):
        body = sandbox_call(service["hook"])
        body["context"]["patientId"] = patient["id"]
        body["prefetch"] = {
            "medicationRequests": {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": order}]},
            "medicationStatements": None,
        }
        result = client.post(f"/cds-services/{service['id']}", json=body).json()
        assert [c["summary"].startswith(LDN_CARD) for c in result["cards"]] == [True], summaries(result)
