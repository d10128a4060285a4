"""A slow, failing or hostile `fhirServer` ends in 412 within a bounded time; the service fetches only where allowed.

Completes tests/server/test_cds_prefetch.py (500s, garbage, page cap, other origins): here timeouts, a trickling
server (each byte in time, the whole never), answers over the byte budget (declared, chunked, or a gzip bomb),
JSON nested too deeply, redirects, and the SSRF stance (allowlist, fhirAuthorization required by default).
The time bounds are safety margins against hangs, well above the configured deadline, not performance targets.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fhir_ldn.config import Settings
from server.app import create_app
from tests.server.cds_support import LDN_CARD, SERVICE, MockFhirServer, bundle, hook_request, ldn, ssri, summaries

TOKEN = "opaque-token-7"
MR_QUERY = "/fhir/MedicationRequest?patient=p1&status=active,on-hold"
DEADLINE = 1.5
MAX_BYTES = 200_000


def settings(tmp: Any, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp,
        "fhir_fetch_timeout": 1.0,
        "fhir_fetch_deadline": DEADLINE,
        "fhir_fetch_max_bytes": MAX_BYTES,
        "fhir_server_allowlist": ("*",),
    }
    return Settings(**(values | overrides))


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with TestClient(create_app(settings(tmp_path_factory.mktemp("faults")))) as c:
        yield c


@pytest.fixture
def fhir() -> Iterator[MockFhirServer]:
    with MockFhirServer() as server:
        server.routes["/fhir/MedicationStatement?patient=p1"] = (200, bundle())
        yield server


def call(client: TestClient, fhir_base: str, token: str | None = TOKEN) -> tuple[Any, float]:
    body = hook_request("order-select", [ssri()], prefetch={}, fhir_server=fhir_base, token=token)
    started = time.monotonic()
    response = client.post(f"/cds-services/{SERVICE}", json=body)
    return response, time.monotonic() - started


def assert_412(response: Any, words: str = "") -> None:
    assert response.status_code == 412, response.text
    outcome = response.json()
    assert outcome["issue"][0]["code"] == "incomplete"
    assert words in outcome["issue"][0]["details"]["text"]
    assert TOKEN not in response.text


def _headers(handler: BaseHTTPRequestHandler, extra: dict[str, str] | None = None) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/fhir+json")
    for name, value in (extra or {}).items():
        handler.send_header(name, value)
    handler.end_headers()


def test_a_server_slower_than_the_call_timeout(client: TestClient, fhir: MockFhirServer) -> None:
    def late(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(2.5)
        _headers(handler)
        handler.wfile.write(json.dumps(bundle()).encode())

    fhir.raw[MR_QUERY] = late
    response, elapsed = call(client, fhir.base)
    assert_412(response, "could not be reached")
    assert elapsed < DEADLINE + 2


def test_a_trickling_server_is_cut_at_the_deadline(client: TestClient, fhir: MockFhirServer) -> None:
    """Each byte arrives well within the per-read timeout; only the deadline for the whole call ends it."""

    def trickle(handler: BaseHTTPRequestHandler) -> None:
        _headers(handler, {"Content-Length": "100000"})
        try:
            for _ in range(100):
                handler.wfile.write(b" ")
                handler.wfile.flush()
                time.sleep(0.2)
        except OSError:
            return  # the service hung up, as it should

    fhir.raw[MR_QUERY] = trickle
    response, elapsed = call(client, fhir.base)
    assert_412(response, f"within {DEADLINE:g} s")
    assert elapsed < DEADLINE + 2


def test_pages_that_are_each_in_time_share_one_deadline(client: TestClient, fhir: MockFhirServer) -> None:
    def page(path: str) -> tuple[int, Any]:
        time.sleep(0.6)
        return 200, bundle(ssri(f"s{len(path)}"), link_next=f"{fhir.base}/MedicationRequest?page={len(path)}")

    fhir.default = page
    response, elapsed = call(client, fhir.base)
    assert_412(response, "in all")
    assert elapsed < DEADLINE + 2
    assert len(fhir.requests) < 5  # stopped by the deadline, before the page cap (10)


@pytest.mark.parametrize("declared", [True, False], ids=["Content-Length", "chunked"])
def test_an_answer_over_the_byte_budget_is_412(client: TestClient, fhir: MockFhirServer, declared: bool) -> None:
    huge = json.dumps(bundle(*[ldn(f"l{i}") for i in range(2000)])).encode()
    assert len(huge) > MAX_BYTES

    def send(handler: BaseHTTPRequestHandler) -> None:
        if declared:
            _headers(handler, {"Content-Length": str(len(huge))})
            handler.wfile.write(huge)
            return
        handler.protocol_version = "HTTP/1.1"
        _headers(handler, {"Transfer-Encoding": "chunked", "Connection": "close"})
        try:
            for start in range(0, len(huge), 8192):
                piece = huge[start : start + 8192]
                handler.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            handler.wfile.write(b"0\r\n\r\n")
        except OSError:
            return

    fhir.raw[MR_QUERY] = send
    response, _ = call(client, fhir.base)
    assert_412(response, f"exceed {MAX_BYTES} bytes")


def test_a_gzip_bomb_is_counted_as_it_expands(client: TestClient, fhir: MockFhirServer) -> None:
    body = b'{"resourceType":"Bundle","type":"searchset","entry":[' + b" " * 50_000_000 + b"]}"
    bomb = gzip.compress(body, compresslevel=9)
    assert len(bomb) < 100_000  # small on the wire, 50 MB inflated

    def send(handler: BaseHTTPRequestHandler) -> None:
        _headers(handler, {"Content-Encoding": "gzip", "Content-Length": str(len(bomb))})
        handler.wfile.write(bomb)

    fhir.raw[MR_QUERY] = send
    response, _ = call(client, fhir.base)
    assert_412(response, f"exceed {MAX_BYTES} bytes")


def test_an_answer_nested_too_deeply_is_412(client: TestClient, fhir: MockFhirServer) -> None:
    deep = '{"resourceType":"Bundle","type":"searchset","entry":' + "[" * 500 + "]" * 500 + "}"
    fhir.routes[MR_QUERY] = (200, json.loads(deep))
    response, _ = call(client, fhir.base)
    assert_412(response, "nested too deeply")


def test_redirects_are_not_followed(client: TestClient, fhir: MockFhirServer) -> None:
    with MockFhirServer() as elsewhere:

        def redirect(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(302)
            handler.send_header("Location", f"{elsewhere.base}/MedicationRequest")
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        fhir.raw[MR_QUERY] = redirect
        response, _ = call(client, fhir.base)
        assert_412(response, "HTTP 302")
        assert elsewhere.requests == []


# --- where the service may fetch from (SSRF) ------------------------------------------------------------------


def test_by_default_no_fhir_server_is_contacted(tmp_path: Any, fhir: MockFhirServer) -> None:
    fhir.routes[MR_QUERY] = (200, bundle(ldn()))
    with TestClient(create_app(Settings(data_dir=tmp_path))) as default_client:
        response, _ = call(default_client, fhir.base)
    assert_412(response, "not in this service's allowlist")
    assert fhir.requests == []


def test_the_allowlist_is_matched_by_scheme_host_port_and_whole_path_segments(
    tmp_path: Any, fhir: MockFhirServer
) -> None:
    fhir.routes[MR_QUERY] = (200, bundle(ldn()))
    allowed = Settings(data_dir=tmp_path, fhir_server_allowlist=(fhir.base,))
    with TestClient(create_app(allowed)) as c:
        response, _ = call(c, fhir.base)
        assert summaries(response.json())[0].startswith(LDN_CARD)
        port = fhir.base.split(":")[2].split("/")[0]
        for elsewhere in (
            f"{fhir.base}x",  # a longer path segment
            fhir.base.replace("127.0.0.1", "localhost"),  # another host name
            f"http://127.0.0.1:{int(port) + 1}/fhir",  # another port
            fhir.base.replace("http://", "https://"),  # another scheme
            f"http://127.0.0.1:{port}@127.0.0.2:{port}/fhir",  # user info hiding another host
        ):
            fhir.requests.clear()
            assert_412(call(c, elsewhere)[0], "allowlist")
            assert fhir.requests == []


def test_a_next_link_leaving_the_allowlisted_base_is_not_followed(tmp_path: Any, fhir: MockFhirServer) -> None:
    origin = fhir.base.rsplit("/", 1)[0]
    fhir.routes[MR_QUERY] = (200, bundle(ssri("x"), link_next=f"{origin}/admin/MedicationRequest?page=2"))
    with TestClient(create_app(Settings(data_dir=tmp_path, fhir_server_allowlist=(fhir.base,)))) as c:
        assert_412(call(c, fhir.base)[0], "leaves the allowlisted FHIR base")
    assert [p for p, _ in fhir.requests if p.startswith("/admin")] == []


def test_without_fhir_authorization_nothing_is_fetched_unless_allowed(tmp_path: Any, fhir: MockFhirServer) -> None:
    fhir.routes[MR_QUERY] = (200, bundle(ldn()))
    with TestClient(create_app(Settings(data_dir=tmp_path, fhir_server_allowlist=(fhir.base,)))) as strict:
        assert_412(call(strict, fhir.base, token=None)[0], "no fhirAuthorization")
    assert fhir.requests == []
    open_servers = Settings(
        data_dir=tmp_path, fhir_server_allowlist=(fhir.base,), fhir_fetch_without_authorization=True
    )
    with TestClient(create_app(open_servers)) as lenient:
        response, _ = call(lenient, fhir.base, token=None)
    assert summaries(response.json())[0].startswith(LDN_CARD)
    assert all("Authorization" not in headers for _, headers in fhir.requests)


def test_the_settings_come_from_the_environment() -> None:
    env = {
        "FHIR_LDN_FHIR_SERVER_ALLOWLIST": "https://ehr.example.org/fhir/, https://other.example.org/r4",
        "FHIR_LDN_FHIR_FETCH_WITHOUT_AUTHORIZATION": "true",
        "FHIR_LDN_FHIR_FETCH_DEADLINE": "2.5",
        "FHIR_LDN_FHIR_FETCH_MAX_BYTES": "1000",
    }
    loaded = Settings.from_env(env)
    assert loaded.fhir_server_allowlist == ("https://ehr.example.org/fhir/", "https://other.example.org/r4")
    assert loaded.fhir_fetch_without_authorization
    assert (loaded.fhir_fetch_deadline, loaded.fhir_fetch_max_bytes) == (2.5, 1000)
    defaults = Settings.from_env({})
    assert defaults.fhir_server_allowlist == ()
    assert not defaults.fhir_fetch_without_authorization
