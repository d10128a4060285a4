"""JWT client authentication (accept/reject table) and CORS on every CDS endpoint, preflight included."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from fhir_ldn.config import Settings
from server.app import create_app
from tests.server.cds_support import SERVICE, MockFhirServer, hook_request, ldn, ssri, validate
from tests.server.databases import BACKENDS, database_url

ISS = "https://ehr.example.org"
BASE = "https://cds.example.org"
SERVICE_URL = f"{BASE}/cds-services/{SERVICE}"
ALLOWED_JKU = "https://ehr.example.org/.well-known/jwks.json"  # as the sandbox sends its jku with every token

EC_KEY = ec.generate_private_key(ec.SECP384R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_EC_KEY = ec.generate_private_key(ec.SECP384R1())


def jwks() -> dict[str, Any]:
    ec_jwk = json.loads(ECAlgorithm.to_jwk(EC_KEY.public_key())) | {"kid": "ec-1", "use": "sig"}
    rsa_jwk = json.loads(RSAAlgorithm.to_jwk(RSA_KEY.public_key())) | {"kid": "rsa-1", "use": "sig"}
    return {"keys": [ec_jwk, rsa_jwk]}


def token(
    alg: str = "ES384",
    kid: str = "ec-1",
    key: Any = None,
    *,
    headers: dict[str, Any] | None = None,
    **claims: Any,
) -> str:
    now = int(time.time())
    payload = {"iss": ISS, "aud": SERVICE_URL, "iat": now, "exp": now + 300, "jti": str(uuid.uuid4())} | claims
    payload = {k: v for k, v in payload.items() if v is not None}
    signing_key = key if key is not None else (EC_KEY if alg == "ES384" else RSA_KEY)
    return jwt.encode(payload, signing_key, algorithm=alg, headers={"kid": kid, "typ": "JWT", **(headers or {})})


def _unsigned(**claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": ISS, "aud": SERVICE_URL, "iat": now, "exp": now + 300, "jti": str(uuid.uuid4())} | claims
    return jwt.encode(payload, "", algorithm="none", headers={"kid": "ec-1"})


def _hs256_with_public_key() -> str:
    pem = EC_KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    now = int(time.time())
    payload = {"iss": ISS, "aud": SERVICE_URL, "iat": now, "exp": now + 300, "jti": str(uuid.uuid4())}
    header = {"alg": "HS256", "typ": "JWT", "kid": "ec-1"}
    signing_input = b".".join(
        jwt.utils.base64url_encode(json.dumps(part, separators=(",", ":")).encode()) for part in (header, payload)
    )
    signature = jwt.utils.base64url_encode(hmac.new(pem, signing_input, hashlib.sha256).digest())
    return (signing_input + b"." + signature).decode()


def _tampered() -> str:
    header, payload, signature = token().split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims["iss"] = ISS
    claims["tenant"] = "other"
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    return f"{header}.{forged}.{signature}"


def jwt_settings(folder: Path, database_url: str = "") -> Settings:
    (folder / "ehr-jwks.json").write_text(json.dumps(jwks()))
    issuer = {"iss": ISS, "jwks": "ehr-jwks.json", "jku": [ALLOWED_JKU]}  # keys from the file, jku only allowlisted
    (folder / "issuers.json").write_text(json.dumps({"issuers": [issuer]}))
    return Settings(
        data_dir=folder,
        database_url=database_url,
        public_base_url=BASE,
        cds_trusted_issuers=folder / "issuers.json",
        cors_origins=("https://sandbox.example.org",),
    )


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with TestClient(create_app(jwt_settings(tmp_path_factory.mktemp("jwt")))) as c:
        yield c


def call(client: TestClient, authorization: str | None) -> Any:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return client.post(
        f"/cds-services/{SERVICE}", json=hook_request("order-select", [ssri()], current=[ldn()]), headers=headers
    )


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: token("ES384", "ec-1"), id="ES384"),
        pytest.param(lambda: token("RS384", "rsa-1"), id="RS384"),
        pytest.param(lambda: token(aud=[SERVICE_URL, "https://other"]), id="aud list"),
        pytest.param(lambda: token(headers={"jku": ALLOWED_JKU}), id="allowlisted jku, keys from the file"),
    ],
)
def test_valid_tokens_are_accepted(client: TestClient, make: Any) -> None:
    response = call(client, f"Bearer {make()}")
    assert response.status_code == 200, response.text
    assert response.json()["cards"]
    validate("response", response.json())


REJECTED: dict[str, Callable[[], str | None]] = {
    "no header": lambda: None,
    "not bearer": lambda: f"Basic {token()}",
    "empty bearer": lambda: "Bearer ",
    "garbage": lambda: "Bearer not.a.jwt",
    "alg none": _unsigned,
    "HS256 signed with the public key": _hs256_with_public_key,
    "expired": lambda: token(iat=int(time.time()) - 900, exp=int(time.time()) - 600),
    "issued in the future": lambda: token(iat=int(time.time()) + 600, exp=int(time.time()) + 900),
    "not yet valid (nbf)": lambda: token(nbf=int(time.time()) + 600),
    "lifetime over an hour": lambda: token(exp=int(time.time()) + 7200),
    "wrong aud": lambda: token(aud=f"{BASE}/cds-services"),
    "unknown iss": lambda: token(iss="https://evil.example.org"),
    "unknown kid": lambda: token(kid="nope"),
    "signed by another key": lambda: token(key=OTHER_EC_KEY),
    "RS256": lambda: token("RS256", "rsa-1"),
    "kid of the other key type": lambda: token("RS384", "ec-1"),
    "missing jti": lambda: token(jti=None),
    "missing exp": lambda: token(exp=None),
    "missing aud": lambda: token(aud=None),
    "missing iat": lambda: token(iat=None),
    "missing iss": lambda: token(iss=None),
    "jti not a string": lambda: token(jti=12345),
    "no kid header": lambda: jwt.encode(
        {"iss": ISS, "aud": SERVICE_URL, "iat": int(time.time()), "exp": int(time.time()) + 300, "jti": "j"},
        EC_KEY,
        algorithm="ES384",
    ),
    "tampered payload": _tampered,
    "jku not configured": lambda: token(headers={"jku": "https://evil.example.org/jwks.json"}),
    "typ not JWT": lambda: token(headers={"typ": "at+jwt"}),
}


@pytest.mark.parametrize("name", list(REJECTED))
def test_invalid_tokens_get_401_without_details(client: TestClient, name: str) -> None:
    made = REJECTED[name]()
    response = call(client, made if made is None or made.startswith(("Basic", "Bearer")) else f"Bearer {made}")
    assert response.status_code == 401, response.text
    assert response.json() == {  # no details: nothing tells a forger which check failed
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "login", "details": {"text": "authentication failed"}}],
    }


@pytest.mark.parametrize("backend", BACKENDS)
def test_replayed_jti_is_rejected(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """On PostgreSQL too: a store that trusted the driver's rowcount (-1 with psycopg) accepted every replay."""
    settings = jwt_settings(tmp_path, database_url(backend, tmp_path, request))
    with TestClient(create_app(settings)) as client:
        once = token()
        assert call(client, f"Bearer {once}").status_code == 200
        assert call(client, f"Bearer {once}").status_code == 401
        assert call(client, f"Bearer {token()}").status_code == 200  # a fresh token still passes


def test_every_endpoint_needs_a_token_for_its_own_url(client: TestClient) -> None:
    assert client.get("/cds-services").status_code == 401
    discovery = token(aud=f"{BASE}/cds-services")
    assert client.get("/cds-services", headers={"Authorization": f"Bearer {discovery}"}).status_code == 200
    feedback = {"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-01-01T00:00:00Z"}]}
    url = f"/cds-services/{SERVICE}/feedback"
    assert client.post(url, json=feedback, headers={"Authorization": f"Bearer {token()}"}).status_code == 401
    good = token(aud=f"{SERVICE_URL}/feedback")
    assert client.post(url, json=feedback, headers={"Authorization": f"Bearer {good}"}).status_code == 200


def test_jwks_from_a_url(tmp_path: Path) -> None:
    with MockFhirServer() as keys_server:
        keys_server.routes["/fhir/jwks.json"] = (200, jwks())
        jwks_url = f"{keys_server.base}/jwks.json"
        (tmp_path / "issuers.json").write_text(json.dumps({"issuers": [{"iss": ISS, "jwks_url": jwks_url}]}))
        settings = Settings(data_dir=tmp_path, public_base_url=BASE, cds_trusted_issuers=tmp_path / "issuers.json")
        with TestClient(create_app(settings)) as client:
            assert call(client, f"Bearer {token(headers={'jku': jwks_url})}").status_code == 200
            assert call(client, f"Bearer {token('RS384', 'rsa-1')}").status_code == 200
            assert call(client, f"Bearer {token(kid='unknown')}").status_code == 401
        assert [p for p, _ in keys_server.requests].count("/fhir/jwks.json") == 1  # cached


def test_a_failing_jwks_url_is_not_asked_on_every_call(tmp_path: Path) -> None:
    with MockFhirServer() as keys_server:
        keys_server.routes["/fhir/jwks.json"] = (500, {"error": "down"})
        jwks_url = f"{keys_server.base}/jwks.json"
        (tmp_path / "issuers.json").write_text(json.dumps({"issuers": [{"iss": ISS, "jwks_url": jwks_url}]}))
        settings = Settings(data_dir=tmp_path, public_base_url=BASE, cds_trusted_issuers=tmp_path / "issuers.json")
        with TestClient(create_app(settings)) as client:
            for _ in range(5):
                assert call(client, f"Bearer {token()}").status_code == 401
        assert [p for p, _ in keys_server.requests].count("/fhir/jwks.json") == 1


PREFLIGHT = {
    "Origin": "https://sandbox.example.org",
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization,content-type",
}


@pytest.mark.parametrize("path", ["/cds-services", f"/cds-services/{SERVICE}", f"/cds-services/{SERVICE}/feedback"])
def test_cors_preflight_and_responses(client: TestClient, path: str) -> None:
    response = client.options(path, headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://sandbox.example.org"
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed
    assert "content-type" in allowed
    # the actual request carries the header too, even when it fails authentication
    answer = client.post(path, json={}, headers={"Origin": "https://sandbox.example.org"})
    assert answer.headers["access-control-allow-origin"] == "https://sandbox.example.org"


def test_cors_refuses_other_origins(client: TestClient) -> None:
    response = client.options("/cds-services", headers=PREFLIGHT | {"Origin": "https://evil.example.org"})
    assert response.status_code == 400
