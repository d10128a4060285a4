"""Definitions of the HL7 cross-version extensions a converted package uses (StructureDefinitions, pure).

HL7 defines an extension `http://hl7.org/fhir/5.0/StructureDefinition/extension-<R5 path>` for every R5 element
(the `hl7.fhir.uv.xver-r5.r4` and `.r4b` packages, not published on the npm registry; the HL7 validator makes
them on the fly). A converted package ships the ones it uses, made by the same rule, so that any tool can read
them: the R5 element's short name, definition and cardinality; `value[x]` of the R5 element's types the target's
Extension can hold; for a backbone element or a type the target's Extension cannot hold, one nested extension
per child element (named by the element); the context is every target element it was placed on.
"""

from __future__ import annotations

import re
from typing import Any

from fhir_ldn.core_defs import load_core_definitions
from fhir_ldn.formats.element_model import Child, ElementModel
from fhir_ldn.package.index import PackageMeta, Resource
from fhir_ldn.xver.convert import XVER_EXTENSION
from fhir_ldn.xver.targets import FhirTarget

EXTENSION_BASE = "http://hl7.org/fhir/StructureDefinition/Extension"
_SKIPPED = ("id", "extension", "modifierExtension")


def _r5_elements(path: str) -> list[dict[str, Any]]:
    sd = load_core_definitions().structure_definition_for_type(path.split(".", 1)[0]) or {}
    elements: list[dict[str, Any]] = sd.get("snapshot", {}).get("element", [])
    return elements


def r5_element(path: str) -> dict[str, Any]:
    """The R5 ElementDefinition of a path (e.g. `Citation.citedArtifact.publicationForm.volume`)."""
    found = next((e for e in _r5_elements(path) if e["path"] == path), None)
    if found is None:
        raise ValueError(f"R5 defines no element {path}")
    return found


def _r5_children(path: str) -> list[dict[str, Any]]:
    prefix = path + "."
    return [
        e
        for e in _r5_elements(path)
        if e["path"].startswith(prefix)
        and "." not in e["path"][len(prefix) :]
        and "sliceName" not in e
        and e["path"][len(prefix) :] not in _SKIPPED
    ]


def _value_types(element: dict[str, Any], model: ElementModel) -> list[str]:
    extension = model.node("Extension")
    codes = [t["code"] for t in element.get("type", [])]
    return [c for c in codes if extension.child("value" + c[:1].upper() + c[1:]) is not None]


def _children_path(element: dict[str, Any], r5_type: str) -> str:
    """Where a complex element's children are defined: its own path (a backbone) or its data type."""
    if "contentReference" in element:
        return str(element["contentReference"]).split("#", 1)[1]
    codes = [t["code"] for t in element.get("type", [])]
    return element["path"] if codes in ([], ["BackboneElement"], ["Element"]) else r5_type


def _describe(
    element_id: str, path: str, element: dict[str, Any], model: ElementModel, r5_type: str
) -> list[dict[str, Any]]:
    """The differential elements below `element_id` (an Extension or a nested one) for one R5 element."""
    types = _value_types(element, model)
    if types:
        return [
            {"id": f"{element_id}.extension", "path": f"{path}.extension", "max": "0"},
            {
                "id": f"{element_id}.value[x]",
                "path": f"{path}.value[x]",
                "min": 1,
                "type": [{"code": c} for c in types],
            },
        ]
    out: list[dict[str, Any]] = [
        {
            "id": f"{element_id}.extension",
            "path": f"{path}.extension",
            "slicing": {"discriminator": [{"type": "value", "path": "url"}], "rules": "open"},
        }
    ]
    for sub in _r5_children(_children_path(element, r5_type)):
        name = sub["path"].rsplit(".", 1)[1].replace("[x]", "")
        slice_id = f"{element_id}.extension:{name}"
        out.append(
            {
                "id": slice_id,
                "path": f"{path}.extension",
                "sliceName": name,
                "short": sub.get("short", name),
                "min": sub.get("min", 0),
                "max": sub.get("max", "*"),
            }
        )
        sub_types = _value_types(sub, model)
        if sub_types:  # in the base order of Extension: extension, url, value[x]
            out.append({"id": f"{slice_id}.extension", "path": f"{path}.extension.extension", "max": "0"})
        out.append({"id": f"{slice_id}.url", "path": f"{path}.extension.url", "fixedUri": name})
        if sub_types:
            out.append(
                {
                    "id": f"{slice_id}.value[x]",
                    "path": f"{path}.extension.value[x]",
                    "type": [{"code": c} for c in sub_types],
                }
            )
    out.append({"id": f"{element_id}.value[x]", "path": f"{path}.value[x]", "max": "0"})
    return out


def definition_id(url: str) -> str:
    """A resource id (at most 64 characters) for a cross-version extension: `ext-R5-Citation.ci.pu.volume`."""
    segments = url[len(XVER_EXTENSION) :].split(".")
    short = ".".join([segments[0], *(s[:2] for s in segments[1:-1]), segments[-1]])
    return ("ext-R5-" + short)[:64]


def extension_definition(
    url: str, child: Child, contexts: set[str], meta: PackageMeta, target: FhirTarget, model: ElementModel
) -> Resource:
    """The StructureDefinition of one cross-version extension, as the HL7 rule defines it."""
    element = r5_element(child.path)
    path = child.path.replace("[x]", "")
    differential = [
        {
            "id": "Extension",
            "path": "Extension",
            "short": element.get("short", path),
            "definition": element.get("definition", path),
            "min": 0,
            "max": element.get("max", "*"),
        },
        {"id": "Extension.url", "path": "Extension.url", "fixedUri": url},
        *_describe("Extension", "Extension", element, model, child.type),
    ]
    order = {"Extension": 0, "Extension.extension": 1, "Extension.url": 3, "Extension.value[x]": 4}
    differential.sort(key=lambda e: order.get(e["id"], 2))  # slices of Extension.extension before Extension.url
    return {
        "resourceType": "StructureDefinition",
        "id": definition_id(url),
        "url": url,
        "name": "ExtensionR5" + re.sub(r"[^A-Za-z0-9]", "", path.title()),
        "title": f"Cross-version extension for R5 {path} in {target.label}",
        "status": "active",
        "experimental": False,
        "date": meta.date,
        "publisher": meta.author,
        "description": (
            f"The R5 element {path}, which FHIR {target.label} lacks or types differently, as the cross-version "
            f"extension HL7 defines for it (made by {meta.id} by HL7's rule: the hl7.fhir.uv.xver-r5 packages are "
            "not on the npm registry)."
        ),
        "fhirVersion": target.version,
        "kind": "complex-type",
        "abstract": False,
        "context": [{"type": "element", "expression": c} for c in sorted(contexts)],
        "type": "Extension",
        "baseDefinition": EXTENSION_BASE,
        "derivation": "constraint",
        "differential": {"element": differential},
    }


def extension_definitions(
    used: dict[str, tuple[Child, set[str]]], meta: PackageMeta, target: FhirTarget, model: ElementModel
) -> list[Resource]:
    """A StructureDefinition for each cross-version extension used (ids checked unique)."""
    out = [extension_definition(url, *used[url], meta, target, model) for url in sorted(used)]
    ids = [r["id"] for r in out]
    if len(set(ids)) != len(ids):
        raise ValueError(f"cross-version extension ids collide: {sorted(ids)}")
    return out
