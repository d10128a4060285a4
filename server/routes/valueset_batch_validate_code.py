"""ValueSet/$batch-validate-code (POST): several $validate-code requests against one value set in one call."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from server.fhir import app_state, operation_params
from server.negotiation import fhir_response

router = APIRouter(prefix="/fhir/ValueSet", tags=["terminology"])


@router.post("/$batch-validate-code", response_class=Response)
async def batch_validate_code(request: Request) -> Response:
    """Validate each `validation` Parameters of the request, with the request's other parameters."""
    state = app_state(request)
    params = await operation_params(request)
    language = request.headers.get("accept-language")
    return fhir_response(state.terminology.batch_validate_code(params, accept_language=language), request)
