"""Input limits in one place (an ASGI middleware): body size, JSON nesting depth and a deadline per request.

A path with control characters is 400 (Starlette would route `/health\n` as `/health`). Every HTTP request's
body is read here first, whatever its framing (`Content-Length` or chunked): past
`max_body_bytes` the answer is 413 at once (a declared `Content-Length` is refused before reading anything);
a JSON body nested deeper than `max_json_depth` is 400 before any parser recurses into it. The request then
has `request_timeout` seconds in all: a client still sending its body then gets 408, a request still being
processed gets 503 (work awaiting I/O is cancelled; a computation already running in a worker thread finishes
in the background, its late answer dropped). Every refusal is an OperationOutcome built by `server.errors` —
for `/cds-services` too, where the CDS routes answer errors the same way — never a 500.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request

from fhir_ldn.config import Settings
from fhir_ldn.errors import (
    FhirLdnError,
    PayloadTooLargeError,
    ProcessingTimeoutError,
    RequestError,
    RequestTimeoutError,
)
from fhir_ldn.formats.json_depth import json_too_deep, looks_like_json
from server.errors import error_response

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]


_CONTROL = re.compile("[\x00-\x1f\x7f]")


class _ClientGone(Exception):
    """The client disconnected before sending its whole body."""


def _declared_length(scope: MutableMapping[str, Any]) -> int | None:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                raise RequestError("invalid Content-Length header") from None
    return None


def _is_xml(scope: MutableMapping[str, Any]) -> bool:
    for name, value in scope.get("headers") or ():
        if name == b"content-type":
            return b"xml" in value.lower()
    return False


class RequestLimits:
    """The middleware; see the module docstring."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_json_depth: int, timeout: float):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_json_depth = max_json_depth
        self.timeout = timeout

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _CONTROL.search(scope.get("path", "")):  # Starlette's `$` would route "/health\n" as "/health"
            await _refuse(scope, send, RequestError("the request path contains control characters"))
            return
        guard = _Deadline(scope, send, self.timeout)
        try:
            try:
                body = await self._read_body(scope, receive)
            except _ClientGone:
                return
            except FhirLdnError as exc:
                await _refuse(scope, guard.send, exc)
                return
            guard.reading = False
            await self.app(scope, _replay(body, receive), guard.send)
        except asyncio.CancelledError:
            if not guard.expired:
                raise
            guard.task.uncancel()  # our own deadline: the refusal is (being) sent, nothing else to do
        finally:
            await guard.close()

    async def _read_body(self, scope: MutableMapping[str, Any], receive: Receive) -> bytes:
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            raise PayloadTooLargeError(self._too_large())
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _ClientGone
            chunk = message.get("body", b"")
            if chunk:
                size += len(chunk)
                if size > self.max_body_bytes:
                    raise PayloadTooLargeError(self._too_large())
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        if body and not _is_xml(scope) and looks_like_json(body) and json_too_deep(body, self.max_json_depth):
            raise RequestError(f"the JSON body is nested deeper than {self.max_json_depth} levels")
        return body

    def _too_large(self) -> str:
        return f"the request body is larger than {self.max_body_bytes} bytes"


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the app the body already read, then whatever comes next (a disconnect)."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class _Deadline:
    """One request's deadline: at expiry it answers 408/503 itself (if nothing was sent) and cancels the request.

    The refusal is sent from a task of its own, so that it goes out on time even when the request is waiting
    for a worker thread (whose cancellation waits for the thread); anything the app sends later is dropped.
    """

    def __init__(self, scope: MutableMapping[str, Any], send: Send, timeout: float):
        self.scope = scope
        self._send = send
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - ASGI servers always call apps from a task
            raise RuntimeError("RequestLimits must run inside an asyncio task")
        self.task: asyncio.Task[Any] = task
        self.reading = True
        self.started = False
        self.expired = False
        self._refusal: asyncio.Task[None] | None = None
        self._timer = asyncio.get_running_loop().call_later(timeout, self._expire)

    async def send(self, message: Message) -> None:
        if self.expired:
            return
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)

    def _expire(self) -> None:
        self.expired = True
        if not self.started:
            error: FhirLdnError = (
                RequestTimeoutError("the request body was not received in time")
                if self.reading
                else ProcessingTimeoutError("the request could not be answered in time")
            )
            self._refusal = asyncio.ensure_future(_refuse(self.scope, self._send, error))
        self.task.cancel()

    async def close(self) -> None:
        self._timer.cancel()
        if self._refusal is not None:
            await asyncio.shield(self._refusal)


async def _refuse(scope: MutableMapping[str, Any], send: Send, exc: FhirLdnError) -> None:
    """Answer with the error's OperationOutcome, without reading more of the request."""

    async def no_body() -> Message:
        return {"type": "http.disconnect"}

    response = error_response(Request(scope), exc)
    if isinstance(exc, PayloadTooLargeError | RequestTimeoutError):
        response.headers["Connection"] = "close"  # the rest of the body is never read
    await response(scope, no_body, send)


def install(app: FastAPI, settings: Settings) -> None:
    """Add the limits to an app (install before CORS, so that refusals carry CORS headers too)."""
    app.add_middleware(
        RequestLimits,
        max_body_bytes=settings.max_body_bytes,
        max_json_depth=settings.max_json_depth,
        timeout=settings.request_timeout,
    )
