"""A profile that claims `compliesWithProfile` must allow nothing the claimed profile forbids (cardinality,
bindings, constraints, fixed/pattern values, slicing), checked element by element on the two snapshots."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fhir_ldn.validation import fixed
from fhir_ldn.validation.issues import Pointer
from fhir_ldn.validation.model import CompiledStructure, Elem, compile_structure

if TYPE_CHECKING:
    from fhir_ldn.validation.structure import Walker

COMPLIES_WITH = "http://hl7.org/fhir/StructureDefinition/structuredefinition-compliesWithProfile"
_STRENGTH = {"example": 0, "preferred": 1, "extensible": 2, "required": 3}


def check(walker: Walker, sd: dict[str, Any], path: str, pointer: Pointer) -> None:
    """One error per claimed profile the StructureDefinition `sd` does not comply with."""
    claims = [
        str(e["valueCanonical"])
        for e in sd.get("extension", [])
        if isinstance(e, dict) and e.get("url") == COMPLIES_WITH and isinstance(e.get("valueCanonical"), str)
    ]
    if not claims:
        return
    registry = walker.registry
    snapshot = registry.snapshot(sd)
    if snapshot is None:
        return
    profile = compile_structure(registry, sd, snapshot)
    for url in claims:
        claimed = registry.compiled(url)
        if claimed is None:
            text = f"Unable to locate the claimed profile '{url}'"
            walker.add("warning", "not-found", path, pointer, text, "SD_COMPLIES_WITH_NOT_FOUND")
            continue
        reasons = differences(profile, claimed)
        if reasons:
            text = f"This profile does not comply with claimed profile '{url}' because: {' and '.join(reasons)}"
            walker.add("error", "invalid", path, pointer, text, "PROFILE_COMPLIES_WITH")


def differences(profile: CompiledStructure, claimed: CompiledStructure) -> list[str]:
    """Why `profile` allows something `claimed` does not (empty when it complies)."""
    out: list[str] = []
    missing_slices: list[str] = []
    for element_id, want in claimed.by_id.items():
        if any(element_id.startswith(m + ".") for m in missing_slices):
            continue
        have = profile.by_id.get(element_id)
        if have is None:
            if want.slice_name is not None:
                missing_slices.append(element_id)
                out.append(f"Mismatch in slicing at {element_id}: no slice found for {_slice_key(want)}")
            continue
        out.extend(_element_differences(have, want, element_id, claimed))
    return out


def _slice_key(elem: Elem) -> str:
    for child in elem.children.values():
        value = child.fixed or child.pattern
        if value is not None:
            return f"the discriminator value:{child.name} with the values {value[1]}"
    return f"the slice '{elem.slice_name}'"


def _element_differences(have: Elem, want: Elem, element_id: str, claimed: CompiledStructure) -> list[str]:
    out = []
    if have.min < want.min:
        out.append(
            f"The min value of '{have.min}' on the path {element_id} does not comply with the value '{want.min}'"
        )
    if want.max >= 0 and (have.max < 0 or have.max > want.max):
        shown = "*" if have.max < 0 else str(have.max)
        out.append(f"The max value of '{shown}' on the path {element_id} does not comply with the value '{want.max}'")
    out.extend(_binding_differences(have, want, element_id, claimed))
    expressions = {c.expression for c in have.constraints}
    for constraint in want.constraints:
        if constraint.expression not in expressions:
            out.append(f"The constraint '{constraint.expression}' is defined in the claimed profile, but missing")
    out.extend(_value_differences(have, want, element_id))
    if want.slicing is not None:
        if want.slicing.rules == "closed" and (have.slicing is None or have.slicing.rules != "closed"):
            rules = have.slicing.rules if have.slicing is not None else "none"
            out.append(f"Mismatch in slicing rules at {element_id}: '{rules}' when the claimed profile has 'closed'")
        if want.slicing.rules == "closed":
            allowed = {s.slice_name for s in want.slices}
            for extra in have.slices:
                if extra.slice_name not in allowed:
                    out.append(
                        f"Mismatch in slicing at {element_id}: extra slice '{extra.slice_name}' not found in the "
                        "claimed profile"
                    )
    return out


def _binding_differences(have: Elem, want: Elem, element_id: str, claimed: CompiledStructure) -> list[str]:
    if want.binding is None or have.binding is None:
        return []
    if _STRENGTH.get(have.binding.strength, 0) < _STRENGTH.get(want.binding.strength, 0):
        return [
            f"The binding.strength value of '{have.binding.strength.upper()}' on the path {element_id} does not "
            f"comply with the value '{want.binding.strength.upper()}'"
        ]
    if want.binding.strength != "required" or have.binding.value_set == want.binding.value_set:
        return []
    mine = _enumerated_codes(have.structure, have.binding.value_set)
    theirs = _enumerated_codes(claimed, want.binding.value_set)
    if mine is None or theirs is None or mine <= theirs:
        return []
    extra = ", ".join(sorted(code for _, code in mine - theirs))
    return [
        f"The value set {have.binding.value_set} includes codes not allowed in the claimed profile which has value "
        f"set {want.binding.value_set} (codes: {extra})"
    ]


def _enumerated_codes(structure: CompiledStructure, value_set: str | None) -> set[tuple[str, str]] | None:
    """The codes of a value set that lists its concepts (contained or loaded); None when it is not that simple."""
    if value_set is None:
        return None
    vs: Any = None
    if value_set.startswith("#"):
        vs = next((c for c in structure.resource.get("contained", []) if c.get("id") == value_set[1:]), None)
    else:
        vs = structure.registry.source.resource(value_set)
    includes = (vs or {}).get("compose", {}).get("include") if isinstance(vs, dict) else None
    if not isinstance(includes, list) or (vs or {}).get("compose", {}).get("exclude"):
        return None
    codes: set[tuple[str, str]] = set()
    for include in includes:
        if not isinstance(include, dict) or not isinstance(include.get("concept"), list) or include.get("filter"):
            return None
        codes.update((str(include.get("system")), str(c.get("code"))) for c in include["concept"])
    return codes


def _value_differences(have: Elem, want: Elem, element_id: str) -> list[str]:
    if want.fixed is not None:
        if have.fixed is None or not fixed.matches(have.fixed[1], want.fixed[1], False):
            value = have.fixed or have.pattern
            return [
                f"The fixed value of '{value[1] if value else ''}' on the path {element_id} does not comply with "
                f"the value '{want.fixed[1]}'"
            ]
    elif want.pattern is not None:
        value = have.fixed or have.pattern
        if value is None or not fixed.matches(value[1], want.pattern[1], True):
            return [
                f"The pattern value of '{value[1] if value else ''}' on the path {element_id} does not comply with "
                f"the value '{want.pattern[1]}'"
            ]
    return []
