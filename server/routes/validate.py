"""POST /fhir/$validate and /fhir/{type}/$validate: validate a resource against R5 (or R4B, R4) and profiles.

The body is the resource (FHIR JSON or XML), or a Parameters resource with `resource` and optional `profile`
parameters; `?profile=url` works too. The `fhirVersion` parameter of Content-Type picks the version
(`application/fhir+json; fhirVersion=4.0`; default 5.0). The answer is an OperationOutcome (200 whether or
not the resource is valid) in the format the client asked for.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fhir_ldn.core_defs.versions import DEFAULT_VERSION
from fhir_ldn.errors import RequestError
from fhir_ldn.formats.decimal_json import loads as loads_keeping_decimals
from fhir_ldn.package.index import Package
from fhir_ldn.validation.session import Session
from fhir_ldn.validation.validator import ValidationResult, Validator, default_source, package_validator
from server.fhir import app_state
from server.negotiation import body_fhir_version, body_format, fhir_response, parse_body
from server.offload import SerialWorker

router = APIRouter(prefix="/fhir", tags=["validation"])
DEFINITION_KEY = "x-fhir-operation-definition"  # read by server.routes.metadata for the CapabilityStatement
VALIDATE_DEFINITION = "http://hl7.org/fhir/OperationDefinition/Resource-validate"

_VALIDATOR_KEY = "validator"
_WORKER_KEY = "validator.worker"


def _validator(package: Package, extras: dict[str, object], fhir_version: str | None = None) -> Validator:
    """The validator for a FHIR version, built on first use (its core packages must be installed): for R5 it
    knows the app's package; for R4B and R4 the core and extensions packages of that version."""
    key = _VALIDATOR_KEY if fhir_version in (None, DEFAULT_VERSION) else f"{_VALIDATOR_KEY}.{fhir_version}"
    found = extras.get(key)
    if not isinstance(found, Validator):
        if key == _VALIDATOR_KEY:
            found = package_validator(package, install=False)
        else:
            found = Validator(Session(default_source(install=False, fhir_version=str(fhir_version))))
        extras[key] = found
    return found


def _worker(extras: dict[str, object]) -> SerialWorker:
    """The app's one validation thread queue (the validator is not safe for concurrent use)."""
    found = extras.get(_WORKER_KEY)
    if not isinstance(found, SerialWorker):
        found = SerialWorker()
        extras[_WORKER_KEY] = found
    return found


def _parameters(content: bytes, fmt: str) -> dict[str, Any] | None:
    """The body as a Parameters resource of this operation (one with a `resource` parameter), else None."""
    if fmt == "json":
        if b'"Parameters"' not in content:
            return None
        try:
            data = loads_keeping_decimals(content)
        except (ValueError, RecursionError):
            return None
    else:
        if b"Parameters" not in content[:400]:
            return None
        try:
            data = parse_body(content, "xml")
        except RequestError:
            return None
    if not isinstance(data, dict) or data.get("resourceType") != "Parameters":
        return None
    params = data.get("parameter")
    if isinstance(params, list) and any(isinstance(p, dict) and p.get("name") == "resource" for p in params):
        return data
    return None


def _from_parameters(parameters: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    resource: Any = None
    profiles: list[str] = []
    for p in parameters.get("parameter", []):
        if not isinstance(p, dict):
            continue
        if p.get("name") == "resource":
            resource = p.get("resource")
        elif p.get("name") == "profile":
            value = p.get("valueUri") or p.get("valueCanonical") or p.get("valueString")
            if isinstance(value, str):
                profiles.append(value)
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        raise RequestError("the 'resource' parameter must hold a FHIR resource", expression="Parameters.parameter")
    return resource, profiles


async def _validate(request: Request, resource_type: str | None) -> Response:
    state = app_state(request)
    fmt = body_format(request)
    content = await request.body()
    if not content.strip():
        raise RequestError("the request body is empty: send the resource to validate")
    profiles = request.query_params.getlist("profile")
    version = body_fhir_version(request)
    parameters = _parameters(content, fmt)

    def validate() -> ValidationResult:
        validator = _validator(state.package, state.extras, version)  # built on first use: off the loop too
        if parameters is not None:
            resource, more = _from_parameters(parameters)
            return validator.validate_resource(resource, [*profiles, *more], expected_type=resource_type)
        if fmt == "xml":
            return validator.validate_xml(content, profiles, expected_type=resource_type)
        return validator.validate_json(content, profiles, expected_type=resource_type)

    result = await _worker(state.extras).run(validate)  # off the event loop: a big Bundle takes seconds
    return fhir_response(result.outcome(), request)


@router.post("/$validate", response_class=Response, openapi_extra={DEFINITION_KEY: VALIDATE_DEFINITION})
async def validate(request: Request) -> Response:
    """Validate any resource against FHIR R5, its declared profiles and `profile`."""
    return await _validate(request, None)


@router.post("/{resource_type}/$validate", response_class=Response, openapi_extra={DEFINITION_KEY: VALIDATE_DEFINITION})
async def validate_type(resource_type: str, request: Request) -> Response:
    """Validate a resource of this type against FHIR R5, its declared profiles and `profile`."""
    return await _validate(request, resource_type)
