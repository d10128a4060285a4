"""Check a Package: ids, canonicals, references, codes and expressions all hold together.

Every problem is collected (with the file and the element) before one PackageIntegrityError is raised.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

from lxml import etree

from fhir_ldn.constants import EXTERNAL_CANONICAL_PREFIXES, UNHELD_CODE_SYSTEMS, XHTML_NS
from fhir_ldn.errors import Issue, PackageIntegrityError
from fhir_ldn.fhirpath import FhirPathSyntaxError, check_syntax
from fhir_ldn.formats.xml_safety import HARDENED_PARSER
from fhir_ldn.jsonwalk import walk
from fhir_ldn.package.index import Package, Resource

_QUOTED_URL = re.compile(r"'(https?://[^']+)'")


def code_tables(package: Package) -> dict[str, dict[str, str]]:
    """system url -> {code: display} for every CodeSystem in the package (nested concepts flattened)."""
    tables: dict[str, dict[str, str]] = {}

    def flatten(concepts: list[dict[str, Any]], into: dict[str, str]) -> None:
        for c in concepts:
            into[c["code"]] = c.get("display", "")
            flatten(c.get("concept", []), into)

    for cs in package.of_type("CodeSystem"):
        flatten(cs.get("concept", []), tables.setdefault(cs["url"], {}))
    return tables


class _Checker:
    def __init__(self, package: Package):
        self.package = package
        self.base = package.meta.canonical + "/"
        self.codes = code_tables(package)
        self.problems: list[Issue] = []

    def problem(self, resource: Resource, expression: str, text: str) -> None:
        self.problems.append(Issue("error", "invalid", text, expression, self.package.location(resource)))

    # -- whole-package rules ------------------------------------------------------------------
    def check_identity(self, locations: list[str]) -> None:
        seen: dict[str, Resource] = {}
        for resource in self.package:
            rtype, rid = resource["resourceType"], resource["id"]
            location = self.package.location(resource)
            if PurePath(location).name != f"{rtype}-{rid}.json":
                self.problem(resource, f"{rtype}.id", f"file name must be '{rtype}-{rid}.json'")
            url = resource.get("url")
            if isinstance(url, str):
                key = f"{url}|{resource.get('version', '')}"
                if key in seen:
                    self.problem(resource, f"{rtype}.url", f"canonical {key} is also defined by {seen[key]['id']}")
                seen[key] = resource
                self.check_canonical_resource(resource, url)
        if len(locations) != len({(r["resourceType"], r["id"]) for r in self.package}):
            dupes = sorted({loc for loc in locations if locations.count(loc) > 1})
            self.problems.append(Issue("error", "invalid", "duplicate resource type/id", None, ", ".join(dupes)))

    def check_canonical_resource(self, resource: Resource, url: str) -> None:
        rtype, rid = resource["resourceType"], resource["id"]
        if url.startswith(self.base):
            if url != f"{self.base}{rtype}/{rid}":
                self.problem(resource, f"{rtype}.url", f"url must be {self.base}{rtype}/{rid}")
            for element in ("version", "status", "date"):
                if element not in resource:
                    self.problem(resource, f"{rtype}.{element}", f"canonical resource has no {element}")
        elif rtype == "CodeSystem" and resource.get("content") != "fragment":
            self.problem(resource, "CodeSystem.content", "a code system outside the package's base must be a fragment")

    # -- per-element rules ----------------------------------------------------------------------
    def check_resource(self, resource: Resource) -> None:
        rtype = resource["resourceType"]
        contained = {c.get("id") for c in resource.get("contained", [])}
        self.check_narrative(resource)
        for path, key, value in walk(resource, rtype):
            if key == "reference" and isinstance(value, str):
                self.check_reference(resource, path, value, contained)
            elif isinstance(value, str) and value.startswith(self.base) and path != f"{rtype}.url":
                if not (key == "system" and ".identifier[" in path):
                    self.check_canonical(resource, path, value)
            elif isinstance(value, dict):
                self.check_codes(resource, path, value)
                if value.get("language") == "text/fhirpath" and isinstance(value.get("expression"), str):
                    self.check_expression(resource, f"{path}.expression", value["expression"])

    def check_reference(self, resource: Resource, path: str, ref: str, contained: set[Any]) -> None:
        if ref.startswith("#"):
            if ref != "#" and ref[1:] not in contained:
                self.problem(resource, path, f"contained resource '{ref}' not found")
        elif self.package.resolve_reference(ref) is None:
            self.problem(resource, path, f"reference '{ref}' does not resolve inside the package")

    def check_canonical(self, resource: Resource, path: str, url: str) -> None:
        if self.package.resolve_canonical(url) is None and self.package.resolve_reference(url) is None:
            self.problem(resource, path, f"canonical '{url}' does not resolve inside the package")

    def check_codes(self, resource: Resource, path: str, node: dict[str, Any]) -> None:
        for system, code, display, where in _codings(node, path):
            if system.startswith(EXTERNAL_CANONICAL_PREFIXES) or system in UNHELD_CODE_SYSTEMS:
                continue
            table = self.codes.get(system)
            if table is None:
                self.problem(resource, where, f"code system '{system}' is not in the package")
            elif code not in table:
                self.problem(resource, where, f"code '{code}' is not in the package's {system} code system")
            elif display is not None and display != table[code]:
                self.problem(resource, where, f"display '{display}' for {code} should be '{table[code]}'")

    def check_expression(self, resource: Resource, path: str, expression: str) -> None:
        try:
            check_syntax(expression)
        except FhirPathSyntaxError as exc:
            self.problem(resource, path, str(exc))
        for url in _QUOTED_URL.findall(expression):
            if url.startswith(self.base):
                self.check_canonical(resource, path, url)

    def check_narrative(self, resource: Resource) -> None:
        div = resource.get("text", {}).get("div")
        where = f"{resource['resourceType']}.text.div"
        if not isinstance(div, str):
            self.problem(resource, where, "resource has no narrative")
            return
        try:
            root = etree.fromstring(div.encode(), HARDENED_PARSER)
        except etree.XMLSyntaxError as exc:
            self.problem(resource, where, f"narrative is not well-formed XHTML: {exc}")
            return
        if root.tag != f"{{{XHTML_NS}}}div":
            self.problem(resource, where, "narrative must be a <div> in the XHTML namespace")


def _codings(node: dict[str, Any], path: str) -> Iterator[tuple[str, str, str | None, str]]:
    """(system, code, display, path) for a Coding, a ValueSet include or a ConceptMap group."""
    if isinstance(node.get("system"), str) and isinstance(node.get("code"), str):
        yield node["system"], node["code"], node.get("display"), path
    if isinstance(node.get("system"), str) and isinstance(node.get("concept"), list) and "filter" not in node:
        for i, c in enumerate(node["concept"]):
            if isinstance(c, dict) and "code" in c and "property" not in c and "definition" not in c:
                yield node["system"], c["code"], c.get("display"), f"{path}.concept[{i}]"
    if isinstance(node.get("source"), str) and isinstance(node.get("element"), list):
        for i, el in enumerate(node["element"]):
            yield node["source"], el["code"], el.get("display"), f"{path}.element[{i}]"
            for j, t in enumerate(el.get("target", [])):
                if isinstance(node.get("target"), str) and "code" in t:
                    yield node["target"], t["code"], t.get("display"), f"{path}.element[{i}].target[{j}]"


def check_package(package: Package, locations: list[str]) -> None:
    """Raise PackageIntegrityError listing every problem; return quietly when the package is sound."""
    checker = _Checker(package)
    checker.check_identity(locations)
    for resource in package:
        checker.check_resource(resource)
    if checker.problems:
        raise PackageIntegrityError(checker.problems)
