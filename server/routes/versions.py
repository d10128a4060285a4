"""GET /fhir/$versions: the FHIR versions this endpoint speaks (R5 only)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from server.fhir import FHIR_PREFIX
from server.negotiation import fhir_response

router = APIRouter(prefix=FHIR_PREFIX, tags=["fhir"])

VERSIONS_DEFINITION = "http://hl7.org/fhir/OperationDefinition/CapabilityStatement-versions"


@router.get("/$versions", response_class=Response, openapi_extra={"x-fhir-operation-definition": VERSIONS_DEFINITION})
@router.post("/$versions", response_class=Response, openapi_extra={"x-fhir-operation-definition": VERSIONS_DEFINITION})
def versions(request: Request) -> Response:
    """The supported FHIR versions and the default one."""
    body = {
        "resourceType": "Parameters",
        "parameter": [{"name": "version", "valueCode": "5.0"}, {"name": "default", "valueCode": "5.0"}],
    }
    return fhir_response(body, request)
