"""CodeSystem/$subsumes (GET and POST, type and instance level)."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import Response

from server.fhir import app_state, instance, operation_params
from server.negotiation import fhir_response
from server.terminology_work import run_operation

router = APIRouter(prefix="/fhir/CodeSystem", tags=["terminology"])


@router.get("/$subsumes", response_class=Response)
@router.post("/$subsumes", response_class=Response)
async def subsumes(request: Request) -> Response:
    """How codeA and codeB (or codingA and codingB) of one code system relate."""
    state = app_state(request)
    params = await operation_params(request)
    answer = await run_operation(request, partial(state.terminology.subsumes, params))
    return fhir_response(answer, request)


@router.get("/{resource_id}/$subsumes", response_class=Response)
@router.post("/{resource_id}/$subsumes", response_class=Response)
async def subsumes_instance(resource_id: str, request: Request) -> Response:
    """$subsumes in one of the package's code systems."""
    state = app_state(request)
    params = await operation_params(request)
    answer = await run_operation(
        request, partial(state.terminology.subsumes, params, instance(state, "CodeSystem", resource_id))
    )
    return fhir_response(answer, request)
