"""ConceptMap/$translate (GET and POST, type and instance level)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from server.deps import StateDep
from server.fhir import instance, operation_params
from server.negotiation import fhir_response

router = APIRouter(prefix="/fhir/ConceptMap", tags=["terminology"])


@router.get("/$translate", response_class=Response)
@router.post("/$translate", response_class=Response)
async def translate(request: Request, state: StateDep) -> Response:
    """Translate a code with the concept maps held (or the one named by url)."""
    params = await operation_params(request)
    return fhir_response(state.terminology.translate(params), request)


@router.get("/{resource_id}/$translate", response_class=Response)
@router.post("/{resource_id}/$translate", response_class=Response)
async def translate_instance(resource_id: str, request: Request, state: StateDep) -> Response:
    """Translate a code with one of the package's concept maps."""
    params = await operation_params(request)
    return fhir_response(state.terminology.translate(params, instance(state, "ConceptMap", resource_id)), request)
