"""The one exception handler module: every error becomes an OperationOutcome, never a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from fhir_ldn.errors import FhirLdnError
from fhir_ldn.outcome import error_outcome, outcome_for_error

log = logging.getLogger("fhir_ldn.server")
FHIR_JSON = "application/fhir+json"

_HTTP_ISSUE = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    413: "too-long",
    415: "not-supported",
    422: "business-rule",
    429: "throttled",
}


def _outcome_response(status: int, body: dict[str, object]) -> Response:
    return JSONResponse(body, status_code=status, media_type=FHIR_JSON)


async def handle_fhir_ldn_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, FhirLdnError):  # pragma: no cover - registered for FhirLdnError only
        return await handle_unexpected(request, exc)
    return _outcome_response(exc.http_status, outcome_for_error(exc))


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, RequestValidationError):  # pragma: no cover
        return await handle_unexpected(request, exc)
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()))
    text = f"invalid request: {first.get('msg', 'bad input')}" + (f" ({where})" if where else "")
    return _outcome_response(400, error_outcome("invalid", text))


async def handle_http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, StarletteHTTPException):  # pragma: no cover
        return await handle_unexpected(request, exc)
    code = _HTTP_ISSUE.get(exc.status_code, "processing")
    return _outcome_response(exc.status_code, error_outcome(code, str(exc.detail)))


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _outcome_response(500, error_outcome("exception", "internal server error", severity="fatal"))


def install(app: FastAPI) -> None:
    """Register the handlers on an app."""
    app.add_exception_handler(FhirLdnError, handle_fhir_ldn_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(Exception, handle_unexpected)
