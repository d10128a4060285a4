"""The static site as files: the pages, each resource as JSON and XML, and package.tgz (pure: bytes out)."""

from __future__ import annotations

from typing import Any

from fhir_ldn.formats.json_bytes import dump_bytes
from fhir_ldn.formats.xml import resource_to_xml
from fhir_ldn.package.build import PACKAGE_TGZ
from fhir_ldn.package.index import Package, Resource
from fhir_ldn.site.render import STATIC_LINKS, Links, render_site

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/fhir+json",
    ".xml": "application/fhir+xml",
    ".tgz": "application/gzip",
}


def resource_file(resource: Resource, suffix: str) -> bytes:
    """A resource as FHIR JSON (`.json`) or XML (`.xml`)."""
    return resource_to_xml(resource) if suffix == ".xml" else dump_bytes(resource)


def resource_files(package: Package, links: Links = STATIC_LINKS) -> dict[str, bytes]:
    """Each resource as `Type-id.json` and `Type-id.xml`, named as the pages link to them."""
    out: dict[str, bytes] = {}
    for resource in package:
        out[links.json(resource)] = resource_file(resource, ".json")
        out[links.xml(resource)] = resource_file(resource, ".xml")
    return out


def site_files(package: Package, traceability: dict[str, Any], artifacts: dict[str, bytes]) -> dict[str, bytes]:
    """Everything `fhir-ldn build` writes into dist/site/: it works from the file system, links are relative."""
    files = {name: text.encode("utf-8") for name, text in render_site(package, traceability).items()}
    files.update(resource_files(package))
    files[STATIC_LINKS.package_tgz] = artifacts[PACKAGE_TGZ]
    return files
