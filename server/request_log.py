"""Structured request logs: one record per request with its method, route template, status, duration and id.

Only the route *template* is logged (`/fhir/{resource_type}/{resource_id}`, never the path a client sent,
nor its query string, headers or body), so no identifier, token or clinical value reaches the logs. A request
id is taken from a well-formed `X-Request-ID` header (letters, digits, `.`, `_`, `-`; at most 64) or made up,
and returned in the response's `X-Request-ID`. `server.logs` writes the records as JSON lines.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import MutableMapping
from typing import Any

from server.limits import ASGIApp, Message, Receive, Send
from server.openapi import path_templates

log = logging.getLogger("fhir_ldn.access")
REQUEST_ID_HEADER = b"x-request-id"
_SAFE_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}")
UNMATCHED = "-"


def _request_id(scope: MutableMapping[str, Any]) -> str:
    for name, value in scope.get("headers") or ():
        if name == REQUEST_ID_HEADER and _SAFE_ID.fullmatch(value):
            return str(value.decode("ascii"))
    return uuid.uuid4().hex


class RequestLog:
    """The middleware (outermost, so that it sees every answer, refusals by the limits included)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    def route_template(self, scope: MutableMapping[str, Any]) -> str:
        """The path template of the route that served (or would have served) the request, or `-` if none.

        FastAPI names its route in the scope; otherwise (the plain Starlette CDS card route, or a request
        refused before routing, e.g. 413) the app's documented templates are matched.
        """
        route = scope.get("route")
        if route is not None and isinstance(getattr(route, "path", None), str):
            return str(route.path)
        app = scope.get("app")
        if app is None:
            return UNMATCHED
        try:
            return path_templates(app).match(str(scope.get("path", ""))) or UNMATCHED
        except Exception:  # the log must never fail a request
            log.warning("no OpenAPI document to name routes by", exc_info=True)
            return UNMATCHED

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id = _request_id(scope)
        header = (REQUEST_ID_HEADER, request_id.encode("ascii"))
        status = 500  # what the client sees if the app fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "request",
                    extra={
                        "method": scope.get("method"),
                        "path": self.route_template(scope),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - start) * 1000, 2),
                        "request_id": request_id,
                    },
                )
