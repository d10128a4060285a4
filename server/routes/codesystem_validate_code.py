"""CodeSystem/$validate-code (GET and POST, type and instance level)."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import Response

from server.fhir import app_state, instance, operation_params
from server.negotiation import fhir_response
from server.terminology_work import run_operation

router = APIRouter(prefix="/fhir/CodeSystem", tags=["terminology"])


@router.get("/$validate-code", response_class=Response)
@router.post("/$validate-code", response_class=Response)
async def validate_code(request: Request) -> Response:
    """Is the code defined by the code system (url)?"""
    state = app_state(request)
    params = await operation_params(request)
    language = request.headers.get("accept-language")
    answer = await run_operation(
        request, partial(state.terminology.validate_code_system_code, params, accept_language=language)
    )
    return fhir_response(answer, request)


@router.get("/{resource_id}/$validate-code", response_class=Response)
@router.post("/{resource_id}/$validate-code", response_class=Response)
async def validate_code_instance(resource_id: str, request: Request) -> Response:
    """Is the code defined by one of the package's code systems?"""
    state = app_state(request)
    params = await operation_params(request)
    cs = instance(state, "CodeSystem", resource_id)
    language = request.headers.get("accept-language")
    answer = await run_operation(
        request, partial(state.terminology.validate_code_system_code, params, cs, accept_language=language)
    )
    return fhir_response(answer, request)
