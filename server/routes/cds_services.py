"""CDS Hooks 2.0 discovery (`GET /cds-services`) and service calls (`POST /cds-services/{id}`)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fhir_ldn.cds.hookrequest import parse_hook_request, parse_json_object
from fhir_ldn.cds.respond import NO_CARDS, concerns_rule, draft_entries, respond
from server.cds.fhir_client import current_medications
from server.cds.service import CdsDep, cds_of

router = APIRouter(prefix="/cds-services", tags=["cds-hooks"])


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), status, media_type="application/json")


@router.get("")
async def read_discovery(request: Request, cds: CdsDep) -> Response:
    """The services: one id per hook (`fhir_ldn.cds.discovery`), each with its prefetch templates."""
    await cds.authenticate(request)
    return Response(cds.discovery_json, media_type="application/json")


async def call_service(request: Request) -> Response:
    """Cards for the hook: evaluated from the package's ECA PlanDefinition; `{"cards": []}` when none applies.

    The hot path, so a plain Starlette route: FastAPI's per-request parameter machinery would cost about a
    fifth of the call. Documented in the OpenAPI document by `server.openapi`.
    """
    cds = cds_of(request)
    await cds.authenticate(request)
    endpoint = cds.endpoint(request.path_params["service_id"])
    hook_request = parse_hook_request(parse_json_object(await request.body()), endpoint.hooks)
    drafts = draft_entries(hook_request)
    if not concerns_rule(endpoint.rule, hook_request, drafts):
        return Response(NO_CARDS, media_type="application/json")  # nothing to fetch for an order no card concerns
    existing = await current_medications(hook_request, drafts, cds.fetch_policy)
    return Response(respond(endpoint.rule, hook_request, drafts, existing), media_type="application/json")


# Added to the app itself, ahead of every router (`server.routes.APP_ROUTES`): a route inside an included router
# is matched twice (the router, then its route), which the hot path need not pay.
CALL_PATH = f"{router.prefix}/{{service_id}}"
