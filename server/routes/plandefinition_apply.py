"""POST /fhir/PlanDefinition/$apply and /fhir/PlanDefinition/{id}/$apply: a plan for one patient (R5 $apply)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fhir_ldn.apply.parameters import ApplyInput, parse_apply_parameters
from fhir_ldn.apply.plandefinition import PlanApplier
from fhir_ldn.errors import BusinessRuleError, NotFoundError, RequestError
from server.deps import StateDep
from server.negotiation import fhir_response, read_resource
from server.state import AppState

router = APIRouter(prefix="/fhir", tags=["operations"])
_APPLIER = "apply.applier"


def applier(state: AppState) -> PlanApplier:
    """The PlanApplier of the loaded package, built on first use and kept."""
    found = state.extras.get(_APPLIER)
    if not isinstance(found, PlanApplier):
        found = PlanApplier(state.package, state.terminology)
        state.extras[_APPLIER] = found
    return found


def definition_by_url(state: AppState, kind: str, request: ApplyInput, definition_param: str) -> dict[str, object]:
    """The definition a type-level call names by `url` (and `version`); only this package's own are applied."""
    if request.definition is not None:
        raise BusinessRuleError(
            f"this server applies only its own {kind}s: name one with 'url' instead of sending '{definition_param}'",
            expression=definition_param,
        )
    if request.url is None:
        raise RequestError(f"the type-level $apply needs a 'url' parameter naming a {kind}", expression="url")
    canonical = f"{request.url}|{request.version}" if request.version else request.url
    found = state.package.resolve_canonical(canonical)
    if found is None or found.get("resourceType") != kind:
        raise NotFoundError(f"no {kind} with url {canonical} in this package", expression="url")
    return found


def instance(
    state: AppState, kind: str, resource_id: str, request: ApplyInput, definition_param: str
) -> dict[str, object]:
    """The definition an instance-level call addresses (`url`, `version` and the definition itself are not allowed)."""
    for name, value in (("url", request.url), ("version", request.version), (definition_param, request.definition)):
        if value is not None:
            raise RequestError(
                f"'{name}' is not allowed when $apply is invoked on {kind}/{resource_id}", expression=name
            )
    found = state.package.get(kind, resource_id)
    if found is None:
        raise NotFoundError(f"{kind}/{resource_id} is not in this package")
    return found


@router.post("/PlanDefinition/$apply", response_class=Response)
async def apply_plan_definition_by_url(request: Request, state: StateDep) -> Response:
    """Apply the PlanDefinition named by `url` to `subject`, with the patient's medications in `data`."""
    params = parse_apply_parameters(await read_resource(request), "planDefinition")
    plan = definition_by_url(state, "PlanDefinition", params, "planDefinition")
    return fhir_response(applier(state).apply_plan(plan, params), request)


@router.post("/PlanDefinition/{plan_id}/$apply", response_class=Response)
async def apply_plan_definition(plan_id: str, request: Request, state: StateDep) -> Response:
    """Apply this PlanDefinition to `subject`, with the patient's medications in `data`."""
    params = parse_apply_parameters(await read_resource(request), "planDefinition")
    plan = instance(state, "PlanDefinition", plan_id, params, "planDefinition")
    return fhir_response(applier(state).apply_plan(plan, params), request)
