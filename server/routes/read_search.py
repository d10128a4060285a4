"""Read and search of the package's resources: GET /fhir/{type}/{id} and GET /fhir/{type}?... (searchset).

`Bundle` serves the package's own transaction and collection Bundles (GET /fhir/Bundle/{id}), ready to POST
to another FHIR server.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from fhir_ldn.errors import NotFoundError, RequestError
from fhir_ldn.search import SearchError, matches, parse_search
from fhir_ldn.xver.targets import R5, FhirTarget
from server.deps import StateDep
from server.fhir import FHIR_PREFIX, base_url
from server.negotiation import fhir_response, fhir_version
from server.state import AppState

router = APIRouter(prefix=FHIR_PREFIX, tags=["fhir"])

ID_PATTERN = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
DEFAULT_COUNT, MAX_COUNT = 50, 500
COMMON = (("_id", "token"), ("url", "uri"), ("version", "token"), ("name", "string"), ("status", "token"))
SEARCH_PARAMS: dict[str, tuple[tuple[str, str], ...]] = {
    "*": COMMON,
    "ClinicalUseDefinition": (*COMMON, ("subject", "reference"), ("type", "token")),
    "Bundle": (("_id", "token"), ("type", "token")),
}
CONTROL = frozenset({"_count", "_offset", "_format", "_pretty"})


def served_types(state: AppState, target: FhirTarget = R5) -> list[str]:
    """Every resource type of the package in that FHIR version, and Bundle."""
    return sorted({r["resourceType"] for r in state.package_in(target)} | {"Bundle"})


def _pool(state: AppState, resource_type: str, target: FhirTarget) -> list[dict[str, Any]]:
    if resource_type not in served_types(state, target):
        where = "" if target.is_r5 else f" in FHIR {target.short}"
        raise NotFoundError(f"resource type '{resource_type}' is not served here{where}", expression="type")
    if resource_type == "Bundle":
        return list(state.bundles_in(target).values())
    return sorted(state.package_in(target).of_type(resource_type), key=lambda r: str(r["id"]))


def _not_an_operation(request: Request, segment: str, where: str) -> None:
    """A `$name` segment is an operation, not a type or id: 405 if it exists for another method, else 404."""
    if not segment.startswith("$"):
        return
    from server.openapi import path_templates  # built from the routers, this one included

    if path_templates(request.app).match(request.url.path) not in (READ_PATH, SEARCH_PATH):
        raise StarletteHTTPException(405)  # the handler lists the methods the operation does take
    raise NotFoundError(f"operation '{segment}' is not supported{where}", expression="operation")


READ_PATH = f"{FHIR_PREFIX}/{{resource_type}}/{{resource_id}}"
SEARCH_PATH = f"{FHIR_PREFIX}/{{resource_type}}"


@router.get("/{resource_type}/{resource_id}", response_class=Response)
def read(resource_type: str, resource_id: str, request: Request, state: StateDep) -> Response:
    """One resource of the package (or one of its Bundles)."""
    _not_an_operation(request, resource_id, f" on {resource_type}")
    if not ID_PATTERN.match(resource_id):
        raise RequestError(f"'{resource_id}' is not a valid resource id", expression="id")
    target = fhir_version(request)
    found = next((r for r in _pool(state, resource_type, target) if r["id"] == resource_id), None)
    if found is None:
        raise NotFoundError(f"{resource_type}/{resource_id} is not known", expression="id")
    return fhir_response(found, request, target=target)


def _int(request: Request, name: str, default: int) -> int:
    text = request.query_params.get(name)
    if text is None:
        return default
    if not text.isdigit():
        raise RequestError(f"{name} must be a non-negative integer, not '{text}'", expression=name)
    return int(text)


@router.get("/{resource_type}", response_class=Response)
def search(resource_type: str, request: Request, state: StateDep) -> Response:
    """A searchset Bundle of the resources matching every given parameter (values within one: any)."""
    _not_an_operation(request, resource_type, "")
    target = fhir_version(request)
    pool = _pool(state, resource_type, target)
    allowed = {n for n, _ in SEARCH_PARAMS.get(resource_type, SEARCH_PARAMS["*"])}
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k not in CONTROL]
    try:
        criteria = parse_search(pairs, allowed)
    except SearchError as exc:
        raise RequestError(str(exc), expression=exc.parameter) from None
    count = min(_int(request, "_count", DEFAULT_COUNT), MAX_COUNT)
    offset = _int(request, "_offset", 0)
    hits = [r for r in pool if matches(r, criteria)]
    base = base_url(request)
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("_offset", "_count")]
    link = [{"relation": "self", "url": str(request.url)}]
    if offset + count < len(hits) and count > 0:
        query = urlencode([*kept, ("_count", str(count)), ("_offset", str(offset + count))])
        link.append({"relation": "next", "url": f"{base}/{resource_type}?{query}"})
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(hits),
        "link": link,
        "entry": [
            {"fullUrl": f"{base}/{resource_type}/{r['id']}", "resource": r, "search": {"mode": "match"}}
            for r in hits[offset : offset + count]
        ],
    }
    if not bundle["entry"]:
        del bundle["entry"]
    return fhir_response(bundle, request, target=target)
