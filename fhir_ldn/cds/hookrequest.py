"""Parse and check a CDS Hooks 2.0 service request body (any violation is a RequestError: HTTP 400)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import orjson

from fhir_ldn.errors import RequestError

ORDER_SELECT = "order-select"


@dataclass(frozen=True)
class HookRequest:
    """The parts of a CDS Hooks request the service uses (the raw body stays available as `body`)."""

    hook: str
    hook_instance: str
    context: Mapping[str, Any]
    prefetch: Mapping[str, Any]
    fhir_server: str | None
    access_token: str | None  # transient: never logged, never stored
    body: Mapping[str, Any]

    @property
    def patient_id(self) -> str:
        return str(self.context["patientId"])

    @property
    def selections(self) -> frozenset[str] | None:
        """The selected orders (order-select); None means every draft is new (order-sign)."""
        if self.hook != ORDER_SELECT:
            return None
        return frozenset(self.context.get("selections") or ())

    @property
    def draft_orders(self) -> Mapping[str, Any]:
        value = self.context.get("draftOrders")
        return value if isinstance(value, dict) else {}


def _require(obj: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in obj or obj[key] is None:
        raise RequestError(f"'{where}{key}' is required", expression=f"{where}{key}")
    if not isinstance(obj[key], kind) or isinstance(obj[key], bool):
        raise RequestError(f"'{where}{key}' has the wrong type", expression=f"{where}{key}")
    return obj[key]


def _optional(obj: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if obj.get(key) is None:
        return None
    if not isinstance(obj[key], kind) or isinstance(obj[key], bool):
        raise RequestError(f"'{where}{key}' has the wrong type", expression=f"{where}{key}")
    return obj[key]


@lru_cache(maxsize=1024)  # pure; a client sends the same fhirServer with every call
def _http_url(text: str) -> bool:
    """Whether the text is an absolute http(s) URL with a host (and a valid port, if any)."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:  # e.g. "http://[" (an unclosed IPv6 literal)
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def parse_json_object(content: bytes) -> dict[str, Any]:
    """The body as a JSON object (RequestError for empty, malformed or non-object bodies)."""
    if not content.strip():
        raise RequestError("the request body is empty")
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise RequestError(f"malformed JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise RequestError("the request body must be a JSON object")
    return data


def _check_context(hook: str, context: Mapping[str, Any]) -> None:
    _require(context, "patientId", str, "context.")
    for key in ("userId", "encounterId"):
        _optional(context, key, str, "context.")
    drafts = _require(context, "draftOrders", dict, "context.")
    if drafts.get("resourceType") != "Bundle":
        raise RequestError("'context.draftOrders' must be a FHIR Bundle", expression="context.draftOrders")
    entries = drafts.get("entry")
    if entries is not None and not isinstance(entries, list):
        raise RequestError("'context.draftOrders.entry' must be an array", expression="context.draftOrders.entry")
    if hook == ORDER_SELECT:
        selections = _require(context, "selections", list, "context.")
        if not all(isinstance(s, str) for s in selections):
            raise RequestError("'context.selections' must hold strings", expression="context.selections")


def parse_hook_request(body: Mapping[str, Any], hooks: frozenset[str]) -> HookRequest:
    """Check a request body against CDS Hooks 2.0 and the hook contexts of `hooks` (the service's hooks)."""
    hook = _require(body, "hook", str, "")
    hook_instance = _require(body, "hookInstance", str, "")
    context = _require(body, "context", dict, "")
    if hook not in hooks:
        raise RequestError(f"this service answers {', '.join(sorted(hooks))}, not '{hook}'", expression="hook")
    if not hook_instance.strip():
        raise RequestError("'hookInstance' is empty", expression="hookInstance")
    _check_context(hook, context)
    fhir_server = _optional(body, "fhirServer", str, "")
    if fhir_server is not None and not _http_url(fhir_server):
        raise RequestError("'fhirServer' must be an http(s) URL", expression="fhirServer")
    auth = _optional(body, "fhirAuthorization", dict, "")
    token = None
    if auth is not None:
        if fhir_server is None:
            raise RequestError("'fhirAuthorization' requires 'fhirServer'", expression="fhirAuthorization")
        token = _require(auth, "access_token", str, "fhirAuthorization.")
        token_type = _optional(auth, "token_type", str, "fhirAuthorization.")
        if token_type is not None and token_type.lower() != "bearer":
            raise RequestError("'fhirAuthorization.token_type' must be Bearer", expression="fhirAuthorization")
    prefetch = _optional(body, "prefetch", dict, "") or {}
    for key, value in prefetch.items():
        if value is not None and not isinstance(value, dict):
            raise RequestError(f"'prefetch.{key}' must be a FHIR resource or null", expression=f"prefetch.{key}")
    return HookRequest(hook, hook_instance, context, prefetch, fhir_server, token, body)
