"""FHIR content negotiation: JSON or XML in (Content-Type) and out (_format, Accept) for every FHIR endpoint."""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import Request
from fastapi.responses import Response

from fhir_ldn.core_defs import package_cache_dir
from fhir_ldn.errors import (
    BusinessRuleError,
    DefinitionsUnavailableError,
    NotAcceptableError,
    RequestError,
    UnsupportedMediaTypeError,
)
from fhir_ldn.formats.decimal_json import dumps_compact
from fhir_ldn.formats.decimal_json import loads as loads_keeping_decimals
from fhir_ldn.formats.json_bytes import dump_bytes
from fhir_ldn.formats.xml import XmlFormatError, parse_xml_resource, resource_to_xml
from fhir_ldn.formats.xml_write import write_xml
from fhir_ldn.xver.targets import R5, TARGETS, FhirTarget, target_for

Format = Literal["json", "xml"]
FHIR_JSON = "application/fhir+json"
FHIR_XML = "application/fhir+xml"

_FORMATS: dict[str, Format] = {
    "json": "json",
    "application/json": "json",
    "application/fhir+json": "json",
    "application/json+fhir": "json",
    "xml": "xml",
    "text/xml": "xml",
    "application/xml": "xml",
    "application/fhir+xml": "xml",
    "application/xml+fhir": "xml",
}


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _fhir_version_parameter(value: str) -> str | None:
    """The `fhirVersion` parameter of one media type (`application/fhir+json; fhirVersion=4.0`), if any."""
    for parameter in value.split(";")[1:]:
        name, _, given = parameter.partition("=")
        if name.strip().lower() == "fhirversion":
            return given.strip().strip('"')
    return None


def fhir_version(request: Request) -> FhirTarget:
    """The FHIR version the client asked for with the `fhirVersion` MIME parameter (FHIR http.html#version-
    parameter) of `_format`, else of the first Accept entry that names a served version or none (R5, the default);
    406 when every entry names a version this server does not serve."""
    requested = request.query_params.get("_format")
    entries = [requested] if requested is not None else request.headers.get("accept", "").split(",")
    refused = []
    for entry in entries:
        version = _fhir_version_parameter(entry)
        if version is None:
            return R5
        target = target_for(version)
        if target is not None:
            return _installed(target)
        refused.append(version)
    if refused:
        served = ", ".join(sorted(t.short for t in TARGETS.values()))
        raise NotAcceptableError(f"FHIR version {', '.join(refused)} is not served here; fhirVersion can be {served}")
    return R5


def _installed(target: FhirTarget) -> FhirTarget:
    """The target, if its core package is in the FHIR package cache: a request never waits on npm (503 until
    `fhir-ldn setup` has installed it)."""
    name, version = target.core_package
    if not target.is_r5 and not (package_cache_dir() / f"{name}#{version}" / "package" / "package.json").is_file():
        raise DefinitionsUnavailableError(
            f"FHIR {target.short} content needs {name}#{version} in the FHIR package cache: run 'fhir-ldn setup'"
        )
    return target


def response_format(request: Request) -> Format:
    """`_format` wins, then the first acceptable Accept entry; JSON by default."""
    requested = request.query_params.get("_format")
    if requested is not None:
        fmt = _FORMATS.get(_media_type(requested))
        if fmt is None:
            raise RequestError(f"unsupported _format '{requested}': use json or xml", expression="_format")
        return fmt
    for entry in request.headers.get("accept", "").split(","):
        fmt = _FORMATS.get(_media_type(entry))
        if fmt is not None:
            return fmt
    return "json"


def render(
    resource: dict[str, Any],
    fmt: Format,
    status: int = 200,
    headers: dict[str, str] | None = None,
    *,
    pretty: bool = False,
    target: FhirTarget = R5,
) -> Response:
    """The resource as a FHIR JSON or XML response (compact JSON unless `pretty`); `target`: the FHIR version of
    the content (XML written with that version's element order; the media type says `fhirVersion`)."""
    suffix = "" if target.is_r5 else f"; fhirVersion={target.short}"
    if fmt == "xml":
        try:
            if target.is_r5:
                xml = resource_to_xml(resource)
            else:
                from fhir_ldn.xver.definitions import target_model

                xml = write_xml(resource, model=target_model(target))
        except ValueError as exc:  # e.g. echoed client content that is not valid R5: not a server fault
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise BusinessRuleError(f"the result cannot be written as FHIR XML ({first}); ask for JSON") from exc
        return Response(xml, status_code=status, media_type=FHIR_XML + suffix, headers=headers)
    body = dump_bytes(resource) if pretty else dumps_compact(resource)
    return Response(body, status_code=status, media_type=FHIR_JSON + suffix, headers=headers)


def fhir_response(
    resource: dict[str, Any],
    request: Request,
    status: int = 200,
    headers: dict[str, str] | None = None,
    target: FhirTarget = R5,
) -> Response:
    """The resource as FHIR JSON or XML, as the client asked (`_pretty=true`: indented JSON); `target`: the FHIR
    version of the resource (see `fhir_version`)."""
    pretty = request.query_params.get("_pretty") == "true"
    return render(resource, response_format(request), status, headers, pretty=pretty, target=target)


def body_format(request: Request) -> Format:
    """The format of the request body, from Content-Type (415 for anything but FHIR JSON/XML)."""
    content_type = request.headers.get("content-type")
    if not content_type:
        raise UnsupportedMediaTypeError("missing Content-Type: send application/fhir+json or application/fhir+xml")
    fmt = _FORMATS.get(_media_type(content_type))
    if fmt is None or "/" not in content_type:
        raise UnsupportedMediaTypeError(f"unsupported Content-Type '{content_type}'")
    return fmt


def parse_body(content: bytes, fmt: Format) -> dict[str, Any]:
    """A FHIR resource from request bytes; RequestError (400) with a clear message if it is not one."""
    if not content.strip():
        raise RequestError("the request body is empty")
    if fmt == "xml":
        try:
            return parse_xml_resource(content)
        except XmlFormatError as exc:
            raise RequestError(str(exc)) from exc
    try:
        data = loads_keeping_decimals(content)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RequestError(f"malformed JSON: {exc}") from exc
    except RecursionError:
        raise RequestError("the JSON body is nested too deeply") from None
    if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
        raise RequestError("the body is not a FHIR resource (no resourceType)")
    return data


async def read_resource(request: Request) -> dict[str, Any]:
    """Read and parse the request body as a FHIR resource in JSON or XML."""
    fmt = body_format(request)
    return parse_body(await request.body(), fmt)


def body_fhir_version(request: Request) -> str | None:
    """The FHIR version the body declares with the `fhirVersion` MIME parameter of Content-Type (e.g.
    `application/fhir+json; fhirVersion=4.0`), as a full version ("4.0.1"); None when absent; 415 when it names
    a version this server cannot read."""
    from fhir_ldn.core_defs.versions import known_release

    content_type = request.headers.get("content-type") or ""
    for part in content_type.split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "fhirversion":
            release = known_release(value.strip().strip('"'))
            if release is None:
                raise UnsupportedMediaTypeError(
                    f"fhirVersion '{value.strip()}' is not supported: send 5.0, 4.3 or 4.0 (or leave it out for 5.0)"
                )
            return release.version
    return None
