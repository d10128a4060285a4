"""A whole package converted to R4B or R4: resources, their references, and the Changes made (pure)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from fhir_ldn.formats.element_model import element_model
from fhir_ldn.package.index import Package, Resource
from fhir_ldn.xver.convert import Change, Converter, Rule
from fhir_ldn.xver.definitions import target_model
from fhir_ldn.xver.targets import R4, R4B, FhirTarget

ConvertOne = Callable[[Converter, Resource], list[Resource]]


def _direction(target: FhirTarget) -> tuple[dict[str, Rule], ConvertOne]:
    if target == R4B:
        from fhir_ldn.xver.to_r4b import R4B_RULES, resource_to_r4b

        return R4B_RULES, resource_to_r4b
    if target == R4:
        from fhir_ldn.xver.to_r4 import R4_RULES, resource_to_r4

        return R4_RULES, resource_to_r4
    raise ValueError(f"no conversion to FHIR {target.version}")


def is_own_profile(resource: Resource) -> bool:
    """A resource profile of the package (not shipped outside R5: it constrains R5 elements)."""
    return resource["resourceType"] == "StructureDefinition" and resource.get("type") != "Extension"


def _retarget(node: Any, moved: dict[str, str]) -> Any:
    """Relative references to resources whose type changed (MedicinalProductDefinition/x -> MedicinalProduct/x)."""
    if isinstance(node, dict):
        out = {k: _retarget(v, moved) for k, v in node.items()}
        ref = out.get("reference")
        if isinstance(ref, str) and ref in moved:
            out["reference"] = moved[ref]
        return out
    if isinstance(node, list):
        return [_retarget(v, moved) for v in node]
    return node


def converter(package: Package, target: FhirTarget) -> Converter:
    rules, _ = _direction(target)
    context: dict[str, Any] = {"canonical": package.meta.canonical, "package": package}
    return Converter(target, element_model(), target_model(target), rules, context)


def convert_resources(package: Package, target: FhirTarget) -> tuple[list[Resource], set[Change]]:
    """Every resource of the package in the target version (own profiles left out), and the Changes made."""
    conv = converter(package, target)
    _, convert_one = _direction(target)
    converted: list[tuple[Resource, Resource]] = []
    for resource in package:
        if is_own_profile(resource):
            conv.changes.add(
                Change(
                    "StructureDefinition",
                    "StructureDefinition (resource profiles)",
                    "dropped",
                    "",
                    "the profiles constrain R5 elements and types; the converted resources are checked against "
                    f"the {target.label} base definitions (see README)",
                )
            )
            continue
        for out in convert_one(conv, resource):
            if out["resourceType"] == "StructureDefinition":
                out["fhirVersion"] = target.version
            converted.append((resource, out))
    moved = {
        f"{r5['resourceType']}/{r5['id']}": f"{out['resourceType']}/{out['id']}"
        for r5, out in converted
        if r5["resourceType"] != out["resourceType"] and r5["id"] == out["id"]
    }
    from fhir_ldn.xver.extensions import extension_definitions

    definitions = extension_definitions(conv.extensions_used, package.meta, target, conv.model)
    resources = [_retarget(out, moved) for _, out in converted] + definitions
    for r in resources:
        if r.get("meta") == {}:
            del r["meta"]
    return resources, conv.changes


def convert_package(package: Package, target: FhirTarget) -> Package:
    """The package in the target version (same id, version and canonical; `fhir_version` the target's)."""
    resources, _ = convert_resources(package, target)
    meta = dataclasses.replace(package.meta, fhir_version=target.version)
    return Package(
        meta, [(package.location(r) if package.get(r["resourceType"], r["id"]) else "", r) for r in resources]
    )
