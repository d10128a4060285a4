"""Resource-level validation: resource type, which profiles apply (meta.profile, requested, required by the
spec), nested resources (contained, Bundle entries) and the Bundle's fullUrl index for references."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from fhir_ldn.fhirpath.nodes import FNode
from fhir_ldn.validation import bundles, complies
from fhir_ldn.validation.issues import Pointer
from fhir_ldn.validation.model import CompiledStructure

if TYPE_CHECKING:
    from fhir_ldn.validation.structure import ResourceContext, Walker


def nested_path(path: str, resource: dict[str, Any]) -> str:
    """The HL7 validator's path for a resource inside another: `List.contained[0]/*Basic/i1*/`."""
    return f"{path}/*{resource.get('resourceType')}/{resource.get('id', 'null')}*/"


def validate_resource(
    walker: Walker,
    resource: Any,
    path: str,
    pointer: Pointer,
    parent: ResourceContext | None,
    explicit_profiles: list[str],
) -> None:
    from fhir_ldn.validation.structure import ResourceContext

    registry = walker.registry
    if not isinstance(resource, dict):
        walker.add("fatal", "invalid", path, pointer, "The content is not a JSON object", "NOT_A_JSON_OBJECT")
        return
    rtype = resource.get("resourceType")
    if not isinstance(rtype, str):
        walker.add(
            "fatal",
            "invalid",
            path,
            pointer,
            "Unable to find resourceType property",
            "UNABLE_TO_FIND_RESOURCETYPE_PROPERTY",
        )
        return
    base = registry.compiled_type(rtype) if registry.is_resource_type(rtype) else None
    if base is None or base.root is None or base.abstract:
        text = f"This does not appear to be a FHIR resource (unknown name '{rtype}')"
        walker.add("fatal", "invalid", path, pointer, text, "This_does_not_appear_to_be_a_FHIR_resource_unknown_name_")
        return
    rpath = nested_path(path, resource) if parent is not None else rtype
    structures = profiles_for(walker, resource, base, explicit_profiles, rpath, pointer)
    node = FNode(resource, None, rtype, base.root)
    # %rootResource: a contained resource's container; a Bundle entry or a Parameters resource is its own root
    contained = parent is not None and len(pointer) >= 2 and pointer[-2] == "contained"
    rc = ResourceContext(
        node=node,
        root=parent.root if contained and parent is not None else node,
        resource=resource,
        path=rpath,
        parent=parent,
    )
    check_contained_used(walker, resource, rpath, pointer)
    if rtype == "StructureDefinition" and parent is None:
        complies.check(walker, resource, rpath, pointer)
    if rtype == "Bundle":
        index_bundle(walker, resource)
        bundles.check_full_urls(walker, resource, rpath, pointer)
        bundles.check_links(walker, resource, rpath, pointer)
        outer, walker.in_bundle = walker.in_bundle, True
        try:
            walker.walk_structures(resource, structures, rc, pointer)
        finally:
            walker.in_bundle = outer
        return
    walker.walk_structures(resource, structures, rc, pointer)


def profiles_for(
    walker: Walker,
    resource: dict[str, Any],
    base: CompiledStructure,
    explicit: list[str],
    path: str,
    pointer: Pointer,
) -> list[CompiledStructure]:
    """The structures to validate against: requested and declared profiles, else the base definition."""
    registry = walker.registry
    found: list[CompiledStructure] = []
    seen: set[str] = set()

    def use(structure: CompiledStructure | None) -> None:
        if structure is not None and structure.url not in seen and structure.type == base.type:
            seen.add(structure.url)
            found.append(structure)

    for url in explicit:
        structure = registry.compiled(url)
        if structure is None:
            text = f"Unable to locate the profile '{url}' in order to validate against it"
            walker.add(
                "error",
                "processing",
                path,
                pointer,
                text,
                "Unable_to_locate_the_profile__in_order_to_validate_against_it",
            )
        use(structure)
    meta = resource.get("meta")
    declared = meta.get("profile") if isinstance(meta, dict) else None
    if isinstance(declared, list):
        for i, url in enumerate(declared):
            if not isinstance(url, str):
                continue
            structure = registry.compiled(url)
            if structure is None:
                text = (
                    f"Profile reference '{url}' has not been checked because it could not be found, and the validator "
                    "is set to not fetch unknown profiles"
                )
                walker.add(
                    "warning",
                    "structure",
                    f"{path}.meta.profile[{i}]",
                    (*pointer, "meta", "profile", i),
                    text,
                    "VALIDATION_VAL_PROFILE_UNKNOWN_NOT_POLICY",
                )
            use(structure)
    for url in walker.session.required_profiles(resource):
        structure = registry.compiled(url)
        if structure is not None and structure.url not in seen:
            title = structure.resource.get("title") or structure.name
            text = (
                f"Validate {base.type} against the {title} profile ({structure.url}) which is required by the FHIR "
                "specification because of the code it has"
            )
            walker.add("information", "informational", path, pointer, text, "VALIDATION_VAL_PROFILE_SIGNPOST_OBS")
        use(structure)
    return found or [base]


def index_bundle(walker: Walker, bundle: dict[str, Any]) -> None:
    """Make entries resolvable by fullUrl and by Type/id (for resolve() and reference checks)."""
    entries = bundle.get("entry")
    if not isinstance(entries, list):
        return
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
            continue
        resource = entry["resource"]
        full_url = entry.get("fullUrl")
        if isinstance(full_url, str):
            walker.bundle_resources[full_url] = resource
        rtype, rid = resource.get("resourceType"), resource.get("id")
        if isinstance(rtype, str) and isinstance(rid, str):
            walker.bundle_resources.setdefault(f"{rtype}/{rid}", resource)
            if isinstance(full_url, str) and full_url.endswith(f"/{rtype}/{rid}"):
                walker.bundle_resources.setdefault(full_url, resource)


def check_local_reference(walker: Walker, reference: Any, path: str, pointer: Pointer, rc: ResourceContext) -> None:
    """A local reference (`#id`) must name a resource contained in the container (`#` alone is the container)."""
    target = reference.get("reference") if isinstance(reference, dict) else None
    if not isinstance(target, str) or not target.startswith("#") or target == "#":
        return
    container = rc.root.v if isinstance(rc.root.v, dict) else rc.resource
    contained = container.get("contained") if isinstance(container, dict) else None
    ids = (
        {c.get("id") for c in contained if isinstance(c, dict) and isinstance(c.get("id"), str)}
        if isinstance(contained, list)
        else set()
    )
    if target[1:] not in ids:
        text = f"Unable to resolve resource with reference '{target}'"
        walker.add("error", "structure", path, pointer, text, "Reference_REF_CantResolve")


def check_bundle_reference(walker: Walker, reference: Any, path: str, pointer: Pointer) -> None:
    """Inside a Bundle, a urn:uuid/urn:oid reference must point to one of its entries."""
    target = reference.get("reference") if isinstance(reference, dict) else None
    if (
        isinstance(target, str)
        and target.startswith(("urn:uuid:", "urn:oid:"))
        and target not in walker.bundle_resources
    ):
        text = f"URN reference is not locally contained within the bundle {target}"
        walker.add("warning", "required", path, pointer, text, "Bundle_BUNDLE_Not_Local")


_LOCAL_LINK = re.compile(r"""(?:src|href)\s*=\s*["'](#[^"']+)["']""")


def _strings(value: Any, out: set[str]) -> None:
    """Every local reference (`#id`) in a value: reference/canonical/uri strings, and links in narrative."""
    if isinstance(value, str):
        if value.startswith("#"):
            out.add(value)
        elif "<" in value:
            out.update(_LOCAL_LINK.findall(value))
    elif isinstance(value, dict):
        for item in value.values():
            _strings(item, out)
    elif isinstance(value, list):
        for item in value:
            _strings(item, out)


def check_contained_used(walker: Walker, resource: dict[str, Any], path: str, pointer: Pointer) -> None:
    """dom-3, as the HL7 validator checks it: a contained resource is referenced (`#id`) from its container
    (narrative links included) or from another contained resource, or refers to its container (`#`)."""
    contained = resource.get("contained")
    if not isinstance(contained, list) or not contained:
        return
    outside: set[str] = set()
    _strings({k: v for k, v in resource.items() if k != "contained"}, outside)
    inside: list[set[str]] = []
    for item in contained:
        found: set[str] = set()
        _strings(item, found)
        inside.append(found)
    for i, item in enumerate(contained):
        rid = item.get("id") if isinstance(item, dict) else None
        others = set().union(*(s for j, s in enumerate(inside) if j != i))
        if not isinstance(rid, str) or f"#{rid}" in outside | others or "#" in inside[i]:
            continue
        text = (
            f"The contained resource '{rid}' is not referenced to from elsewhere in the containing resource nor "
            "does it refer to the containing resource"
        )
        walker.add("error", "invalid", f"{path}.contained[{i}]", (*pointer, "contained", i), text, "Contained_Orphan")
