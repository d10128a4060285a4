"""Opt-in JWT verification of CDS clients (CDS Hooks 2.0 "Trusting CDS Clients"), with PyJWT.

Enabled by a trusted-issuers file (FHIR_LDN_CDS_TRUSTED_ISSUERS)::

    {"issuers": [{"iss": "https://sandbox.cds-hooks.org", "jwks": "sandbox-jwks.json",
                  "jku": "https://sandbox.cds-hooks.org/.well-known/jwks.json"},
                 {"iss": "https://ehr.example.org", "jwks_url": "https://ehr.example.org/.well-known/jwks.json"}]}

A token is accepted only if: its `alg` is ES384 or RS384 (never `none`, never a symmetric algorithm); it has a
`kid` (and a `typ`, if any, of JWT); its `iss` is allowlisted and the `kid` is in that issuer's JWK Set (a `jku`
header must be the configured JWKS URL or one listed in `jku`, an allowlist: no URL a token names is ever
fetched, keys come only from the configured file or URL); the signature verifies; `aud` is this
endpoint's URL; `exp`, `iat` and `jti` are present, `exp` is in the future and at most an hour after `iat`; and the
`jti` was not seen before (the replay cache lives in the database, shared by every worker). Every failure is the
same 401 without details. Tokens are never logged.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
from starlette.concurrency import run_in_threadpool

from fhir_ldn.errors import UnauthorizedError
from server.cds.store import CdsStore

log = logging.getLogger("fhir_ldn.cds.auth")
ALGORITHMS = ("ES384", "RS384")
MAX_LIFETIME_S = 3600
LEEWAY_S = 30
JWKS_TTL_S = 600
JWKS_REFRESH_MIN_S = 30
_KEY_TYPES = {"ES384": "EC", "RS384": "RSA"}


def _signing_key(jwk: dict[str, Any], alg: str) -> Any:
    """The public key of a JWK for `alg`, or None if the JWK is of another type or declares another algorithm."""
    if jwk.get("kty") != _KEY_TYPES[alg] or jwk.get("alg", alg) != alg:
        return None
    if alg == "ES384" and jwk.get("crv") != "P-384":
        return None
    return jwt.PyJWK(jwk, algorithm=alg).key


@dataclass
class TrustedIssuer:
    """One allowlisted issuer and its keys (from a file, or a URL fetched and cached)."""

    iss: str
    jwks_url: str | None = None
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    fetched_at: float = 0.0
    attempted_at: float = float("-inf")  # the last fetch, failed or not: a failing URL is not asked every call
    jku: frozenset[str] = frozenset()  # `jku` header values accepted: the JWKS URL, and any listed (never fetched)

    def accepts_jku(self, header: Mapping[str, Any]) -> bool:
        """No `jku`, or one on this issuer's allowlist (keys still come only from the configured JWKS)."""
        return "jku" not in header or header["jku"] in self.jku or header["jku"] == self.jwks_url

    def load_jwks(self, jwks: Any) -> None:
        self.keys = {
            jwk["kid"]: jwk
            for jwk in (jwks or {}).get("keys") or ()
            if isinstance(jwk, dict) and isinstance(jwk.get("kid"), str) and jwk.get("kty") in _KEY_TYPES.values()
        }

    async def key(self, kid: str, timeout: float) -> dict[str, Any] | None:
        now = time.monotonic()
        stale = now - self.fetched_at > JWKS_TTL_S
        unknown = kid not in self.keys
        if self.jwks_url and (stale or unknown) and now - self.attempted_at > JWKS_REFRESH_MIN_S:
            self.attempted_at = now
            try:
                async with httpx.AsyncClient(timeout=timeout) as client:
                    response = await client.get(self.jwks_url)
                response.raise_for_status()
                self.load_jwks(response.json())
                self.fetched_at = now
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("JWKS of %s could not be fetched: %s", self.iss, type(exc).__name__)
        return self.keys.get(kid)


def load_trusted_issuers(path: Path) -> dict[str, TrustedIssuer]:
    """Read the trusted-issuers file (ValueError with the reason if it is unusable)."""
    config = json.loads(path.read_text(encoding="utf-8"))
    issuers: dict[str, TrustedIssuer] = {}
    for item in config.get("issuers") or ():
        iss = item.get("iss")
        if not isinstance(iss, str) or not iss:
            raise ValueError(f"{path}: every issuer needs an 'iss'")
        jku = item.get("jku") or []
        jku = [jku] if isinstance(jku, str) else jku
        if not isinstance(jku, list) or not all(isinstance(u, str) for u in jku):
            raise ValueError(f"{path}: issuer {iss}: 'jku' must be a URL or a list of URLs")
        issuer = TrustedIssuer(iss, item.get("jwks_url"), jku=frozenset(jku))
        if item.get("jwks"):
            issuer.load_jwks(json.loads((path.parent / item["jwks"]).read_text(encoding="utf-8")))
        elif not issuer.jwks_url:
            raise ValueError(f"{path}: issuer {iss} needs 'jwks' (a file) or 'jwks_url'")
        issuers[iss] = issuer
    if not issuers:
        raise ValueError(f"{path}: no issuers")
    return issuers


@dataclass
class ClientAuthenticator:
    """Checks the `Authorization: Bearer <JWT>` of every CDS request when issuers are configured."""

    issuers: dict[str, TrustedIssuer]
    store: CdsStore
    timeout: float = 3.0

    async def verify(self, authorization: str | None, audience: str) -> dict[str, Any]:
        """The verified claims; UnauthorizedError (same message for every failure) otherwise."""
        try:
            return await self._verify(authorization, audience)
        except UnauthorizedError:
            raise
        except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
            log.info("CDS client token rejected: %s", type(exc).__name__)
            raise UnauthorizedError("authentication failed") from None

    async def _verify(self, authorization: str | None, audience: str) -> dict[str, Any]:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise UnauthorizedError("authentication failed")
        token = token.strip()
        header = jwt.get_unverified_header(token)
        kid = header.get("kid")
        typ = header.get("typ", "JWT")
        if header.get("alg") not in ALGORITHMS or not isinstance(kid, str) or str(typ).upper() != "JWT":
            raise UnauthorizedError("authentication failed")
        unverified = jwt.decode(token, options={"verify_signature": False})
        issuer = self.issuers.get(str(unverified.get("iss")))
        if issuer is None or not issuer.accepts_jku(header):
            raise UnauthorizedError("authentication failed")
        jwk = await issuer.key(kid, self.timeout)
        key = _signing_key(jwk, header["alg"]) if jwk is not None else None
        if key is None:
            raise UnauthorizedError("authentication failed")
        claims: dict[str, Any] = jwt.decode(
            token,
            key=key,
            algorithms=[header["alg"]],
            audience=audience,
            issuer=issuer.iss,
            leeway=LEEWAY_S,
            options={"require": ["iss", "aud", "exp", "iat", "jti"]},
        )
        if not isinstance(claims["jti"], str) or float(claims["exp"]) - float(claims["iat"]) > MAX_LIFETIME_S:
            raise UnauthorizedError("authentication failed")
        fresh = await run_in_threadpool(
            self.store.remember_jti, issuer.iss, claims["jti"], float(claims["exp"]) + LEEWAY_S, time.time()
        )
        if not fresh:
            raise UnauthorizedError("authentication failed")
        return claims
