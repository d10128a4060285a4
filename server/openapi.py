"""The OpenAPI document as the service really answers: FHIR media types, operation parameters and bodies, errors.

FastAPI documents what its route signatures show; most routes here read the raw request (FHIR content
negotiation, Parameters bodies, CDS Hooks JSON) and answer every error with an OperationOutcome, never with
FastAPI's 422 validation schema. `install` completes the generated document once: operation query parameters
and request bodies, 200 bodies by what each kind of endpoint returns (JSON and XML for /fhir), the error
statuses each can answer (all OperationOutcomes), and the CDS card call, a plain Starlette route for speed.
The schemathesis run in tests/server/test_openapi_fuzz.py holds the service to this document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from starlette.routing import compile_path

from fhir_ldn.capabilities import EXPANSION_PARAMETERS
from fhir_ldn.cds.prefetch import PREFETCH_TEMPLATES
from server.cds.service import STATE_KEY as CDS_STATE_KEY
from server.routes.downloads import MEDIA_TYPES
from server.routes.pages import SiteFileConvertor
from server.routes.read_search import served_types
from server.state import AppState

FHIR_JSON, FHIR_XML, JSON = "application/fhir+json", "application/fhir+xml", "application/json"


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _resource(resource_type: str | list[str], **properties: Any) -> dict[str, Any]:
    kind = {"const": resource_type} if isinstance(resource_type, str) else {"enum": resource_type}
    return {
        "type": "object",
        "required": ["resourceType", *properties.pop("required", [])],
        "properties": {"resourceType": {"type": "string", **kind}, **properties},
    }


SCHEMAS: dict[str, dict[str, Any]] = {
    "OperationOutcome": _resource(
        "OperationOutcome",
        required=["issue"],
        issue={
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["severity", "code"],
                "properties": {
                    "severity": {"enum": ["fatal", "error", "warning", "information"]},
                    "code": {"type": "string"},
                    "details": {"type": "object"},
                    "expression": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    ),
    "Resource": {
        "type": "object",
        "required": ["resourceType"],
        "properties": {"resourceType": {"type": "string", "pattern": "^[A-Z][A-Za-z]+$"}},
    },
    "Parameters": _resource(
        "Parameters",
        parameter={
            "type": "array",
            "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
        },
    ),
    "ValueSet": _resource("ValueSet"),
    "Bundle": _resource("Bundle", required=["type"], type={"type": "string"}, total={"type": "integer", "minimum": 0}),
    "Capabilities": _resource(["CapabilityStatement", "TerminologyCapabilities"]),
    "CdsHookRequest": {
        "type": "object",
        "required": ["hook", "hookInstance", "context"],
        "properties": {
            "hook": {"type": "string", "enum": ["order-select", "order-sign"]},
            "hookInstance": {"type": "string", "minLength": 1, "pattern": "\\S"},
            "fhirServer": {"type": ["string", "null"], "pattern": "^https?://"},
            "fhirAuthorization": {
                "type": ["object", "null"],
                "required": ["access_token"],
                "properties": {
                    "access_token": {"type": "string"},
                    "token_type": {"type": ["string", "null"], "pattern": "^[Bb][Ee][Aa][Rr][Ee][Rr]$"},
                },
            },
            "context": {
                "type": "object",
                "required": ["patientId", "draftOrders"],
                "properties": {
                    "userId": {"type": ["string", "null"]},
                    "patientId": {"type": "string"},
                    "encounterId": {"type": ["string", "null"]},
                    "draftOrders": _resource(
                        "Bundle",
                        entry={"type": ["array", "null"], "description": "entries without a resource are ignored"},
                    ),
                },
            },
            "prefetch": {
                "type": ["object", "null"],
                "properties": {key: {"type": ["object", "null"]} for key in PREFETCH_TEMPLATES},
                "additionalProperties": {"type": ["object", "null"]},
            },
        },
        "allOf": [
            {  # order-select names the selected draft orders (CDS Hooks 2.0 order-select context)
                "if": {"properties": {"hook": {"const": "order-select"}}},
                "then": {
                    "properties": {
                        "context": {
                            "required": ["selections"],
                            "properties": {"selections": {"type": "array", "items": {"type": "string"}}},
                        }
                    }
                },
            },
            {  # a token is only ever sent to the FHIR server it is for
                "if": {"properties": {"fhirAuthorization": {"type": "object"}}, "required": ["fhirAuthorization"]},
                "then": {"required": ["fhirServer"], "properties": {"fhirServer": {"type": "string"}}},
            },
        ],
    },
    "CdsCards": {
        "type": "object",
        "required": ["cards"],
        "properties": {"cards": {"type": "array", "items": {"type": "object"}}},
    },
    "CdsDiscovery": {
        "type": "object",
        "required": ["services"],
        "properties": {"services": {"type": "array", "items": {"type": "object"}}},
    },
    "CdsFeedback": {
        "type": "object",
        "required": ["feedback"],
        "properties": {
            "feedback": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["card", "outcome", "outcomeTimestamp"],
                    "properties": {
                        "card": {"type": "string", "minLength": 1},
                        "outcome": {"enum": ["accepted", "overridden"]},
                        "outcomeTimestamp": {"type": "string", "format": "date-time"},
                        "acceptedSuggestions": {
                            "type": ["array", "null"],
                            "minItems": 1,
                            "items": {
                                "type": "object",
                                "required": ["id"],
                                "properties": {"id": {"type": "string", "minLength": 1}},
                            },
                        },
                        "overrideReason": {
                            "type": ["object", "null"],
                            "properties": {
                                "reason": {
                                    "type": ["object", "null"],
                                    "required": ["system", "code"],
                                    "properties": {
                                        "system": {"type": "string", "minLength": 1},
                                        "code": {"type": "string", "minLength": 1},
                                        "display": {"type": ["string", "null"], "minLength": 1},
                                    },
                                },
                                "userComment": {"type": ["string", "null"], "minLength": 1},
                            },
                        },
                    },
                    "allOf": [
                        {  # accepting a card means accepting some of its suggestions
                            "if": {"properties": {"outcome": {"const": "accepted"}}},
                            "then": {"required": ["acceptedSuggestions"]},
                        }
                    ],
                },
            }
        },
    },
    "CdsFeedbackReceipt": {
        "type": "object",
        "required": ["received", "stored"],
        "properties": {"received": {"type": "integer", "minimum": 1}, "stored": {"type": "integer", "minimum": 0}},
    },
    "CdsFeedbackSummary": {
        "type": "object",
        "required": ["service", "total", "outcomes", "overrideReasons", "userComments"],
        "properties": {
            "service": {"type": "string"},
            "total": {"type": "integer", "minimum": 0},
            "outcomes": {"type": "object", "additionalProperties": {"type": "integer"}},
            "overrideReasons": {"type": "array", "items": {"type": "object"}},
            "userComments": {"type": "integer", "minimum": 0},
        },
    },
}

# Query parameters of the FHIR operations (docs/terminology.md), by the last path segment
_CODE = ("code", "system", "systemVersion", "version", "display", "coding", "displayLanguage")
OPERATION_PARAMETERS: dict[str, tuple[str, ...]] = {
    "ValueSet/$expand": ("url", "valueSetVersion", *EXPANSION_PARAMETERS),
    "ValueSet/$validate-code": ("url", "valueSetVersion", *_CODE, "activeOnly", "inferSystem", "abstract"),
    "CodeSystem/$validate-code": ("url", *_CODE),
    "CodeSystem/$lookup": (*_CODE, "property"),
    "CodeSystem/$subsumes": ("system", "version", "codeA", "codeB", "codingA", "codingB"),
    "ConceptMap/$translate": (
        "url",
        "conceptMapVersion",
        "sourceCode",
        "sourceSystem",
        "sourceCoding",
        "targetSystem",
        "targetCode",
        "targetCoding",
    ),
}
SEARCH_PARAMETERS = ("_id", "url", "version", "name", "status", "subject", "type", "_count", "_offset")
FORMAT_PARAMETERS = [
    {
        "name": "_format",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": ["json", "xml", FHIR_JSON, FHIR_XML]},
    },
    {
        "name": "_pretty",
        "in": "query",
        "required": False,
        "description": "`true`: indented JSON (any other value: compact)",
        "schema": {"type": "string"},
    },
]
_ERROR_TEXT = {
    "400": "Bad request: malformed body, invalid parameters or format, JSON nested too deeply, or a path with "
    "control characters",
    "401": "The CDS client's JWT is missing or invalid (when JWT verification is configured)",
    "404": "Unknown resource, definition or service",
    "408": "The request body was not received within the request timeout",
    "412": "The FHIR data needed was neither prefetched nor obtainable from the client's FHIR server (not allowlisted, "
    "no fhirAuthorization, an error, or no complete answer within FHIR_LDN_FHIR_FETCH_DEADLINE, 1.5 s by default). "
    "Never for an order no card can concern: that is answered at once with no cards",
    "413": "The request body is larger than the configured maximum",
    "415": "Unsupported Content-Type",
    "422": "The request cannot be processed as asked (a business rule of the operation)",
    "503": "The request could not be answered within the request timeout",
}


def _query(names: Iterable[str]) -> list[dict[str, Any]]:
    return [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}} for n in names]


def _fhir_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {FHIR_JSON: {"schema": schema}, FHIR_XML: {"schema": {"type": "string"}}}


def _errors(codes: Iterable[str], content: dict[str, Any]) -> dict[str, Any]:
    return {code: {"description": _ERROR_TEXT[code], "content": content} for code in codes}


# What each FHIR operation takes in a POST body and answers with (default: Parameters in, Parameters out)
_BODY_IN: dict[str, dict[str, Any]] = {
    "$validate": {"description": "any content: what is not a valid resource is reported in the OperationOutcome"}
}
_RESULT = {
    "$expand": "ValueSet",
    "$validate": "OperationOutcome",
    "PlanDefinition/$apply": "Bundle",
    "ActivityDefinition/$apply": "Resource",
    "metadata": "Capabilities",
}
_QUERY_ONLY_OPERATIONS = ("$versions",)  # a POST reads no body
_EXTRA_QUERY = {"$validate": ("profile",)}


def _fhir_operation(path: str, method: str, op: dict[str, Any]) -> None:
    """A /fhir route: parameters, body, 200 and error responses (JSON or XML, as negotiated)."""
    segments = path.removeprefix("/fhir/").split("/")
    name = segments[-1]
    key = f"{segments[0]}/{name}" if len(segments) > 1 else name
    params = list(op.get("parameters", []))
    known = {p["name"] for p in params}
    errors = ["400", "404", "503"]
    result = _RESULT.get(key) or _RESULT.get(name)
    if name.startswith("$"):
        result = result or "Parameters"
        query = [*OPERATION_PARAMETERS.get(key, ()), *_EXTRA_QUERY.get(name, ())]
        if method == "post" and name not in _QUERY_ONLY_OPERATIONS:
            body = _BODY_IN.get(name) or _ref("Parameters")
            op["requestBody"] = {"required": True, "content": {FHIR_JSON: {"schema": body}, FHIR_XML: {"schema": {}}}}
            errors += ["408", "413", "415", "422"]
            query = list(_EXTRA_QUERY.get(name, ()))
        elif key in OPERATION_PARAMETERS:
            errors.append("422")
        params += [p for p in _query(query) if p["name"] not in known]
    elif path == "/fhir/{resource_type}":
        result = "Bundle"
        params += [p for p in _query(SEARCH_PARAMETERS) if p["name"] not in known]
    op["parameters"] = params + FORMAT_PARAMETERS
    op["responses"] = {
        "200": {"description": "Success", "content": _fhir_content(_ref(result or "Resource"))},
        **_errors(sorted(errors), _fhir_content(_ref("OperationOutcome"))),
    }


_CDS_ERROR_CONTENT = {FHIR_JSON: {"schema": _ref("OperationOutcome")}}


def _cds(path: str, method: str, op: dict[str, Any]) -> None:
    """A /cds-services route: CDS Hooks JSON in and out, errors as OperationOutcomes."""
    if path == "/cds-services":
        ok, errors, body = "CdsDiscovery", ["400", "401", "503"], None
    elif path.endswith("/feedback") and method == "post":
        ok, errors, body = "CdsFeedbackReceipt", ["400", "401", "404", "408", "413", "503"], "CdsFeedback"
    elif path.endswith("/feedback"):
        ok, errors, body = "CdsFeedbackSummary", ["400", "401", "404", "503"], None
    else:
        ok, errors, body = "CdsCards", ["400", "401", "404", "408", "412", "413", "503"], "CdsHookRequest"
    if body is not None:
        op["requestBody"] = {"required": True, "content": {JSON: {"schema": _ref(body)}}}
    op["responses"] = {
        "200": {"description": "Success", "content": {JSON: {"schema": _ref(ok)}}},
        **_errors(errors, _CDS_ERROR_CONTENT),
    }


CARD_CALL: dict[str, Any] = {
    "tags": ["cds-hooks"],
    "summary": "Call a CDS service",
    "description": "CDS Hooks 2.0 service call (order-select, order-sign): cards evaluated from the package's "
    'ECA PlanDefinition; `{"cards": []}` when none applies. Errors are OperationOutcomes.',
    "operationId": "call_service",
    "parameters": [{"name": "service_id", "in": "path", "required": True, "schema": {"type": "string"}}],
}


def served_values(state: AppState, paths: Iterable[str]) -> dict[str, dict[str, Any]]:
    """What the loaded package and services make valid, by path and parameter: `enum`s for path parameters
    (only these ids exist) and `examples` for canonical URLs (any URL may be asked; these are known here)."""
    package = state.package
    code_systems = {"examples": _urls(state, "CodeSystem")}
    cds = state.extras.get(CDS_STATE_KEY)
    out: dict[str, dict[str, Any]] = {
        "/fhir/{resource_type}": {"resource_type": {"enum": served_types(state)}},
        "/downloads/{name}": {"name": {"enum": list(MEDIA_TYPES)}},
    }
    for path in paths:
        segments = path.split("/")
        if path.startswith("/cds-services/{"):
            out[path] = {segments[2][1:-1]: {"enum": sorted(getattr(cds, "endpoints", {}))}}
        elif path.startswith("/fhir/") and segments[-1].startswith("$") and segments[2][:1].isupper():
            rtype = segments[2]
            values: dict[str, Any] = {"system": code_systems, "sourceSystem": code_systems}
            if len(segments) == 5 and segments[3].startswith("{"):  # instance level: only the package's ids
                values[segments[3][1:-1]] = {"enum": sorted(str(r["id"]) for r in package.of_type(rtype))}
            else:
                values["url"] = {"examples": _urls(state, rtype)}
            out[path] = values
    return out


def _urls(state: AppState, rtype: str) -> list[str]:
    return sorted(str(r["url"]) for r in state.package.of_type(rtype) if isinstance(r.get("url"), str))


def _narrow(operation: dict[str, Any], values: dict[str, Any]) -> None:
    if values:
        operation["parameters"] = [
            {**p, "schema": {**p.get("schema", {}), **values[p["name"]]}} if p["name"] in values else p
            for p in operation.get("parameters", ())
        ]


SITE_FILE = f"^{SiteFileConvertor.regex}$"
_PAGE_CONTENT = {t: {"schema": {"type": "string"}} for t in ("text/html", "text/css", FHIR_JSON, FHIR_XML)}
PAGES: dict[str, dict[str, Any]] = {
    "/": {
        "tags": ["pages"],
        "summary": "The overview page",
        "operationId": "read_overview",
        "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}},
    },
    "/{name}": {
        "tags": ["pages"],
        "summary": "A page of the site, or a resource as its static-site file (ValueSet-ssri.json)",
        "operationId": "read_site_file",
        "parameters": [
            {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "pattern": SITE_FILE}}
        ],
        "responses": {"200": {"description": "The page or file", "content": _PAGE_CONTENT}},
    },
}


def complete(document: dict[str, Any], state: AppState | None = None) -> dict[str, Any]:
    """Complete a FastAPI-generated document in place (see the module docstring) and return it."""
    paths: dict[str, dict[str, Any]] = document.setdefault("paths", {})
    paths.setdefault("/cds-services/{service_id}", {})["post"] = dict(CARD_CALL)
    for page, operation in PAGES.items():  # routes outside FastAPI's document (they are not API), documented
        paths.setdefault(page, {})["get"] = dict(operation, responses=dict(operation["responses"]))
    for path in (*PAGES, "/downloads/{name}"):  # their HEAD twins (FastAPI leaves them out: same operation ids)
        if "get" in paths.get(path, {}):
            get = paths[path]["get"]
            paths[path]["head"] = dict(
                get, operationId=f"{get['operationId']}_head", summary=f"{get['summary']} (HEAD)"
            )
    narrowing = served_values(state, list(paths)) if state is not None else {}
    for path, operations in paths.items():
        for method, op in operations.items():
            if path.startswith("/fhir/"):
                _fhir_operation(path, method, op)
            elif path.startswith("/cds-services"):
                _cds(path, method, op)
            elif path in PAGES:
                op["responses"].update(
                    _errors(["400", "404", "503"], {FHIR_JSON: {"schema": _ref("OperationOutcome")}})
                )
            elif path.startswith("/downloads/"):
                op["responses"] = {
                    "200": {
                        "description": "The file",
                        "content": {t: {} for t in ("application/gzip", FHIR_JSON, FHIR_XML)},
                    },
                    **_errors(["400", "404", "503"], {FHIR_JSON: {"schema": _ref("OperationOutcome")}}),
                }
            else:
                op["responses"].pop("422", None)
                op["responses"].update(_errors(["400", "503"], {FHIR_JSON: {"schema": _ref("OperationOutcome")}}))
            _narrow(op, narrowing.get(path, {}))
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422: never answered here
        schemas.pop(unused, None)
    schemas.update(SCHEMAS)
    return document


class PathTemplates:
    """The document's path templates, most specific first (fewest parameters, then longest)."""

    def __init__(self, document: dict[str, Any]):
        self.paths: dict[str, dict[str, Any]] = document.get("paths", {})
        ordered = sorted(self.paths, key=lambda p: (p.count("{"), -len(p)))
        self._compiled = [(compile_path(p)[0], p) for p in ordered]

    def match(self, path: str) -> str | None:
        """The template a request path falls under, or None."""
        return next((template for pattern, template in self._compiled if pattern.match(path)), None)

    def methods(self, path: str) -> list[str]:
        """The documented methods of the template a request path falls under (upper case, HTTP order)."""
        template = self.match(path)
        documented = self.paths.get(template, {}) if template else {}
        return [m for m in HTTP_METHODS if m.lower() in documented]


HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
_TEMPLATES_KEY = "openapi.templates"


def path_templates(app: FastAPI) -> PathTemplates:
    """The app's documented path templates (built with the document, once)."""
    extras: dict[str, object] = app.state.fhir_ldn.extras
    found = extras.get(_TEMPLATES_KEY)
    if not isinstance(found, PathTemplates):
        found = PathTemplates(app.openapi())
        extras[_TEMPLATES_KEY] = found
    return found


def install(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json (built once, on first request)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(generate(), app.state.fhir_ldn)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
