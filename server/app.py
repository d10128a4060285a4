"""The app factory: load the package once, register routes, the error handlers and the middlewares."""

from __future__ import annotations

import gc

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from fhir_ldn import __version__
from fhir_ldn.config import Settings
from fhir_ldn.package.loader import load_package
from server import errors, limits, openapi
from server.cds import service as cds_service
from server.no_installs import NoInstalls
from server.request_log import RequestLog
from server.routes import APP_ROUTES, ROUTERS
from server.state import AppState, Downloads


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the FastAPI app serving the knowledge package (raises PackageError if it cannot load)."""
    settings = settings or Settings.from_env()
    app = FastAPI(
        title="fhir-ldn",
        version=__version__,
        description="Low-dose naltrexone + SSRI knowledge: FHIR R5 package, CDS Hooks and terminology.",
    )
    package = load_package(settings)
    app.state.fhir_ldn = AppState(settings=settings, package=package, downloads=Downloads.build(package))
    errors.install(app)
    limits.install(app, settings)  # inside CORS, so that its refusals carry CORS headers
    cds_service.install(app, settings, app.state.fhir_ldn.package)
    app.add_middleware(  # browser clients (the cds-hooks sandbox), every endpoint, preflight included
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Accept"],
        max_age=600,
    )
    app.add_middleware(NoInstalls)  # no request installs a FHIR package: 503 when one is missing
    app.add_middleware(RequestLog)  # outermost: logs every answer
    for path, endpoint, methods in APP_ROUTES:
        app.router.add_route(path, endpoint, methods=methods, include_in_schema=False)
    for router in ROUTERS:
        app.include_router(router)
    openapi.install(app)
    return app


def create_served_app() -> FastAPI:
    """The app as `fhir-ldn serve` runs it (uvicorn factory): `create_app` plus a frozen start-up heap."""
    app = create_app()
    app.router.on_startup.append(_freeze_startup_heap)
    return app


def _freeze_startup_heap() -> None:
    """Move everything built at start-up (package, indexes, compiled rules) out of the collector's reach.

    The long-lived start-up heap would otherwise be rescanned by every full collection that request
    garbage triggers; freezing it is the standard remedy (gc.freeze, Python 3.7+).
    """
    gc.collect()
    gc.freeze()
