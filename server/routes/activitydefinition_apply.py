"""POST /fhir/ActivityDefinition/$apply and /fhir/ActivityDefinition/{id}/$apply: one request resource (R5)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fhir_ldn.apply.parameters import parse_apply_parameters
from server.deps import StateDep
from server.negotiation import fhir_response, read_resource
from server.routes.plandefinition_apply import applier, definition_by_url, instance

router = APIRouter(prefix="/fhir", tags=["operations"])


@router.post("/ActivityDefinition/$apply", response_class=Response)
async def apply_activity_definition_by_url(request: Request, state: StateDep) -> Response:
    """Apply the ActivityDefinition named by `url` to `subject`: the request resource it describes."""
    params = parse_apply_parameters(await read_resource(request), "activityDefinition")
    definition = definition_by_url(state, "ActivityDefinition", params, "activityDefinition")
    return fhir_response(applier(state).apply_activity(definition, params), request)


@router.post("/ActivityDefinition/{definition_id}/$apply", response_class=Response)
async def apply_activity_definition(definition_id: str, request: Request, state: StateDep) -> Response:
    """Apply this ActivityDefinition to `subject`: the request resource it describes."""
    params = parse_apply_parameters(await read_resource(request), "activityDefinition")
    definition = instance(state, "ActivityDefinition", definition_id, params, "activityDefinition")
    return fhir_response(applier(state).apply_activity(definition, params), request)
