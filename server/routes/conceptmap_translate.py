"""ConceptMap/$translate (GET and POST, type and instance level)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from server.fhir import app_state, instance, operation_params
from server.negotiation import fhir_response

router = APIRouter(prefix="/fhir/ConceptMap", tags=["terminology"])


@router.get("/$translate", response_class=Response)
@router.post("/$translate", response_class=Response)
async def translate(request: Request) -> Response:
    """Translate a code with the concept maps held (or the one named by url)."""
    state = app_state(request)
    params = await operation_params(request)
    return fhir_response(state.terminology.translate(params), request)


@router.get("/{resource_id}/$translate", response_class=Response)
@router.post("/{resource_id}/$translate", response_class=Response)
async def translate_instance(resource_id: str, request: Request) -> Response:
    """Translate a code with one of the package's concept maps."""
    state = app_state(request)
    params = await operation_params(request)
    return fhir_response(state.terminology.translate(params, instance(state, "ConceptMap", resource_id)), request)
