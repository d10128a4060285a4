"""The one exception handler module: every error becomes an OperationOutcome, never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from fhir_ldn.errors import BusinessRuleError, FhirLdnError
from fhir_ldn.formats.xml_write import representable
from fhir_ldn.outcome import error_outcome, outcome_for_error
from server.negotiation import render, response_format

log = logging.getLogger("fhir_ldn.server")

_HTTP_ISSUE = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    408: "timeout",
    413: "too-long",
    415: "not-supported",
    422: "business-rule",
    429: "throttled",
    503: "transient",
}


def _outcome_response(
    request: Request, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    """The OperationOutcome in the format the client asked for (JSON if the format request itself is bad, or if
    XML cannot be written: e.g. the R5 definitions the converter needs are not installed)."""
    try:
        fmt = response_format(request)
    except FhirLdnError:
        fmt = "json"
    try:
        try:
            return render(body, fmt, status, headers)
        except BusinessRuleError:  # a message quotes input XML cannot carry (e.g. a control character): replace it
            return render(_representable(body), fmt, status, headers)
    except FhirLdnError:
        if fmt == "json":
            raise
        return render(body, "json", status, headers)


def _representable(node: Any) -> Any:
    if isinstance(node, str):
        return representable(node)
    if isinstance(node, dict):
        return {key: _representable(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_representable(value) for value in node]
    return node


def error_response(request: Request, exc: FhirLdnError) -> Response:
    """The OperationOutcome response for a typed error (also for middleware, which runs outside the handlers)."""
    return _outcome_response(request, exc.http_status, outcome_for_error(exc))


async def handle_fhir_ldn_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, FhirLdnError):  # pragma: no cover - registered for FhirLdnError only
        return await handle_unexpected(request, exc)
    return error_response(request, exc)


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, RequestValidationError):  # pragma: no cover
        return await handle_unexpected(request, exc)
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()))
    text = f"invalid request: {first.get('msg', 'bad input')}" + (f" ({where})" if where else "")
    return _outcome_response(request, 400, error_outcome("invalid", text))


def _allowed_methods(request: Request) -> str:
    """The methods of the resource at this path, as documented (Starlette names only its first route's)."""
    from server.openapi import path_templates  # the document is built from the routes, which import this module

    return ", ".join(path_templates(request.app).methods(request.url.path))


async def handle_http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, StarletteHTTPException):  # pragma: no cover
        return await handle_unexpected(request, exc)
    code = _HTTP_ISSUE.get(exc.status_code, "processing")
    headers = dict(exc.headers or {})  # e.g. `Allow` on a 405, which HTTP requires
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return _outcome_response(request, exc.status_code, error_outcome(code, str(exc.detail)), headers)


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _outcome_response(request, 500, error_outcome("exception", "internal server error", severity="fatal"))


def install(app: FastAPI) -> None:
    """Register the handlers on an app."""
    app.add_exception_handler(FhirLdnError, handle_fhir_ldn_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(Exception, handle_unexpected)
