"""Slicing: match each value of a sliced element to a slice (value, pattern, exists, type and profile
discriminators), then check slice cardinalities, closed slicing and re-slicing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fhir_ldn.fhirpath.compiler import compile_expression
from fhir_ldn.fhirpath.nodes import FNode
from fhir_ldn.fhirpath.operators import FhirPathEvaluationError
from fhir_ldn.fhirpath.parser import FhirPathParseError
from fhir_ldn.validation import fixed
from fhir_ldn.validation.issues import Pointer, maximum, minimum
from fhir_ldn.validation.model import Elem, Slicing

if TYPE_CHECKING:
    from fhir_ldn.validation.shape import Item
    from fhir_ldn.validation.structure import ResourceContext, Walker

_EXTENSION_SLICING = Slicing((("value", "url"),), "open", False)
_TYPE_SLICING = Slicing((("type", "$this"),), "open", False)


def _slicing_of(elem: Elem) -> Slicing | None:
    if elem.slicing is not None:
        return elem.slicing
    if elem.name in ("extension", "modifierExtension"):
        return _EXTENSION_SLICING
    if elem.is_choice and elem.slices:
        return _TYPE_SLICING  # type slices of a choice (value[x]:valueQuantity) need no declared slicing
    return None


def assign(
    walker: Walker, elem: Elem, items: list[Item], path: str, pointer: Pointer, rc: ResourceContext
) -> list[tuple[Item, Elem]]:
    """(value, definition to validate it against) for every value; reports slicing problems on the way."""
    slicing = _slicing_of(elem)
    if not elem.slices or slicing is None:
        return [(item, elem) for item in items]
    return _assign_to(walker, elem, elem.slices, slicing, items, path, pointer, rc)


def _assign_to(
    walker: Walker,
    elem: Elem,
    slices: list[Elem],
    slicing: Slicing,
    items: list[Item],
    path: str,
    pointer: Pointer,
    rc: ResourceContext,
) -> list[tuple[Item, Elem]]:
    profile = elem.structure.versioned_url
    counts: dict[int, list[Item]] = {id(s): [] for s in slices}
    out: list[tuple[Item, Elem]] = []
    is_extension = elem.name in ("extension", "modifierExtension")
    for item in items:
        matched = [s for s in slices if matches(walker, item, s, slicing, rc)]
        if len(matched) > 1:
            names = ", ".join(str(s.slice_name) for s in matched[:2])
            walker.add(
                "error",
                "invalid",
                item.path,
                item.pointer,
                f"Profile {profile}, Element matches more than one slice - {names}",
                "Validation_VAL_Profile_MatchMultiple",
            )
        if matched:
            counts[id(matched[0])].append(item)
            continue
        if slicing.rules == "closed":
            walker.add(
                "error",
                "structure",
                item.path,
                item.pointer,
                f"This element does not match any known slice defined in the profile {profile} and slicing is CLOSED",
                "Validation_VAL_Profile_NotSlice",
            )
        elif not is_extension:
            walker.add(
                "information",
                "informational",
                item.path,
                item.pointer,
                f"This element does not match any known slice defined in the profile {profile} (this may not be a "
                "problem, but you should check that it's not intended to match a slice)",
                "This_element_does_not_match_any_known_slice_",
            )
        out.append((item, elem))
    for s in slices:
        found = counts[id(s)]
        if len(found) < s.min:
            if not found:
                text = (
                    f"Slice '{s.id}': a matching slice is required, but not found (from {profile}). "
                    "Note that other slices are allowed in addition to this required slice"
                )
            else:
                text = minimum(s.id, s.min, len(found), profile)
            walker.add("error", "structure", path, pointer, text, "Validation_VAL_Profile_Minimum_SLICE")
        if s.max >= 0 and len(found) > s.max:
            walker.add(
                "error",
                "structure",
                path,
                pointer,
                maximum(s.id, s.max, len(found), profile),
                "Validation_VAL_Profile_Maximum",
            )
        reslicing = _slicing_of(s) if s.slices else None
        if reslicing is not None and found:
            out.extend(_assign_to(walker, s, s.slices, reslicing, found, path, pointer, rc))
        else:
            out.extend((item, s) for item in found)
    order = {id(item): n for n, item in enumerate(items)}
    out.sort(key=lambda pair: order.get(id(pair[0]), 0))
    return out


# -- matching -------------------------------------------------------------------------------------------
def matches(walker: Walker, item: Item, slice_elem: Elem, slicing: Slicing, rc: ResourceContext) -> bool:
    for kind, path in slicing.discriminators:
        if not _discriminator_matches(walker, item, slice_elem, kind, path, rc):
            return False
    return True


def _instance_nodes(walker: Walker, item: Item, path: str, rc: ResourceContext, elem: Elem) -> list[Any]:
    node = FNode(
        item.value, item.ext, item.type, elem.definition_for(item.type) if not item.type[:1].islower() else None
    )
    if path in ("$this", ""):
        return [node]
    try:
        expression = compile_expression(path)
        ctx = walker.session.fhirpath_context(walker, rc, node)
        return expression.evaluate_in(ctx, node)
    except (FhirPathParseError, FhirPathEvaluationError):
        return []


def _definition_at(walker: Walker, elem: Elem, path: str) -> tuple[Elem | None, list[str]]:
    """The element of the slice definition a discriminator path points at (and the profiles met on the way)."""
    if path in ("$this", ""):
        return elem, []
    current: Elem | None = elem
    profiles: list[str] = []
    for raw in _split_path(path):
        if current is None:
            return None, profiles
        if raw == "resolve()":
            targets = [p for t in current.types for p in t.target_profiles]
            profiles = targets
            structure = walker.registry.compiled(targets[0]) if len(targets) == 1 else None
            current = structure.root if structure is not None else None
            continue
        if raw.startswith(("ofType(", "extension(")):
            if raw.startswith("extension("):
                url = raw[len("extension(") : -1].strip("'\"")
                current = _extension_slice(current, url)
            continue
        current = current.child_map().get(raw.removesuffix("[x]"))
    return current, profiles


def _sliced_definitions_at(elem: Elem, path: str) -> list[Elem]:
    """The elements a plain dotted path reaches when required slices on the way are followed too."""
    current = [elem]
    for name in _split_path(path):
        if "(" in name:
            return []
        following: list[Elem] = []
        for e in current:
            child = e.child_map().get(name.removesuffix("[x]"))
            if child is None:
                continue
            following.append(child)
            if not child.is_choice:  # type slices of a choice element are not followed (as the HL7 validator)
                following.extend(s for s in child.slices if s.min >= 1)
        current = following
    return current


def _extension_slice(elem: Elem, url: str) -> Elem | None:
    ext = elem.child_map().get("extension")
    if ext is None:
        return None
    for s in ext.slices:
        if any(url in t.profiles for t in s.types):
            required = [r for r in s.slices if r.min >= 1]
            return required[0] if len(required) == 1 else s  # a required re-slice is what the slice holds
    return None


def _split_path(path: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current = ""
    for ch in path:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "." and depth == 0:
            parts.append(current)
            current = ""
            continue
        current += ch
    parts.append(current)
    return [p for p in parts if p != "$this"]  # `$this.resource` names the same element as `resource`


def _discriminator_matches(
    walker: Walker, item: Item, slice_elem: Elem, kind: str, path: str, rc: ResourceContext
) -> bool:
    if kind in ("value", "pattern"):
        if path == "url" and item.type == "Extension":
            url = _extension_url(slice_elem)
            if url is not None:
                return isinstance(item.value, dict) and item.value.get("url") == url
        target, _ = _definition_at(walker, slice_elem, path)
        if target is None:
            return True
        expected = target.fixed or target.pattern
        if expected is None and target.is_choice:  # valueCode fixed in the slice: a type slice of value[x]
            typed = [t for t in target.slices if t.fixed or t.pattern]
            if len(typed) == 1 and typed[0].min >= 1:
                target = typed[0]
                expected = target.fixed or target.pattern
        if expected is None and target.max == 0:  # the slice's value is the absence of the element
            return not _instance_nodes(walker, item, path, rc, slice_elem)
        if expected is None:
            sliced_values = [e for e in _sliced_definitions_at(slice_elem, path) if e.fixed or e.pattern]
            if sliced_values:  # the path runs through required slices that fix the value (code.coding.code)
                nodes = _instance_nodes(walker, item, path, rc, slice_elem)
                return any(
                    fixed.matches(_raw(n), (e.fixed or e.pattern)[1], e.fixed is None)  # type: ignore[index]
                    for n in nodes
                    for e in sliced_values
                )
            binding = target.binding
            if binding is not None and binding.strength == "required" and binding.value_set:
                nodes = _instance_nodes(walker, item, path, rc, slice_elem)
                return any(walker.session.bindings.member(walker, n, binding.value_set) for n in nodes)
            if _constrains_content(target):  # e.g. a code whose coding is sliced with fixed system and code
                nodes = _instance_nodes(walker, item, path, rc, slice_elem)
                return any(_content_matches(_raw(n), target) for n in nodes)
            return True
        nodes = _instance_nodes(walker, item, path, rc, slice_elem)
        is_pattern = target.pattern is not None and target.fixed is None
        return any(fixed.matches(_raw(n), expected[1], is_pattern) for n in nodes)
    if kind == "exists":
        target, _ = _definition_at(walker, slice_elem, path)
        if target is None:
            return True
        present = bool(_instance_nodes(walker, item, path, rc, slice_elem))
        if target.min >= 1:
            return present
        if target.max == 0:
            return not present
        return True
    if kind == "type":
        target, targets = _definition_at(walker, slice_elem, path)
        if _split_path(path)[-1:] == ["resolve()"]:  # the type of the resource referred to: its target profiles'
            structures = [walker.registry.compiled(p) for p in targets]
            codes = {s.type for s in structures if s is not None}
            if not codes or len(codes) < len(targets):
                return True
            nodes = _instance_nodes(walker, item, path, rc, slice_elem)
            return any(isinstance(n, FNode) and n.t in codes for n in nodes)
        if target is None or not target.types:
            return True
        codes = {t.code for t in target.types}
        if target.is_choice and target.slices:  # contentString in a slice: the slice's content[x] is a string
            codes = {t.code for s in target.slices for t in s.types} or codes
        nodes = _instance_nodes(walker, item, path, rc, slice_elem)
        return any(isinstance(n, FNode) and n.t in codes for n in nodes)
    if kind == "profile":
        target, resolved_profiles = _definition_at(walker, slice_elem, path)
        profiles = resolved_profiles or ([p for t in target.types for p in t.profiles] if target is not None else [])
        if not profiles:
            return True
        nodes = _instance_nodes(walker, item, path, rc, slice_elem)
        return any(
            isinstance(n, FNode)
            and isinstance(n.v, dict)
            and any(walker.session.conforms(walker, n.v, p) for p in profiles)
            for n in nodes
        )
    return True


def _constrains_content(elem: Elem) -> bool:
    """Whether fixed or pattern values appear below `elem` on required elements or required slices."""
    if elem.fixed is not None or elem.pattern is not None:
        return True
    for child in elem.children.values():
        if child.min >= 1 and _constrains_content(child):
            return True
        if any(s.min >= 1 and _constrains_content(s) for s in child.slices):
            return True
    return False


def _content_matches(value: Any, elem: Elem) -> bool:
    """Whether a value has the fixed/pattern content required below `elem` (each required slice matched)."""
    constraint = elem.fixed if elem.fixed is not None else elem.pattern
    if constraint is not None:
        return fixed.matches(value, constraint[1], elem.fixed is None)
    if not isinstance(value, dict):
        return False
    for name, child in elem.children.items():
        raw = value.get(name)
        items = raw if isinstance(raw, list) else ([] if raw is None else [raw])
        required = child.min >= 1 and _constrains_content(child)
        if required and (not items or not all(_content_matches(i, child) for i in items)):
            return False
        for s in child.slices:
            if s.min >= 1 and _constrains_content(s) and not any(_content_matches(i, s) for i in items):
                return False
    return True


def _raw(node: Any) -> Any:
    return node.v if isinstance(node, FNode) else node


def _extension_url(slice_elem: Elem) -> str | None:
    url_child = slice_elem.children.get("url")
    if url_child is not None and url_child.fixed is not None:
        return str(url_child.fixed[1])
    for t in slice_elem.types:
        if t.code == "Extension" and t.profiles:
            return t.profiles[0]
    return None
