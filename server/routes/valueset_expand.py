"""ValueSet/$expand (GET and POST, type and instance level)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from server.fhir import app_state, instance, new_uuid, now_instant, operation_params
from server.negotiation import fhir_response

router = APIRouter(prefix="/fhir/ValueSet", tags=["terminology"])


@router.get("/$expand", response_class=Response)
@router.post("/$expand", response_class=Response)
async def expand(request: Request) -> Response:
    """Expand the value set given by url, valueSet or the tx-resource parameters."""
    state = app_state(request)
    params = await operation_params(request)
    language = request.headers.get("accept-language")
    expanded = state.terminology.expand(
        params, timestamp=now_instant(), identifier=new_uuid(), accept_language=language
    )
    return fhir_response(expanded, request)


@router.get("/{resource_id}/$expand", response_class=Response)
@router.post("/{resource_id}/$expand", response_class=Response)
async def expand_instance(resource_id: str, request: Request) -> Response:
    """Expand one of the package's value sets."""
    state = app_state(request)
    params = await operation_params(request)
    vs = instance(state, "ValueSet", resource_id)
    language = request.headers.get("accept-language")
    expanded = state.terminology.expand(
        params, vs, timestamp=now_instant(), identifier=new_uuid(), accept_language=language
    )
    return fhir_response(expanded, request)
