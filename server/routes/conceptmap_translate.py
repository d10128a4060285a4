"""ConceptMap/$translate (GET and POST, type and instance level)."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import Response

from server.fhir import app_state, instance, operation_params
from server.negotiation import fhir_response
from server.terminology_work import run_operation

router = APIRouter(prefix="/fhir/ConceptMap", tags=["terminology"])


@router.get("/$translate", response_class=Response)
@router.post("/$translate", response_class=Response)
async def translate(request: Request) -> Response:
    """Translate a code with the concept maps held (or the one named by url)."""
    state = app_state(request)
    params = await operation_params(request)
    answer = await run_operation(request, partial(state.terminology.translate, params))
    return fhir_response(answer, request)


@router.get("/{resource_id}/$translate", response_class=Response)
@router.post("/{resource_id}/$translate", response_class=Response)
async def translate_instance(resource_id: str, request: Request) -> Response:
    """Translate a code with one of the package's concept maps."""
    state = app_state(request)
    params = await operation_params(request)
    answer = await run_operation(
        request, partial(state.terminology.translate, params, instance(state, "ConceptMap", resource_id))
    )
    return fhir_response(answer, request)
