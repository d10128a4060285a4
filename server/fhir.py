"""Shared pieces of the FHIR routes under /fhir: operation parameters, instances, base URL, clock and ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import Request

from fhir_ldn.errors import NotFoundError
from fhir_ldn.terminology import OperationParams
from server.negotiation import read_resource
from server.state import AppState

FHIR_PREFIX = "/fhir"


def app_state(request: Request) -> AppState:
    """The app state. The operation routes read it directly: dependency injection costs every call time."""
    state: AppState = request.app.state.fhir_ldn
    return state


async def operation_params(request: Request) -> OperationParams:
    """The operation's parameters: the query string of a GET, the Parameters body of a POST."""
    if request.method == "POST":
        return OperationParams.from_resource(await read_resource(request))
    return OperationParams.from_query(request.query_params.multi_items())


def instance(state: AppState, resource_type: str, resource_id: str) -> dict[str, Any]:
    """A resource of the package for an instance-level call, or 404."""
    found = state.package.get(resource_type, resource_id)
    if found is None:
        raise NotFoundError(f"{resource_type}/{resource_id} is not known", expression="id")
    return found


def base_url(request: Request) -> str:
    """The FHIR base URL as the client addressed it (…/fhir)."""
    return str(request.base_url).rstrip("/") + FHIR_PREFIX


def now_instant() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_uuid() -> str:
    return f"urn:uuid:{uuid.uuid4()}"
