"""Compiled StructureDefinitions: a tree of `Elem` per snapshot, shared by the validator and the FHIRPath model."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fhir_ldn.validation.registry import StructureRegistry

FHIR_TYPE_EXT = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
REGEX_EXT = "http://hl7.org/fhir/StructureDefinition/regex"
BEST_PRACTICE_EXT = "http://hl7.org/fhir/StructureDefinition/elementdefinition-bestpractice"
CONTENT_REF_PROFILE_EXT = "http://hl7.org/fhir/StructureDefinition/contentReferenceProfile"
SYSTEM_PREFIX = "http://hl7.org/fhirpath/System."


@dataclass(frozen=True)
class TypeRef:
    """One allowed type of an element, with its profiles (e.g. an extension's definition)."""

    code: str
    profiles: tuple[str, ...] = ()
    target_profiles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Constraint:
    key: str
    severity: str
    human: str
    expression: str
    source: str | None  # url of the StructureDefinition that defined it (None: the profile itself)
    best_practice: bool = False


@dataclass(frozen=True)
class AdditionalBinding:
    purpose: str
    value_set: str
    usage: tuple[dict[str, Any], ...] = ()  # UsageContexts: the binding applies only where they match


@dataclass(frozen=True)
class Binding:
    strength: str
    value_set: str | None
    description: str | None = None
    additional: tuple[AdditionalBinding, ...] = ()


@dataclass(frozen=True)
class Slicing:
    discriminators: tuple[tuple[str, str], ...]  # (type, path)
    rules: str
    ordered: bool


def _cap(code: str) -> str:
    return code[:1].upper() + code[1:]


def _type_code(t: dict[str, Any]) -> str:
    for ext in t.get("extension", []):
        if ext.get("url") == FHIR_TYPE_EXT and isinstance(ext.get("valueUrl") or ext.get("valueUri"), str):
            return str(ext.get("valueUrl") or ext.get("valueUri"))
    code = str(t.get("code", ""))
    if code.startswith(SYSTEM_PREFIX):
        return "System." + code[len(SYSTEM_PREFIX) :]
    return code


def _merged_types(types: Iterable[TypeRef]) -> tuple[TypeRef, ...]:
    """One TypeRef per type code: older profiles list a type once per (target) profile (STU3 style)."""
    merged: dict[str, TypeRef] = {}
    for t in types:
        seen = merged.get(t.code)
        if seen is None:
            merged[t.code] = t
        else:
            merged[t.code] = TypeRef(
                t.code,
                seen.profiles + tuple(p for p in t.profiles if p not in seen.profiles),
                seen.target_profiles + tuple(p for p in t.target_profiles if p not in seen.target_profiles),
            )
    return tuple(merged.values())


@dataclass(eq=False)
class Elem:
    """One element of a snapshot, with its children, slices and everything the checks need."""

    structure: CompiledStructure = field(repr=False)
    id: str
    path: str
    name: str  # last path segment without [x]
    is_choice: bool
    min: int
    max: int  # -1 = unbounded
    types: tuple[TypeRef, ...]
    suffix_types: dict[str, str]  # JSON name suffix -> type code ("" for non-choice elements)
    slice_name: str | None = None
    slicing: Slicing | None = None
    slices: list[Elem] = field(default_factory=list, repr=False)
    children: dict[str, Elem] = field(default_factory=dict, repr=False)
    fixed: tuple[str, Any] | None = None  # (type suffix, value)
    pattern: tuple[str, Any] | None = None
    binding: Binding | None = None
    constraints: tuple[Constraint, ...] = ()
    content_reference: str | None = None
    max_length: int | None = None
    min_length: int | None = None  # the minLength extension on the element definition
    min_value: Any = None
    max_value: Any = None
    regex: str | None = None
    is_modifier: bool = False
    representation: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    # computed on first use by the walker (per compiled element, so never shared between registries)
    json_index: dict[str, tuple[Elem, str, bool]] | None = field(default=None, repr=False)
    required_children: frozenset[str] | None = field(default=None, repr=False)
    child_order: dict[str, int] | None = field(default=None, repr=False)  # child name -> position in child_map
    is_array: bool = False  # repeats in JSON (the base definition allows more than one)
    value_constraints: tuple[Any, ...] | None = field(default=None, repr=False)  # all but ele-1, prepared
    _child_map: dict[str, Elem] | None = field(default=None, repr=False)
    _definitions: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def registry(self) -> StructureRegistry:
        return self.structure.registry

    @property
    def type_codes(self) -> tuple[str, ...]:
        return tuple(t.code for t in self.types)

    def definition_for(self, type_code: str) -> Any:
        """The element definition that describes a child value of this element with type `type_code`."""
        found = self._definitions.get(type_code)
        if found is None:
            found = self if self.children else (self.content_target() or self.registry.type_root(type_code))
            self._definitions[type_code] = found
        return found

    def content_target(self) -> Elem | None:
        if self.content_reference is None:
            return None
        return self.structure.resolve_content_reference(self.content_reference, self)

    def child_map(self) -> dict[str, Elem]:
        """Children by name: inline ones, else those of the content reference, else those of the single type."""
        found = self._child_map
        if found is None:
            found = self._child_map = self._find_children()
        return found

    def _find_children(self) -> dict[str, Elem]:
        if self.children:
            return self.children
        target = self.content_target()
        if target is not None:
            return target.child_map()
        if len(self.types) == 1:
            root = self.registry.type_root(self.types[0].code)
            if root is not None and root is not self:
                return root.children
        return {}


@dataclass(eq=False)
class CompiledStructure:
    """A StructureDefinition ready for validation."""

    registry: StructureRegistry = field(repr=False)
    url: str
    version: str | None
    name: str
    type: str
    kind: str
    derivation: str
    abstract: bool
    base_definition: str | None
    resource: dict[str, Any] = field(repr=False)
    root: Elem | None = field(default=None, repr=False)
    by_id: dict[str, Elem] = field(default_factory=dict, repr=False)

    @property
    def versioned_url(self) -> str:
        return f"{self.url}|{self.version}" if self.version else self.url

    def resolve_content_reference(self, ref: str, source: Elem) -> Elem | None:
        url, _, element_id = ref.partition("#")
        structure: CompiledStructure | None = self
        profile = source.raw.get("_content_profile")
        if isinstance(profile, str):
            purl, _, pid = profile.partition("#")
            target = self.registry.compiled(purl)
            if target is not None and pid in target.by_id:
                return target.by_id[pid]
        if url:
            structure = self.registry.compiled(url)
        elif self.derivation == "constraint":
            structure = self.registry.compiled_type(self.type)
        if structure is None:
            return None
        return structure.by_id.get(element_id) or structure.by_path_first(element_id)

    def by_path_first(self, path: str) -> Elem | None:
        for elem in self.by_id.values():
            if elem.path == path and elem.slice_name is None:
                return elem
        return None


def _constraints(ed: dict[str, Any]) -> tuple[Constraint, ...]:
    out = []
    for c in ed.get("constraint", []):
        expression = c.get("expression")
        if not isinstance(expression, str) or not expression.strip():
            continue
        out.append(
            Constraint(
                key=str(c.get("key", "")),
                severity=str(c.get("severity", "error")),
                human=str(c.get("human", "")),
                expression=expression,
                source=c.get("source") if isinstance(c.get("source"), str) else None,
                best_practice=any(
                    e.get("url") == BEST_PRACTICE_EXT and e.get("valueBoolean") is True for e in c.get("extension", [])
                ),
            )
        )
    return tuple(out)


def _binding(ed: dict[str, Any]) -> Binding | None:
    b = ed.get("binding")
    if not isinstance(b, dict) or "strength" not in b:
        return None
    additional = tuple(
        AdditionalBinding(str(a.get("purpose", "")), str(a["valueSet"]), tuple(a.get("usage", [])))
        for a in b.get("additional", [])
        if isinstance(a, dict) and isinstance(a.get("valueSet"), str)
    )
    vs = b.get("valueSet")
    return Binding(str(b["strength"]), vs if isinstance(vs, str) else None, b.get("description"), additional)


def _slicing(ed: dict[str, Any]) -> Slicing | None:
    s = ed.get("slicing")
    if not isinstance(s, dict):
        return None
    discriminators = tuple((str(d.get("type", "")), str(d.get("path", ""))) for d in s.get("discriminator", []))
    return Slicing(discriminators, str(s.get("rules", "open")), bool(s.get("ordered", False)))


MIN_LENGTH_EXTENSION = "http://hl7.org/fhir/StructureDefinition/minLength"


def _min_length(ed: dict[str, Any]) -> int | None:
    for ext in ed.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == MIN_LENGTH_EXTENSION:
            value = ext.get("valueInteger")
            return value if isinstance(value, int) and not isinstance(value, bool) else None
    return None


def _prefixed(ed: dict[str, Any], prefix: str) -> tuple[str, Any] | None:
    for key, value in ed.items():
        if key.startswith(prefix) and len(key) > len(prefix) and key[len(prefix)].isupper():
            return key[len(prefix) :], value
    return None


def _max(value: Any) -> int:
    if value in (None, "*"):
        return -1
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def make_elem(structure: CompiledStructure, ed: dict[str, Any]) -> Elem:
    path = str(ed.get("path", ""))
    last = path.rsplit(".", 1)[-1]
    is_choice = last.endswith("[x]")
    name = last[:-3] if is_choice else last
    types = _merged_types(
        TypeRef(_type_code(t), tuple(t.get("profile", [])), tuple(t.get("targetProfile", [])))
        for t in ed.get("type", [])
        if isinstance(t, dict)
    )
    if is_choice:
        suffix_types = {_cap(t.code): t.code for t in types}
    else:
        suffix_types = {"": types[0].code} if len(types) == 1 else {"": "Element"}
        if len(types) > 1 and all(structure.registry.is_resource_type(t.code) for t in types):
            suffix_types = {"": "Resource"}  # a resource slot profiled to several resource types
    regex = None
    for t in ed.get("type", []):
        for ext in t.get("extension", []) if isinstance(t, dict) else []:
            if ext.get("url") == REGEX_EXT and isinstance(ext.get("valueString"), str):
                regex = ext["valueString"]
    raw = ed
    for ext in ed.get("extension", []):
        if ext.get("url") == CONTENT_REF_PROFILE_EXT:
            raw = {**ed, "_content_profile": ext.get("valueUri") or ext.get("valueCanonical")}
    base = ed.get("base")
    if isinstance(base, dict) and isinstance(base.get("max"), str):  # JSON arrays follow the base definition
        many = base["max"] not in ("0", "1")
    else:
        many = _max(ed.get("max")) != 1
    return Elem(
        structure=structure,
        is_array=many,
        id=str(ed.get("id") or path),
        path=path,
        name=name,
        is_choice=is_choice,
        min=int(ed.get("min", 0) or 0),
        max=_max(ed.get("max")),
        types=types,
        suffix_types=suffix_types,
        slice_name=ed.get("sliceName"),
        slicing=_slicing(ed),
        fixed=_prefixed(ed, "fixed"),
        pattern=_prefixed(ed, "pattern"),
        binding=_binding(ed),
        constraints=_constraints(ed),
        content_reference=ed.get("contentReference"),
        max_length=ed.get("maxLength") if isinstance(ed.get("maxLength"), int) else None,
        min_length=_min_length(ed),
        min_value=_prefixed(ed, "minValue"),
        max_value=_prefixed(ed, "maxValue"),
        regex=regex,
        is_modifier=bool(ed.get("isModifier", False)),
        representation=tuple(ed.get("representation", [])),
        raw=raw,
    )


def _parent_ids(element_id: str) -> tuple[str, str | None]:
    """(parent id, sliced element id) for an element id: 'A.b:s.c' -> ('A.b:s', None); 'A.b:s' -> ('A', 'A.b')."""
    depth = 0
    cut = -1
    for i, ch in enumerate(element_id):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "." and depth == 0:
            cut = i
    last = element_id[cut + 1 :]
    parent = element_id[:cut] if cut >= 0 else ""
    if ":" in last:
        name, _, slice_name = last.partition(":")
        if "/" in slice_name:
            return parent, f"{parent}.{name}:{slice_name.rsplit('/', 1)[0]}" if parent else None
        return parent, f"{parent}.{name}" if parent else name
    return parent, None


def compile_structure(
    registry: StructureRegistry, sd: dict[str, Any], snapshot: list[dict[str, Any]]
) -> CompiledStructure:
    """Build the element tree of a snapshot."""
    structure = CompiledStructure(
        registry=registry,
        url=str(sd.get("url", "")),
        version=sd.get("version"),
        name=str(sd.get("name", "")),
        type=str(sd.get("type", "")),
        kind=str(sd.get("kind", "")),
        derivation=str(sd.get("derivation", "specialization")),
        abstract=bool(sd.get("abstract", False)),
        base_definition=sd.get("baseDefinition"),
        resource=sd,
    )
    for ed in snapshot:
        elem = make_elem(structure, ed)
        if structure.root is None:
            structure.root = elem
            structure.by_id[elem.id] = elem
            continue
        parent_id, sliced_id = _parent_ids(elem.id)
        structure.by_id[elem.id] = elem
        if sliced_id is not None:
            sliced = structure.by_id.get(sliced_id)
            if sliced is not None:
                sliced.slices.append(elem)
            continue
        parent = structure.by_id.get(parent_id)
        if parent is not None:
            parent.children.setdefault(elem.name, elem)
    return structure
