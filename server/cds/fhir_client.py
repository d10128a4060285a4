"""Fetch what prefetch did not give from the CDS client's FHIR server (httpx, short timeouts, bounded paging).

The bearer token goes only to the client's FHIR server: a `next` link to another origin is not followed.
Nothing here logs the token or the URLs' responses.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from fhir_ldn.cds.hookrequest import HookRequest
from fhir_ldn.cds.medications import Entry, ResourcePool, unresolved_medication_references
from fhir_ldn.cds.prefetch import (
    OPTIONAL_KEYS,
    PREFETCH_TEMPLATES,
    REQUIRED_KEYS,
    PrefetchState,
    bundle_entries,
    next_link,
    read_prefetch,
    render_template,
)
from fhir_ldn.errors import PreconditionFailedError

log = logging.getLogger("fhir_ldn.cds")
MAX_MEDICATION_READS = 20


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


class FhirFetcher:
    """GETs against one FHIR base URL with the client's bearer token (if any)."""

    def __init__(self, client: httpx.AsyncClient, base: str, token: str | None, max_pages: int):
        self._client = client
        self._base = base.rstrip("/") + "/"
        self._headers = {"Accept": "application/fhir+json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._max_pages = max_pages

    async def _get_json(self, url: str) -> dict[str, Any]:
        if _origin(url) != _origin(self._base):
            raise PreconditionFailedError("the FHIR server's next link points to another server; not followed")
        try:
            response = await self._client.get(url, headers=self._headers)
        except httpx.HTTPError as exc:
            raise PreconditionFailedError(f"the FHIR server could not be reached ({type(exc).__name__})") from exc
        if response.status_code != 200:
            raise PreconditionFailedError(f"the FHIR server answered HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError as exc:
            raise PreconditionFailedError("the FHIR server did not answer with JSON") from exc
        if not isinstance(data, dict):
            raise PreconditionFailedError("the FHIR server did not answer with a FHIR resource")
        return data

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


async def _complete(key: str, request: HookRequest, fetcher: FhirFetcher | None) -> list[Entry]:
    value = read_prefetch(request.prefetch, key)
    if value.state is PrefetchState.EMPTY:
        return []
    if value.state is PrefetchState.DATA and value.next_url is None:
        return value.entries
    if fetcher is None:
        why = "is paginated" if value.state is PrefetchState.DATA else (value.problem or "was not provided")
        raise PreconditionFailedError(f"prefetch '{key}' {why}, and the request has no fhirServer to fetch it from")
    if value.state is PrefetchState.DATA and value.next_url is not None:
        return value.entries + await fetcher.follow(value.next_url)
    query = render_template(PREFETCH_TEMPLATES[key], request.context)
    if query is None:
        raise PreconditionFailedError(f"prefetch '{key}' cannot be fetched: its template's tokens have no value")
    return await fetcher.follow(query)


async def current_medications(request: HookRequest, drafts: list[Entry], timeout: float, max_pages: int) -> list[Entry]:
    """The patient's current medication orders and statements: prefetch, completed from `fhirServer` if needed.

    PreconditionFailedError (HTTP 412) when a required key can be neither read from prefetch nor fetched.
    """
    client: httpx.AsyncClient | None = None
    fetcher: FhirFetcher | None = None
    if request.fhir_server:
        client = httpx.AsyncClient(timeout=httpx.Timeout(timeout), follow_redirects=False)
        fetcher = FhirFetcher(client, request.fhir_server, request.access_token, max_pages)
    try:
        existing: list[Entry] = []
        for key in (*REQUIRED_KEYS, *OPTIONAL_KEYS):
            try:
                existing += await _complete(key, request, fetcher)
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
        if client is not None:
            await client.aclose()
