"""Request logs: one JSON line per request with method, route template, status, duration and request id; no PHI.

The live test runs `fhir-ldn serve --log-level debug` (the most verbose level it offers) with JWT checking on and
a FHIR server to fetch from, sends requests that carry a client JWT, a FHIR access token, a patient id and name
and a clinical code in the path, query and body, and reads everything the process wrote.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fhir_ldn.config import Settings
from server.app import create_app
from tests.server.cds_support import SERVICE, MockFhirServer, bundle, hook_request, ldn, ssri
from tests.server.live_server import LiveServer, post_bytes, raw_exchange, refused_upload
from tests.server.test_cds_auth import BASE, ISS, jwks, token

ACCESS_TOKEN = "ya29.SECRET-ACCESS-TOKEN-5c1e"
PATIENT_ID = "PATIENT-4711-SECRET"
PATIENT_NAME = "Jane-Secret-Doe"
QUERY_CODE = "SECRET-CODE-0815"
FHIR_JSON = "application/fhir+json"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(data_dir=tmp_path_factory.mktemp("log")))) as c:
        yield c


def records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "fhir_ldn.access"]


def test_each_request_is_one_record_with_its_route_template(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="fhir_ldn.access")
    client.get(f"/fhir/Patient/{PATIENT_ID}?code={QUERY_CODE}", headers={"X-Request-ID": "req-1"})
    client.post(f"/cds-services/{SERVICE}", content=b"{", headers={"Content-Type": "application/json"})
    client.get("/health", headers={"X-Request-ID": "not a safe id; DROP TABLE"})
    got = [(r.method, r.path, r.status) for r in records(caplog)]  # type: ignore[attr-defined]
    assert got == [
        ("GET", "/fhir/{resource_type}/{resource_id}", 404),
        ("POST", "/cds-services/{service_id}", 400),
        ("GET", "/health", 200),
    ]
    first, _, last = records(caplog)
    assert first.request_id == "req-1"  # type: ignore[attr-defined]
    assert len(last.request_id) == 32  # type: ignore[attr-defined]  # an unsafe id is replaced
    assert all(isinstance(r.duration_ms, float) for r in records(caplog))  # type: ignore[attr-defined]
    assert PATIENT_ID not in caplog.text
    assert QUERY_CODE not in caplog.text


def test_the_request_id_is_returned(client: TestClient) -> None:
    assert client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    assert len(client.get("/health").headers["x-request-id"]) == 32


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, MockFhirServer]]:
    folder: Path = tmp_path_factory.mktemp("live-log")
    (folder / "jwks.json").write_text(json.dumps(jwks()))
    (folder / "issuers.json").write_text(json.dumps({"issuers": [{"iss": ISS, "jwks": "jwks.json"}]}))
    with MockFhirServer() as fhir:
        env = {
            "FHIR_LDN_CDS_TRUSTED_ISSUERS": str(folder / "issuers.json"),
            "FHIR_LDN_PUBLIC_BASE_URL": BASE,
            "FHIR_LDN_FHIR_SERVER_ALLOWLIST": fhir.base,
        }
        with LiveServer(folder, "--log-level", "debug", env=env) as server:
            yield server, fhir


def test_logs_carry_no_token_jwt_or_patient_data(live: tuple[LiveServer, MockFhirServer]) -> None:
    server, fhir = live
    patient_query = f"/fhir/MedicationRequest?patient={PATIENT_ID}&status=active,on-hold"
    fhir.routes[patient_query] = (200, bundle(ldn()))
    fhir.routes[f"/fhir/MedicationStatement?patient={PATIENT_ID}"] = (500, {"resourceType": "OperationOutcome"})
    body: dict[str, Any] = hook_request(
        "order-select", [ssri()], prefetch={}, fhir_server=fhir.base, token=ACCESS_TOKEN
    )
    body["context"]["patientId"] = PATIENT_ID
    body["context"]["draftOrders"]["entry"][0]["resource"]["subject"] = {"display": PATIENT_NAME}
    jwt_ok = token(aud=f"{BASE}/cds-services/{SERVICE}")
    status, cards = server.post_json(f"/cds-services/{SERVICE}", body, {"Authorization": f"Bearer {jwt_ok}"})
    assert status == 200
    assert cards["cards"]
    assert (patient_query, f"Bearer {ACCESS_TOKEN}") in [(p, h.get("Authorization")) for p, h in fhir.requests]
    expired = token(aud=f"{BASE}/cds-services/{SERVICE}", exp=1, iat=0)
    assert server.post_json(f"/cds-services/{SERVICE}", body, {"Authorization": f"Bearer {expired}"})[0] == 401
    assert server.get(f"/fhir/Patient/{PATIENT_ID}?name={PATIENT_NAME}")[0] == 404
    assert server.get(f"/fhir/ValueSet/$validate-code?url=http://x.org/vs&code={QUERY_CODE}")[0] == 404
    big = json.dumps(
        {"resourceType": "Parameters", "parameter": [{"name": PATIENT_NAME, "valueString": "x" * 3_000_000}]}
    )
    refused_upload(
        server, raw_exchange(server.port, post_bytes("/fhir/$validate", big.encode(), FHIR_JSON)), "/fhir/$validate"
    )

    text = server.log_file.read_text(encoding="utf-8")
    lines = server.log_lines()  # every line is JSON
    access = [line for line in lines if line["logger"] == "fhir_ldn.access"]
    assert [(a["method"], a["path"], a["status"]) for a in access] == [
        ("GET", "/health", 200),  # the readiness probe of LiveServer
        ("POST", "/cds-services/{service_id}", 200),
        ("POST", "/cds-services/{service_id}", 401),
        ("GET", "/fhir/{resource_type}/{resource_id}", 404),
        ("GET", "/fhir/ValueSet/$validate-code", 404),
        ("POST", "/fhir/$validate", 413),
    ]
    assert all({"time", "level", "pid", "duration_ms", "request_id"} <= set(a) for a in access)
    for secret in (ACCESS_TOKEN, jwt_ok, expired, jwt_ok.split(".")[1], PATIENT_ID, PATIENT_NAME, QUERY_CODE):
        assert secret not in text
    assert not [line for line in lines if line["level"] in ("error", "critical")]
