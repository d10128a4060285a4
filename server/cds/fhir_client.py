"""Fetch what prefetch did not give from the CDS client's FHIR server (httpx, short timeouts, bounded paging).

Which servers: only those under a prefix of `fhir_server_allowlist` (none by default, so a caller cannot make
the service send requests into its network: SSRF), and only with the request's `fhirAuthorization`, unless
`fhir_fetch_without_authorization` allows open (test) servers. The bearer token goes only to the client's FHIR
server: a `next` link to another origin is not followed, nor any redirect. Every call has a timeout; all calls
of one hook call share a deadline and a budget of bytes (counted after decompression), so a slow, trickling,
endless or huge answer ends in 412, never a hang. Nothing here logs the token, the URLs or the answers.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import orjson

from fhir_ldn.cds.hookrequest import HookRequest
from fhir_ldn.cds.medications import Entry, ResourcePool, unresolved_medication_references
from fhir_ldn.cds.prefetch import (
    OPTIONAL_KEYS,
    PREFETCH_TEMPLATES,
    REQUIRED_KEYS,
    PrefetchState,
    PrefetchValue,
    bundle_entries,
    next_link,
    read_prefetch,
    render_template,
)
from fhir_ldn.config import Settings
from fhir_ldn.errors import PreconditionFailedError
from fhir_ldn.formats.json_depth import json_too_deep

log = logging.getLogger("fhir_ldn.cds")
MAX_MEDICATION_READS = 20


_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class FetchPolicy:
    """Which FHIR servers may be called, and how much time and data one hook call may spend on them."""

    timeout: float  # seconds per call
    deadline: float  # seconds for all calls of one hook call
    max_pages: int
    max_bytes: int  # decoded bytes read in all, per hook call
    max_json_depth: int
    allowlist: tuple[str, ...]  # URL prefixes; "*" allows any server
    without_authorization: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchPolicy:
        return cls(
            timeout=settings.fhir_fetch_timeout,
            deadline=settings.fhir_fetch_deadline,
            max_pages=settings.fhir_fetch_max_pages,
            max_bytes=settings.fhir_fetch_max_bytes,
            max_json_depth=settings.max_json_depth,
            allowlist=settings.fhir_server_allowlist,
            without_authorization=settings.fhir_fetch_without_authorization,
        )

    def allows(self, url: str) -> bool:
        """Whether `url` is under one of the allowlisted prefixes (same scheme, host and port; whole path segments)."""
        return "*" in self.allowlist or any(_under(url, prefix) for prefix in self.allowlist)

    def refusal(self, request: HookRequest) -> str | None:
        """Why the request's fhirServer may not be fetched from, or None if it may."""
        if not request.fhir_server:
            return "the request has no fhirServer to fetch it from"
        if not self.allows(request.fhir_server):
            return "the request's fhirServer is not in this service's allowlist (FHIR_LDN_FHIR_SERVER_ALLOWLIST)"
        if request.access_token is None and not self.without_authorization:
            return "the request has no fhirAuthorization to fetch it with"
        return None


def _address(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL without user info, or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


@lru_cache(maxsize=1024)  # a pure function of two strings; an EHR sends the same fhirServer every call
def _under(url: str, prefix: str) -> bool:
    address = _address(url)
    if address is None or address != _address(prefix):
        return False
    base = urlsplit(prefix).path.rstrip("/")
    path = urlsplit(url).path
    return path == base or path.startswith(base + "/")


@cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default TLS context (certifi's CAs), built once: building one takes about 20 ms of CPU."""
    return httpx.create_ssl_context(trust_env=False)


class FhirFetcher:
    """GETs against one FHIR base URL with the client's bearer token (if any), within one hook call's budget.

    The HTTP client is opened on the first GET (most hook calls bring all they need in prefetch and fetch
    nothing); `aclose` closes it. One client per hook call: no cookies or connections shared between calls.
    """

    def __init__(self, base: str, token: str | None, policy: FetchPolicy):
        self._client: httpx.AsyncClient | None = None
        self._base = base.rstrip("/") + "/"
        self._headers = {"Accept": "application/fhir+json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._policy = policy
        self._max_pages = policy.max_pages
        self._deadline = asyncio.get_running_loop().time() + policy.deadline
        self._bytes_left = policy.max_bytes

    async def _get_json(self, url: str) -> dict[str, Any]:
        if _address(url) != _address(self._base):
            raise PreconditionFailedError("the FHIR server's next link points to another server; not followed")
        if not self._policy.allows(url):
            raise PreconditionFailedError("the FHIR server's next link leaves the allowlisted FHIR base; not followed")
        try:
            async with asyncio.timeout_at(self._deadline):
                content = await self._download(url)
        except TimeoutError:
            raise PreconditionFailedError(
                f"the FHIR server did not answer within {self._policy.deadline:g} s in all"
            ) from None
        except httpx.HTTPError as exc:
            raise PreconditionFailedError(f"the FHIR server could not be reached ({type(exc).__name__})") from exc
        if json_too_deep(content, self._policy.max_json_depth):
            raise PreconditionFailedError("the FHIR server's answer is nested too deeply")
        try:
            data = orjson.loads(content)
        except orjson.JSONDecodeError as exc:
            raise PreconditionFailedError("the FHIR server did not answer with JSON") from exc
        if not isinstance(data, dict):
            raise PreconditionFailedError("the FHIR server did not answer with a FHIR resource")
        return data

    async def _download(self, url: str) -> bytes:
        """The body of a 200 answer, read only while it fits in what is left of the byte budget."""
        too_big = f"the FHIR server's answers exceed {self._policy.max_bytes} bytes"
        if self._client is None:
            # trust_env=False: no proxy settings or .netrc credentials of this host for a server a client names
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self._policy.timeout),
                follow_redirects=False,
                trust_env=False,
                verify=_tls_context(),
            )
        async with self._client.stream("GET", url, headers=self._headers) as response:
            if response.status_code != 200:
                raise PreconditionFailedError(f"the FHIR server answered HTTP {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and "content-encoding" not in response.headers and int(declared) > self._bytes_left:
                raise PreconditionFailedError(too_big)
            chunks: list[bytes] = []
            async for chunk in response.aiter_bytes():  # decoded: a compressed bomb is counted as it expands
                self._bytes_left -= len(chunk)
                if self._bytes_left < 0:
                    raise PreconditionFailedError(too_big)
                chunks.append(chunk)
        return b"".join(chunks)

    async def follow(self, url: str) -> list[Entry]:
        """Entries of a searchset page and every following page (PreconditionFailedError past the page cap)."""
        entries: list[Entry] = []
        next_url: str | None = urljoin(self._base, url)
        for _ in range(self._max_pages):
            if next_url is None:
                return entries
            bundle = await self._get_json(next_url)
            if bundle.get("resourceType") != "Bundle":
                raise PreconditionFailedError("the FHIR server did not answer the search with a Bundle")
            page, failed = bundle_entries(bundle)
            if failed:
                raise PreconditionFailedError("the FHIR server reported an error in the search result")
            entries += page
            following = next_link(bundle)
            next_url = urljoin(next_url, following) if following else None
        if next_url is not None:
            raise PreconditionFailedError(f"the search result has more than {self._max_pages} pages")
        return entries

    async def read(self, reference: str) -> dict[str, Any] | None:
        """A resource by `Type/id` or absolute URL on this server; None if it cannot be read."""
        try:
            resource = await self._get_json(urljoin(self._base, reference))
        except PreconditionFailedError:
            return None
        return resource if resource.get("resourceType") not in (None, "OperationOutcome") else None

    async def aclose(self) -> None:
        """Close the HTTP client, if one was opened."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None


async def _complete(
    key: str, value: PrefetchValue, request: HookRequest, fetcher: FhirFetcher | None, refusal: str
) -> list[Entry]:
    if value.state is PrefetchState.EMPTY:
        return []
    if value.state is PrefetchState.DATA and value.next_url is None:
        return value.entries
    if fetcher is None:
        why = "is paginated" if value.state is PrefetchState.DATA else (value.problem or "was not provided")
        raise PreconditionFailedError(f"prefetch '{key}' {why}, and {refusal}")
    if value.state is PrefetchState.DATA and value.next_url is not None:
        return value.entries + await fetcher.follow(value.next_url)
    query = render_template(PREFETCH_TEMPLATES[key], request.context)
    if query is None:
        raise PreconditionFailedError(f"prefetch '{key}' cannot be fetched: its template's tokens have no value")
    return await fetcher.follow(query)


async def current_medications(request: HookRequest, drafts: list[Entry], policy: FetchPolicy) -> list[Entry]:
    """The patient's current medication orders and statements: prefetch, completed from `fhirServer` if needed.

    PreconditionFailedError (HTTP 412) when a required key can be neither read from prefetch nor fetched.
    When prefetch holds everything, Medications included (the usual case), no policy check, no client.
    """
    values = {key: read_prefetch(request.prefetch, key) for key in (*REQUIRED_KEYS, *OPTIONAL_KEYS)}
    if all(
        v.state is PrefetchState.EMPTY or (v.state is PrefetchState.DATA and v.next_url is None)
        for v in values.values()
    ):
        existing = [entry for v in values.values() for entry in v.entries]
        if not unresolved_medication_references((*drafts, *existing), ResourcePool(drafts, existing)):
            return existing
    fetcher: FhirFetcher | None = None
    refusal = policy.refusal(request)
    if refusal is None and request.fhir_server:
        fetcher = FhirFetcher(request.fhir_server, request.access_token, policy)
    try:
        existing = []
        for key, value in values.items():
            try:
                existing += await _complete(key, value, request, fetcher, refusal or "")
            except PreconditionFailedError as exc:
                if key in REQUIRED_KEYS:
                    raise
                log.info("optional prefetch %s not available: %s", key, exc.message)
        if fetcher is not None:
            pool = ResourcePool()
            for entry in (*drafts, *existing):
                pool.add(entry.resource, entry.full_url)
            for ref in unresolved_medication_references((*drafts, *existing), pool)[:MAX_MEDICATION_READS]:
                medication = await fetcher.read(ref)
                if medication is not None:
                    existing.append(Entry(medication, urljoin(request.fhir_server or "", ref)))
        return existing
    finally:
        if fetcher is not None:
            await fetcher.aclose()
