"""Input limits (server/limits.py): body size, JSON depth and the request deadline, for FHIR and CDS endpoints.

In-process tests cover the answers; a real server covers what only sockets show: a chunked body without
Content-Length and a client that stops sending (slowloris). That a long validation leaves the worker serving
other requests is shown in-process, with the validation held until the test releases it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fhir_ldn.config import Settings
from fhir_ldn.errors import TooCostlyError
from fhir_ldn.validation.validator import ValidationResult, Validator
from server.app import create_app
from tests.server.cds_support import SERVICE, MockFhirServer, bundle, hook_request, ldn, ssri
from tests.server.live_server import LiveServer, raw_exchange, refused_upload

FHIR_JSON = "application/fhir+json"
LIMIT = 50_000
VALIDATE_CODE = "/fhir/ValueSet/$validate-code"
CARD = f"/cds-services/{SERVICE}"
ORIGIN = "https://ehr.example.org"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("limits"),
        max_body_bytes=LIMIT,
        max_json_depth=20,
        request_timeout=1.0,
        fhir_server_allowlist=("*",),
        fhir_fetch_without_authorization=True,
        fhir_fetch_timeout=5.0,
        fhir_fetch_deadline=5.0,
        cors_origins=(ORIGIN,),
    )
    with TestClient(create_app(settings)) as c:
        yield c


def outcome(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == code
    return body


def nested(depth: int) -> str:
    """A JSON value nesting objects and arrays `depth` deep."""
    return '{"a":[' * (depth // 2) + ("{}" if depth % 2 else "1") + "]}" * (depth // 2)


def test_a_body_over_the_limit_is_413_on_fhir_and_cds_endpoints(client: TestClient) -> None:
    big = b'{"resourceType":"Parameters","parameter":[' + b" " * LIMIT + b"]}"
    for path, media in ((VALIDATE_CODE, FHIR_JSON), (CARD, "application/json"), (f"{CARD}/feedback", "text/plain")):
        response = client.post(path, content=big, headers={"Content-Type": media, "Origin": ORIGIN})
        body = outcome(response, 413, "too-long")
        assert str(LIMIT) in body["issue"][0]["details"]["text"]
        assert response.headers["access-control-allow-origin"] == ORIGIN  # browsers can read the refusal


def test_a_body_at_the_limit_is_read(client: TestClient) -> None:
    params = {"resourceType": "Parameters", "parameter": [{"name": "url", "valueUri": "http://example.org/none"}]}
    body = json.dumps(params).encode()
    body += b" " * (LIMIT - len(body))
    response = client.post(VALIDATE_CODE, content=body, headers={"Content-Type": FHIR_JSON})
    assert response.status_code != 413
    assert len(body) == LIMIT


@pytest.mark.parametrize("path", ["/%0A", "/health%0A", "/index.html%0A", "/fhir/metadata%00"])
def test_a_path_with_control_characters_is_400(client: TestClient, path: str) -> None:
    """Found by bench.fuzz: Starlette matches routes with `$`, so `/health\n` was served as `/health`."""
    outcome(client.get(path), 400, "invalid")


def test_json_nested_too_deeply_is_400_before_any_parser_recurses(client: TestClient) -> None:
    deep = '{"resourceType":"Parameters","parameter":[' + nested(25) + "]}"
    body = outcome(client.post(VALIDATE_CODE, content=deep, headers={"Content-Type": FHIR_JSON}), 400, "invalid")
    assert "nested deeper than 20" in body["issue"][0]["details"]["text"]
    card = hook_request("order-select", [ssri()], current=[ldn()])
    text = json.dumps(card).replace('"intent": "order"', f'"intent": "order", "x": {nested(25)}', 1)
    outcome(client.post(CARD, content=text, headers={"Content-Type": "application/json"}), 400, "invalid")
    shallow = '{"resourceType":"Parameters","parameter":[{"name":"x","valueString":"[[[[[[[[[[[[[[[[[[[[[[[[["}]}'
    assert client.post(VALIDATE_CODE, content=shallow, headers={"Content-Type": FHIR_JSON}).status_code != 500


def test_the_request_deadline_answers_503_while_a_fhir_server_is_slow(client: TestClient) -> None:
    with MockFhirServer() as fhir:

        def slow(path: str) -> tuple[int, Any]:
            time.sleep(3)
            return 200, bundle(ldn())

        fhir.default = slow
        started = time.monotonic()
        response = client.post(CARD, json=hook_request("order-select", [ssri()], prefetch={}, fhir_server=fhir.base))
        elapsed = time.monotonic() - started
    body = outcome(response, 503, "timeout")
    assert "in time" in body["issue"][0]["details"]["text"]
    assert elapsed < 2.5  # answered at the 1 s deadline, not after the 3 s answer


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"FHIR_LDN_REQUEST_TIMEOUT": "1.5"}  # the default 2 MiB body limit
    with LiveServer(tmp_path_factory.mktemp("live-limits"), env=env) as server:
        yield server


def _chunked(path: str, body: bytes, chunk: int = 4096) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {FHIR_JSON}\r\nTransfer-Encoding: chunked\r\n"
    parts = [head.encode() + b"Connection: close\r\n\r\n"]
    for start in range(0, len(body), chunk):
        piece = body[start : start + chunk]
        parts.append(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
    parts.append(b"0\r\n\r\n")
    return b"".join(parts)


def test_a_chunked_body_without_content_length_is_counted(live: LiveServer) -> None:
    small = json.dumps({"resourceType": "Parameters", "parameter": [{"name": "url", "valueUri": "http://x.org/v"}]})
    answer = raw_exchange(live.port, _chunked(VALIDATE_CODE, small.encode()))
    assert answer.startswith(b"HTTP/1.1 404"), answer[:200]  # read and answered: the value set is unknown
    big = b'{"resourceType":"Parameters","parameter":[' + b" " * (3 * 1024 * 1024) + b"]}"
    answer = raw_exchange(live.port, _chunked(VALIDATE_CODE, big, chunk=65536))
    refused_upload(live, answer, VALIDATE_CODE)
    assert not answer or b'"too-long"' in answer


def test_a_client_that_stops_sending_its_body_gets_408(live: LiveServer) -> None:
    body = b'{"resourceType":"Parameters","parameter":[]}'
    head = (
        f"POST {VALIDATE_CODE} HTTP/1.1\r\nHost: x\r\nContent-Type: {FHIR_JSON}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    started = time.monotonic()
    answer = raw_exchange(live.port, head.encode() + body, pause_after=len(head) + 10)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b'"timeout"' in answer
    assert time.monotonic() - started < 6


def test_a_long_validation_does_not_stall_other_requests(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The validation is held until the test lets it go, so what the worker does meanwhile is known without
    timing: it answers other requests (a validation on the event loop would hold them all), and the deadline
    (1 s) answers the validation's own request with 503 while the validation is held in its thread. Released,
    the abandoned validation stops at its first budget check (its request's work budget was cancelled) instead
    of running on unseen: it ends in its thread with TooCostlyError, having produced no result."""
    started, release, finished = threading.Event(), threading.Event(), threading.Event()
    results: list[ValidationResult] = []
    ended: list[BaseException] = []
    real = Validator.validate_json

    def held(self: Validator, *args: Any, **kwargs: Any) -> ValidationResult:
        started.set()
        assert release.wait(60), "the test never released the validation"
        try:
            results.append(real(self, *args, **kwargs))
        except BaseException as exc:
            ended.append(exc)
            raise
        finally:
            finished.set()
        return results[-1]

    monkeypatch.setattr(Validator, "validate_json", held)
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": "Patient/p"},
        "valueQuantity": {"value": 80, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"},
    }
    answers: list[int] = []
    validating = threading.Thread(
        target=lambda: answers.append(
            client.post("/fhir/$validate", json=observation, headers={"Content-Type": FHIR_JSON}).status_code
        )
    )
    validating.start()
    try:
        assert started.wait(60), "the validation never started"
        assert client.get("/health").status_code == 200
        card = client.post(CARD, json=hook_request("order-select", [ssri()], current=[ldn()]))
        assert card.status_code == 200
        assert card.json()["cards"]
        validating.join(60)
        assert answers == [503]  # the deadline answered; the validation is still held
        assert not finished.is_set()
    finally:
        release.set()
    assert finished.wait(60)  # the abandoned validation ended in its thread
    assert results == []
    assert [type(exc) for exc in ended] == [TooCostlyError]  # stopped by its cancelled budget, not run to its end
