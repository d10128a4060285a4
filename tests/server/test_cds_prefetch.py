"""Every prefetch state, and the fallback to the client's FHIR server (a loopback mock started here)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from fhir_ldn.config import Settings
from server.app import create_app
from tests.server.cds_support import (
    LDN_CARD,
    SERVICE,
    MockFhirServer,
    bundle,
    dosage,
    hook_request,
    ldn,
    med_request,
    ssri,
    summaries,
    validate,
)

TOKEN = "opaque-access-token-42"
MR_QUERY = "/fhir/MedicationRequest?patient=p1&status=active,on-hold"
MS_QUERY = "/fhir/MedicationStatement?patient=p1"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("cds-data"),
        fhir_fetch_timeout=1.0,
        fhir_fetch_max_pages=3,
        fhir_server_allowlist=("*",),  # the mock servers' ports are random (test_cds_faults.py tests the allowlist)
        fhir_fetch_without_authorization=True,
    )
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def fhir() -> Iterator[MockFhirServer]:
    with MockFhirServer() as server:
        server.routes[MS_QUERY] = (200, bundle())
        yield server


def post(client: TestClient, body: dict[str, Any]) -> Any:
    validate("request", body)
    response = client.post(f"/cds-services/{SERVICE}", json=body)
    if response.status_code == 200:
        validate("response", response.json())
    return response


def assert_412(response: Any) -> None:
    assert response.status_code == 412, response.text
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "incomplete"


def test_absent_key_without_fhir_server_is_412(client: TestClient) -> None:
    assert_412(post(client, hook_request("order-select", [ssri()], prefetch={})))


def test_absent_key_is_fetched_with_the_bearer_token(
    client: TestClient, fhir: MockFhirServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    page2 = f"{fhir.base}/MedicationRequest?page=2"
    fhir.routes[MR_QUERY] = (200, bundle(ssri("other-ssri"), link_next=page2))
    fhir.routes["/fhir/MedicationRequest?page=2"] = (200, bundle(ldn()))
    body = hook_request("order-select", [ssri()], prefetch={}, fhir_server=fhir.base, token=TOKEN)
    response = post(client, body)
    assert response.status_code == 200, response.text
    assert summaries(response.json())[0].startswith(LDN_CARD)
    paths = [path for path, _ in fhir.requests]
    assert paths[:2] == [MR_QUERY, "/fhir/MedicationRequest?page=2"]
    assert MS_QUERY in paths
    assert all(headers.get("Authorization") == f"Bearer {TOKEN}" for _, headers in fhir.requests)
    assert TOKEN not in caplog.text  # not even in debug logs (httpx logs requests at DEBUG)


def test_fhir_server_without_authorization_is_used_without_a_token(client: TestClient, fhir: MockFhirServer) -> None:
    fhir.routes[MR_QUERY] = (200, bundle(ldn()))
    response = post(client, hook_request("order-sign", [ssri()], prefetch={}, fhir_server=fhir.base))
    assert summaries(response.json())[0].startswith(LDN_CARD)
    assert all("Authorization" not in headers for _, headers in fhir.requests)


def test_complete_prefetch_opens_no_connection(
    client: TestClient, fhir: MockFhirServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An allowlisted fhirServer and a token are not a reason to open an HTTP client (it costs ~20 ms)."""
    opened: list[object] = []
    real_client = httpx.AsyncClient

    def counting_client(*args: Any, **kwargs: Any) -> Any:
        opened.append(kwargs)
        return real_client(*args, **kwargs)

    monkeypatch.setattr(httpx, "AsyncClient", counting_client)
    prefetch = {"medicationRequests": bundle(ldn()), "medicationStatements": bundle()}
    body = hook_request("order-select", [ssri()], prefetch=prefetch, fhir_server=fhir.base, token=TOKEN)
    assert summaries(post(client, body).json())[0].startswith(LDN_CARD)
    assert opened == []
    assert fhir.requests == []
    # the same call without prefetch does open one, so the count above can see it
    body = hook_request("order-select", [ssri()], prefetch={}, fhir_server=fhir.base, token=TOKEN)
    fhir.routes[MR_QUERY] = (200, bundle(ldn()))
    assert summaries(post(client, body).json())[0].startswith(LDN_CARD)
    assert len(opened) == 1


@pytest.mark.parametrize("empty", [None, bundle(), bundle(bundle_type=None)], ids=["null", "empty Bundle", "no type"])
def test_no_data_means_no_current_medications(client: TestClient, empty: Any) -> None:
    prefetch = {"medicationRequests": empty}
    assert post(client, hook_request("order-select", [ssri()], prefetch=prefetch)).json() == {"cards": []}
    both = hook_request("order-sign", [ssri(), ldn()], prefetch=prefetch)
    assert summaries(post(client, both).json())[0].startswith(LDN_CARD)


OUTCOME = {
    "resourceType": "OperationOutcome",
    "issue": [{"severity": "error", "code": "timeout", "diagnostics": "prefetch timed out"}],
}


def test_operation_outcome_without_fhir_server_is_412(client: TestClient) -> None:
    assert_412(post(client, hook_request("order-select", [ssri()], prefetch={"medicationRequests": OUTCOME})))
    in_bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": OUTCOME}]}
    assert_412(post(client, hook_request("order-select", [ssri()], prefetch={"medicationRequests": in_bundle})))


def test_operation_outcome_is_replaced_by_a_fetch(client: TestClient, fhir: MockFhirServer) -> None:
    fhir.routes[MR_QUERY] = (200, bundle(ldn()))
    body = hook_request(
        "order-select", [ssri()], prefetch={"medicationRequests": OUTCOME}, fhir_server=fhir.base, token=TOKEN
    )
    assert summaries(post(client, body).json())[0].startswith(LDN_CARD)


def test_paginated_prefetch_is_completed_from_the_server(client: TestClient, fhir: MockFhirServer) -> None:
    fhir.routes["/fhir/MedicationRequest?page=2"] = (200, bundle(ldn()))
    first_page = bundle(ssri("x"), link_next=f"{fhir.base}/MedicationRequest?page=2")
    body = hook_request(
        "order-select", [ssri()], prefetch={"medicationRequests": first_page}, fhir_server=fhir.base, token=TOKEN
    )
    assert summaries(post(client, body).json())[0].startswith(LDN_CARD)
    assert fhir.requests[0][0] == "/fhir/MedicationRequest?page=2"
    no_server = hook_request("order-select", [ssri()], prefetch={"medicationRequests": first_page})
    assert_412(post(client, no_server))


def test_information_outcome_in_a_bundle_is_not_a_failure(client: TestClient) -> None:
    info = {"resourceType": "OperationOutcome", "issue": [{"severity": "information", "code": "informational"}]}
    current = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": ldn()}, {"resource": info}]}
    body = hook_request("order-select", [ssri()], prefetch={"medicationRequests": current})
    assert summaries(post(client, body).json())[0].startswith(LDN_CARD)


@pytest.mark.parametrize(
    "answer",
    [(500, {"resourceType": "OperationOutcome"}), (200, b"not json"), (200, {"resourceType": "Patient"}), (401, {})],
    ids=["500", "garbage", "not a Bundle", "401"],
)
def test_failing_fhir_server_is_412(client: TestClient, fhir: MockFhirServer, answer: tuple[int, Any]) -> None:
    fhir.routes[MR_QUERY] = answer
    assert_412(post(client, hook_request("order-select", [ssri()], prefetch={}, fhir_server=fhir.base, token=TOKEN)))


def test_unreachable_fhir_server_is_412_quickly(client: TestClient) -> None:
    start = time.monotonic()
    body = hook_request("order-select", [ssri()], prefetch={}, fhir_server="http://127.0.0.1:9/fhir", token=TOKEN)
    assert_412(post(client, body))
    assert time.monotonic() - start < 5


def test_endless_next_links_stop_at_the_page_cap(client: TestClient, fhir: MockFhirServer) -> None:
    fhir.default = lambda path: (200, bundle(ssri(path), link_next=f"{fhir.base}/MedicationRequest?page={len(path)}"))
    assert_412(post(client, hook_request("order-select", [ssri()], prefetch={}, fhir_server=fhir.base, token=TOKEN)))
    assert len([p for p, _ in fhir.requests if p.startswith("/fhir/MedicationRequest")]) == 3


def test_token_is_not_sent_to_another_origin(client: TestClient, fhir: MockFhirServer) -> None:
    with MockFhirServer() as elsewhere:
        elsewhere.routes["/fhir/MedicationRequest?page=2"] = (200, bundle(ldn()))
        fhir.routes[MR_QUERY] = (200, bundle(ssri("x"), link_next=f"{elsewhere.base}/MedicationRequest?page=2"))
        body = hook_request("order-select", [ssri()], prefetch={}, fhir_server=fhir.base, token=TOKEN)
        assert_412(post(client, body))
        assert elsewhere.requests == []


def test_unresolved_medication_reference_is_read_from_the_server(client: TestClient, fhir: MockFhirServer) -> None:
    medication = {
        "resourceType": "Medication",
        "id": "m9",
        "code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "7243"}]},
    }
    fhir.routes["/fhir/Medication/m9"] = (200, medication)
    order = med_request("ref", "", medication_reference="Medication/m9", dosages=[dosage(2)])
    body = hook_request(
        "order-select", [ssri()], prefetch={"medicationRequests": bundle(order)}, fhir_server=fhir.base, token=TOKEN
    )
    assert summaries(post(client, body).json())[0].startswith(LDN_CARD)
    assert ("/fhir/Medication/m9", f"Bearer {TOKEN}") in [(p, h.get("Authorization")) for p, h in fhir.requests]


def test_missing_optional_statements_do_not_stop_the_decision(client: TestClient) -> None:
    body = hook_request("order-select", [ssri()], prefetch={"medicationRequests": bundle(ldn())})
    assert summaries(post(client, body).json())[0].startswith(LDN_CARD)


def test_patient_key_is_not_needed(client: TestClient) -> None:
    body = hook_request("order-select", [ssri()], current=[ldn()])
    assert "patient" not in body["prefetch"]
    assert post(client, body).status_code == 200


def test_single_resource_prefetch_value(client: TestClient) -> None:
    body = hook_request("order-select", [ssri()], prefetch={"medicationRequests": ldn()})
    assert summaries(post(client, body).json())[0].startswith(LDN_CARD)
