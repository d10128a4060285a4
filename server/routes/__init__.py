"""One router module per endpoint group; `ROUTERS` lists them in the order the app includes them.

The CDS card call is registered on the app itself, first (`APP_ROUTES`). FHIR operation routers come before
`read_search`, whose `/fhir/{type}/{id}` would otherwise take them.
"""

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Response

from server.routes import (
    activitydefinition_apply,
    cds_feedback,
    cds_services,
    codesystem_lookup,
    codesystem_subsumes,
    codesystem_validate_code,
    conceptmap_translate,
    downloads,
    health,
    metadata,
    pages,
    plandefinition_apply,
    read_search,
    validate,
    valueset_batch_validate_code,
    valueset_expand,
    valueset_validate_code,
    versions,
)

# (path, endpoint, methods) the app registers on itself before any router: the hot paths.
APP_ROUTES: list[tuple[str, Callable[[Request], Awaitable[Response]], list[str]]] = [
    (cds_services.CALL_PATH, cds_services.call_service, ["POST"]),
]

ROUTERS: list[APIRouter] = [
    cds_services.router,  # first: the CDS card call has a ~500 ms budget end to end, and routing costs time
    cds_feedback.router,
    health.router,
    downloads.router,
    # FHIR: the most frequent calls first (every router a request passes costs it time)
    valueset_validate_code.router,
    valueset_expand.router,
    valueset_batch_validate_code.router,
    codesystem_validate_code.router,
    codesystem_lookup.router,
    conceptmap_translate.router,
    codesystem_subsumes.router,
    plandefinition_apply.router,
    activitydefinition_apply.router,
    validate.router,  # POST /fhir/$validate, /fhir/{type}/$validate
    versions.router,
    metadata.router,
    read_search.router,  # last of the FHIR routes: /fhir/{type}/{id}
    pages.router,  # last: its one-segment file-name route (`/index.html`) must not shadow the API's routes
]
