"""Start-up of the CDS Hooks service: compile the rules once, open the store lazily."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request

from fhir_ldn.cds.discovery import CdsEndpoint, discovery_document, service_endpoints
from fhir_ldn.cds.engine import load_rules
from fhir_ldn.config import Settings
from fhir_ldn.errors import NotFoundError
from fhir_ldn.package.index import Package
from fhir_ldn.terminology import TerminologyService
from server.cds.auth import ClientAuthenticator, load_trusted_issuers
from server.cds.fhir_client import FetchPolicy
from server.cds.store import CdsStore

STATE_KEY = "cds"


@dataclass
class CdsService:
    """Everything the /cds-services routes share: service ids and their compiled rules, discovery document,
    store, authenticator."""

    settings: Settings
    endpoints: dict[str, CdsEndpoint]
    discovery: dict[str, Any]
    store: CdsStore
    authenticator: ClientAuthenticator | None
    fetch_policy: FetchPolicy

    @property
    def discovery_json(self) -> bytes:
        return json.dumps(self.discovery, separators=(",", ":")).encode("utf-8")

    @classmethod
    def build(cls, settings: Settings, package: Package, terminology: TerminologyService | None = None) -> CdsService:
        endpoints = service_endpoints(load_rules(package, terminology))
        store = CdsStore(settings.sqlalchemy_url)
        authenticator = None
        if settings.cds_trusted_issuers is not None:
            issuers = load_trusted_issuers(settings.cds_trusted_issuers)
            authenticator = ClientAuthenticator(issuers, store, settings.fhir_fetch_timeout)
        discovery = discovery_document(endpoints)
        return cls(settings, endpoints, discovery, store, authenticator, FetchPolicy.from_settings(settings))

    def endpoint(self, service_id: str) -> CdsEndpoint:
        """The service with this id, listed in discovery or not (NotFoundError → 404)."""
        endpoint = self.endpoints.get(service_id)
        if endpoint is None:
            raise NotFoundError(f"unknown CDS service '{service_id}'")
        return endpoint

    def endpoint_url(self, request: Request) -> str:
        """This endpoint's URL as clients address it (the JWT audience)."""
        base = self.settings.public_base_url or str(request.base_url).rstrip("/")
        return base + request.url.path

    async def authenticate(self, request: Request) -> None:
        """Verify the client's JWT when issuers are configured (UnauthorizedError → 401)."""
        if self.authenticator is not None:
            await self.authenticator.verify(request.headers.get("authorization"), self.endpoint_url(request))


def install(app: FastAPI, settings: Settings, package: Package) -> None:
    """Build the CDS service into the app's state (its store closed with the app)."""
    state = app.state.fhir_ldn
    service = CdsService.build(settings, package, state.terminology)
    state.extras[STATE_KEY] = service
    app.router.on_shutdown.append(service.store.dispose)  # close the database connections with the app


def cds_of(request: Request) -> CdsService:
    """The app's CDS service."""
    service = request.app.state.fhir_ldn.extras.get(STATE_KEY)
    if not isinstance(service, CdsService):
        raise RuntimeError("the CDS service was not installed in this app")
    return service


async def get_cds(request: Request) -> CdsService:
    return cds_of(request)


CdsDep = Annotated[CdsService, Depends(get_cds)]
