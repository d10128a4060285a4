"""GET /fhir/metadata: the CapabilityStatement (or, with mode=terminology, the TerminologyCapabilities).

The statement is built from the routers registered in `server.routes.ROUTERS`, so an endpoint added there
appears in it:
an operation route `/fhir/{Type}/$name` (or `/fhir/$name`, or `/fhir/{resource_type}/$name` for every
type) is listed with the core OperationDefinition `Type-name`, or with the canonical given in the route's
`openapi_extra={"x-fhir-operation-definition": url}`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from fhir_ldn import __version__
from fhir_ldn.capabilities import (
    OperationSpec,
    ResourceSpec,
    capability_statement,
    default_definition,
    terminology_capabilities,
)
from fhir_ldn.errors import RequestError
from fhir_ldn.xver.targets import FhirTarget
from server.deps import StateDep
from server.fhir import FHIR_PREFIX, base_url
from server.negotiation import fhir_response, fhir_version
from server.routes.read_search import SEARCH_PARAMS, served_types
from server.state import AppState

router = APIRouter(prefix=FHIR_PREFIX, tags=["fhir"])
DEFINITION_KEY = "x-fhir-operation-definition"


def operation_specs(routers: Iterable[APIRouter]) -> list[tuple[str | None, OperationSpec]]:
    """(resource type, '*' for every type, or None for system level; operation) of each /fhir operation route."""
    out: dict[tuple[str | None, str], OperationSpec] = {}
    for route in (r for router in routers for r in router.routes):
        if not isinstance(route, APIRoute) or not route.path.startswith(FHIR_PREFIX + "/"):
            continue
        segments = route.path[len(FHIR_PREFIX) + 1 :].split("/")
        if not segments[-1].startswith("$"):
            continue
        name = segments[-1][1:]
        first = segments[0] if len(segments) > 1 else None
        rtype = "*" if first is not None and first.startswith("{") else first
        concrete = None if rtype in (None, "*") else rtype
        explicit = (route.openapi_extra or {}).get(DEFINITION_KEY)
        out[(rtype, name)] = OperationSpec(name, concrete, explicit or default_definition(name, concrete))
    return [(rtype, spec) for (rtype, _), spec in out.items()]


@router.get("/metadata", response_class=Response)
def read_metadata(request: Request, state: StateDep, mode: str = "full") -> Response:
    """The server's CapabilityStatement (mode full/normative) or TerminologyCapabilities (mode terminology)."""
    meta, base = state.package.meta, base_url(request)
    target = fhir_version(request)
    if mode == "terminology":
        held = (r for r in state.package if r["resourceType"] == "CodeSystem")
        return _in_version(terminology_capabilities(meta, __version__, base, held), request, state, target)
    if mode not in ("full", "normative"):
        raise RequestError(f"unknown mode '{mode}': use full, normative or terminology", expression="mode")
    resources = {
        t: ResourceSpec(t, search_params=SEARCH_PARAMS.get(t, SEARCH_PARAMS["*"])) for t in served_types(state, target)
    }
    from server import routes  # the registry of routers (imported here: it imports this module)

    system_ops = []
    for rtype, op in operation_specs(routes.ROUTERS):
        if rtype is None:
            system_ops.append(op)
        elif rtype == "*":
            for spec in resources.values():
                spec.operations.append(op)
        else:
            resources.setdefault(rtype, ResourceSpec(rtype, interactions=())).operations.append(op)
    statement = capability_statement(meta, __version__, base, list(resources.values()), system_ops)
    return _in_version(statement, request, state, target)


def _in_version(resource: dict[str, Any], request: Request, state: AppState, target: FhirTarget) -> Response:
    """The statement in the FHIR version asked for: each version's statement names its own `fhirVersion` and
    the resource types served in it; `$versions` lists them all."""
    if not target.is_r5:
        from fhir_ldn.xver.package import converter

        resource = converter(state.package, target).resource(resource)
        if "fhirVersion" in resource:
            resource["fhirVersion"] = target.version
    return fhir_response(resource, request, target=target)
