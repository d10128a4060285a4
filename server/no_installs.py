"""An ASGI middleware under which no request can install a FHIR package (no npm, no download, ever)."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from fhir_ldn.core_defs import installs_forbidden
from server.limits import ASGIApp, Receive, Send


class NoInstalls:
    """Every request runs inside `installs_forbidden`: what needs a package missing from the FHIR package cache
    answers 503 (DefinitionsUnavailableError: run `fhir-ldn setup`) instead of waiting on npm.

    The flag is a context variable, so it follows the request into the threads Starlette and `server.offload`
    run its work in."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        with installs_forbidden():
            await self.app(scope, receive, send)
