"""GET /fhir/$versions: the FHIR versions this endpoint serves (5.0, the default; 4.3 and 4.0 converted)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fhir_ldn.xver.targets import R5, TARGETS
from server.fhir import FHIR_PREFIX
from server.negotiation import fhir_response

router = APIRouter(prefix=FHIR_PREFIX, tags=["fhir"])

VERSIONS_DEFINITION = "http://hl7.org/fhir/OperationDefinition/CapabilityStatement-versions"


@router.get("/$versions", response_class=Response, openapi_extra={"x-fhir-operation-definition": VERSIONS_DEFINITION})
@router.post("/$versions", response_class=Response, openapi_extra={"x-fhir-operation-definition": VERSIONS_DEFINITION})
def versions(request: Request) -> Response:
    """The supported FHIR versions and the default one."""
    versions = [{"name": "version", "valueCode": t.short} for t in sorted(TARGETS.values(), key=lambda t: t.short)]
    body = {"resourceType": "Parameters", "parameter": [*versions, {"name": "default", "valueCode": R5.short}]}
    return fhir_response(body, request)
