"""CapabilityStatement and TerminologyCapabilities of the FHIR endpoint, built from what is registered."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fhir_ldn.constants import (
    EXT_APPLICATION_FEATURE,
    FEATURE_CODESYSTEM_AS_PARAMETER,
    FEATURE_TX_TEST_VERSION,
    FHIR_VERSION,
)
from fhir_ldn.package.index import PackageMeta

# This server passes the general-mode subset of the HL7 terminology ecosystem tests only (not a released test
# version), so it declares a pre-release test version: tools that require a full terminology server will not
# mistake it for one.
TX_TEST_VERSION = "0.0.0-subset"
OPERATION_DEFINITION = "http://hl7.org/fhir/OperationDefinition/"
TERMINOLOGY_SERVER = "http://hl7.org/fhir/CapabilityStatement/terminology-server"

EXPANSION_PARAMETERS = (
    "activeOnly",
    "check-system-version",
    "count",
    "displayLanguage",
    "excludeNested",
    "excludeNotForUI",
    "filter",
    "force-system-version",
    "includeDefinition",
    "includeDesignations",
    "offset",
    "property",
    "system-version",
    "tx-resource",
    "useSupplement",
)


@dataclass(frozen=True)
class OperationSpec:
    """One FHIR operation served: `resource_type` None for system-level operations."""

    name: str
    resource_type: str | None
    definition: str


@dataclass
class ResourceSpec:
    """One resource type served: interactions, search parameters (name, type) and operations."""

    type: str
    interactions: tuple[str, ...] = ("read", "search-type")
    search_params: tuple[tuple[str, str], ...] = ()
    operations: list[OperationSpec] = field(default_factory=list)


def default_definition(name: str, resource_type: str | None) -> str:
    """The core OperationDefinition canonical of an operation, e.g. ValueSet-expand."""
    return OPERATION_DEFINITION + (f"{resource_type}-{name}" if resource_type else name)


def _feature(definition: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "url": EXT_APPLICATION_FEATURE,
        "extension": [{"url": "definition", "valueCanonical": definition}, {"url": "value", **value}],
    }


def _operations(specs: Iterable[OperationSpec]) -> list[dict[str, Any]]:
    unique = {(s.name, s.definition): s for s in specs}
    return [{"name": s.name, "definition": s.definition} for s in sorted(unique.values(), key=lambda s: s.name)]


def capability_statement(
    meta: PackageMeta,
    software_version: str,
    base: str,
    resources: Sequence[ResourceSpec],
    system_operations: Sequence[OperationSpec],
) -> dict[str, Any]:
    """An R5 CapabilityStatement (kind instance) for exactly the given resources and operations."""
    rest_resources = []
    for spec in sorted(resources, key=lambda r: r.type):
        entry: dict[str, Any] = {
            "type": spec.type,
            "interaction": [{"code": i} for i in spec.interactions],
        }
        if spec.search_params:
            entry["searchParam"] = [{"name": n, "type": t} for n, t in spec.search_params]
        if spec.operations:
            entry["operation"] = _operations(spec.operations)
        rest_resources.append(entry)
    rest: dict[str, Any] = {"mode": "server", "resource": rest_resources}
    if system_operations:
        rest["operation"] = _operations(system_operations)
    return {
        "resourceType": "CapabilityStatement",
        "id": "fhir-ldn",
        "extension": [
            _feature(FEATURE_TX_TEST_VERSION, {"valueCode": TX_TEST_VERSION}),
            _feature(FEATURE_CODESYSTEM_AS_PARAMETER, {"valueBoolean": True}),
        ],
        "url": f"{base}/metadata",
        "version": software_version,
        "name": "FhirLdnServer",
        "title": f"fhir-ldn FHIR endpoint: {meta.title}",
        "status": "active",
        "experimental": False,
        "date": meta.date,
        "publisher": meta.author,
        "description": meta.description,
        "kind": "instance",
        "instantiates": [TERMINOLOGY_SERVER],
        "software": {"name": "fhir-ldn", "version": software_version, "releaseDate": meta.date},
        "implementation": {"description": f"{meta.id} {meta.version}", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "application/fhir+xml"],
        "rest": [rest],
    }


def terminology_capabilities(
    meta: PackageMeta, software_version: str, base: str, code_systems: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    """An R5 TerminologyCapabilities listing the code systems held and the $expand parameters supported."""
    versions: dict[str, list[str]] = {}
    content: dict[str, str] = {}
    for cs in code_systems:
        if cs.get("content") != "supplement" and isinstance(cs.get("url"), str):
            versions.setdefault(cs["url"], [])
            content.setdefault(cs["url"], str(cs.get("content", "complete")))
            if cs.get("version"):
                versions[cs["url"]].append(str(cs["version"]))
    systems = []
    for uri in sorted(versions):
        entry: dict[str, Any] = {"uri": uri}
        if versions[uri]:
            entry["version"] = [{"code": v, "isDefault": i == 0} for i, v in enumerate(versions[uri])]
        entry["content"] = content[uri]
        systems.append(entry)
    return {
        "resourceType": "TerminologyCapabilities",
        "id": "fhir-ldn",
        "url": f"{base}/metadata?mode=terminology",
        "version": software_version,
        "name": "FhirLdnTerminology",
        "title": f"fhir-ldn terminology: {meta.title}",
        "status": "active",
        "experimental": False,
        "date": meta.date,
        "kind": "instance",
        "software": {"name": "fhir-ldn", "version": software_version},
        "implementation": {"description": f"{meta.id} {meta.version}", "url": base},
        "lockedDate": False,
        "codeSystem": systems,
        "expansion": {
            "hierarchical": True,
            "paging": True,
            "incomplete": False,
            "parameter": [{"name": n} for n in EXPANSION_PARAMETERS],
            "textFilter": "Each word of the filter must start a word of the code, display or a designation "
            "(case-insensitive).",
        },
        "codeSearch": "in-compose-or-expansion",
        "validateCode": {"translations": False},
        "translation": {"needsMap": True},
    }
