"""CDS Hooks 2.0 discovery (`GET /cds-services`) and service calls (`POST /cds-services/{id}`)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fhir_ldn.cds.hookrequest import parse_hook_request, parse_json_object
from fhir_ldn.cds.respond import draft_entries, respond
from server.cds.fhir_client import current_medications
from server.cds.service import CdsDep, cds_of

router = APIRouter(prefix="/cds-services", tags=["cds-hooks"])


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), status, media_type="application/json")


@router.get("")
async def read_discovery(request: Request, cds: CdsDep) -> Response:
    """The services: one id for both order-select and order-sign, with its prefetch templates."""
    await cds.authenticate(request)
    return Response(cds.discovery_json, media_type="application/json")


@router.post("/{service_id}")
async def call_service(service_id: str, request: Request) -> Response:
    """Cards for the hook: evaluated from the package's ECA PlanDefinition; `{"cards": []}` when none applies."""
    cds = cds_of(request)  # the hot path: no dependency-injection round
    await cds.authenticate(request)
    rule = cds.rule(service_id)
    hook_request = parse_hook_request(parse_json_object(await request.body()), rule.hooks)
    drafts = draft_entries(hook_request)
    settings = cds.settings
    existing = await current_medications(
        hook_request, drafts, settings.fhir_fetch_timeout, settings.fhir_fetch_max_pages
    )
    return Response(respond(rule, hook_request, drafts, existing), media_type="application/json")
