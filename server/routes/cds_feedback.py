"""CDS Hooks 2.0 feedback: `POST /cds-services/{id}/feedback` (stored durably) and a `GET` summary for operators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from fhir_ldn.cds.feedback import parse_feedback
from fhir_ldn.cds.hookrequest import parse_json_object
from server.cds.service import CdsDep
from server.routes.cds_services import json_response

router = APIRouter(prefix="/cds-services", tags=["cds-hooks"])


@router.post("/{service_id}/feedback")
async def create_feedback(service_id: str, request: Request, cds: CdsDep) -> Response:
    """Store the feedback; answered only after the transaction commits. Repeats are acknowledged, not duplicated."""
    await cds.authenticate(request)
    cds.endpoint(service_id)
    items = parse_feedback(parse_json_object(await request.body()))
    stored = await run_in_threadpool(cds.store.add_feedback, service_id, items)
    return json_response({"received": len(items), "stored": stored})


@router.get("/{service_id}/feedback")
async def read_feedback_summary(service_id: str, request: Request, cds: CdsDep) -> Response:
    """Counts of the feedback received for the service: by outcome and by override reason."""
    await cds.authenticate(request)
    cds.endpoint(service_id)
    return json_response(await run_in_threadpool(cds.store.feedback_summary, service_id))
