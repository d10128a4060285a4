"""The instance walker: JSON shape, unknown elements, choice types, and the dispatch to every other check.

`Walker.validate_resource` walks a resource against one or more compiled structures (the base definition or
the profiles that apply); each element is checked against its definition and its children recursively.
Expressions in issues are FHIRPath with indices (`Patient.identifier[0].system`, `value.ofType(string)`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fhir_ldn.fhirpath.nodes import FNode
from fhir_ldn.validation import (
    cardinality,
    extension_context,
    extensions,
    fixed,
    limits,
    primitives,
    resources,
    shape,
    slicing,
    xhtml,
)
from fhir_ldn.validation.invariants import Prepared, ele1_holds, prepare
from fhir_ldn.validation.issues import Pointer, ValidationIssue, describe_json, unrecognized
from fhir_ldn.validation.jsonsource import lexical
from fhir_ldn.validation.lenient_json import Note
from fhir_ldn.validation.model import CompiledStructure, Constraint, Elem
from fhir_ldn.work_budget import check_budget

if TYPE_CHECKING:
    from fhir_ldn.validation.session import Session

ELE_1_TEXT = "Constraint failed: ele-1: 'All FHIR elements must have a @value or children' (defined in http://hl7.org/fhir/StructureDefinition/Element)"
_CODED = frozenset({"code", "Coding", "CodeableConcept", "Quantity", "CodeableReference", "string", "uri"})


@dataclass
class ResourceContext:
    """The resource being walked (for %resource) and the outermost one (for %rootResource)."""

    node: FNode
    root: FNode
    resource: dict[str, Any]
    path: str
    parent: ResourceContext | None = None


def _is_resource_id(elem: Elem) -> bool:
    return elem.path == f"{elem.structure.type}.id" and elem.structure.kind == "resource"


class Walker:
    """Walks instances and records issues (deduplicated by severity, code, expression and text)."""

    def __init__(
        self,
        session: Session,
        duplicates: dict[int, list[str]] | None = None,
        *,
        xml: bool = False,
        notes: dict[int, list[Note]] | None = None,
    ):
        self.session = session
        self.notes = notes or {}  # problems the lenient JSON reading found, by id of the object (lenient_json)
        self.xml = xml  # XML input: the reader already reported lexical and empty-element problems
        self.registry = session.registry
        self.duplicates = duplicates or {}
        self.issues: list[ValidationIssue] = []
        self._seen: set[tuple[str, str, str, str]] = set()
        self.bundle_resources: dict[str, dict[str, Any]] = {}
        self.conformance: dict[tuple[int, str], bool] = {}
        self.in_bundle = False  # set while the entries of a Bundle are walked
        self.long_narratives: dict[str, xhtml.XhtmlReport] = {}  # see xhtml.inspect
        self.host: extension_context.Host | None = None  # the element whose extensions are being walked

    # -- issues ---------------------------------------------------------------------------------------
    def add(
        self,
        severity: str,
        code: str,
        expression: str,
        pointer: Pointer,
        text: str,
        message_id: str | None = None,
    ) -> None:
        key = (severity, code, expression, text)
        if key in self._seen:
            return
        self._seen.add(key)
        self.issues.append(ValidationIssue(severity, code, text, expression, pointer, message_id))

    # -- resources ------------------------------------------------------------------------------------
    def validate_resource(
        self,
        resource: Any,
        path: str,
        pointer: Pointer,
        parent: ResourceContext | None = None,
        profiles: Iterable[str] = (),
    ) -> None:
        resources.validate_resource(self, resource, path, pointer, parent, list(profiles))

    def walk_structures(
        self, resource: dict[str, Any], structures: list[CompiledStructure], rc: ResourceContext, pointer: Pointer
    ) -> None:
        rtype = str(resource["resourceType"])
        for structure in structures:
            if structure.root is None:
                continue
            self.element(resource, None, structure.root, rtype, rc.path, pointer, rc)

    # -- elements -------------------------------------------------------------------------------------
    def element(
        self, value: Any, ext: Any, elem: Elem, tcode: str, path: str, pointer: Pointer, rc: ResourceContext
    ) -> None:
        check_budget()  # an abandoned validation (server.offload) stops here
        if tcode.startswith("System.") or self.registry.is_primitive(tcode):
            self.primitive(value, ext, elem, tcode, path, pointer, rc)
        else:
            self.complex(value, elem, tcode, path, pointer, rc)

    def is_resource_slot(self, tcode: str) -> bool:
        """Whether an element of this type holds a whole resource (contained, Bundle.entry.resource...)."""
        return tcode in ("Resource", "DomainResource") or self.registry.is_resource_type(tcode)

    def definition(
        self, elem: Elem, tcode: str, obj: dict[str, Any], path: str, pointer: Pointer
    ) -> tuple[Elem | None, list[Elem]]:
        """The definition of the value's children, plus type roots whose constraints also apply."""
        roots: list[Elem] = []
        if elem.children:
            if tcode not in ("BackboneElement", "Element") and elem.structure.root is not elem:
                root = self.registry.type_root(tcode)
                if root is not None:
                    roots.append(root)
            return elem, roots
        target = elem.content_target()
        if target is not None:
            return target, roots
        type_root = self.registry.type_root(tcode)
        profiles = [p for t in elem.types if t.code == tcode for p in t.profiles]
        if tcode == "Extension":
            defn = extensions.definition(self, obj, profiles, path, pointer)
            if defn is not None:
                if defn.structure.type == "Extension":
                    extension_context.check(self, defn.structure, self.host)
                if type_root is not None and defn is not type_root:
                    roots.append(type_root)
                return defn, roots
            return type_root, roots
        for profile in profiles:
            structure = self.registry.compiled(profile)
            if structure is not None and structure.root is not None:
                if type_root is not None:
                    roots.append(type_root)
                return structure.root, roots
        return type_root, roots

    def complex(self, obj: Any, elem: Elem, tcode: str, path: str, pointer: Pointer, rc: ResourceContext) -> None:
        if not isinstance(obj, dict):
            return
        if elem.structure.root is not elem and self.is_resource_slot(tcode):
            self.validate_resource(obj, path, pointer, rc, [p for t in elem.types for p in t.profiles])
            return
        defn, roots = self.definition(elem, tcode, obj, path, pointer)
        if defn is None:
            return
        is_resource = elem.structure.root is elem
        if "extension" in obj or "modifierExtension" in obj:
            outer = self.host
            self.host = extension_context.Host(obj, None, elem, tcode, path, pointer, is_resource, rc)
            present = self.children(obj, defn, path, pointer, rc, is_resource=is_resource)
            self.host = outer
        else:
            present = self.children(obj, defn, path, pointer, rc, is_resource=is_resource)
        key = (elem, defn, *roots)
        constraints = self.session.merged_constraints.get(key)
        if constraints is None:
            constraints = self.session.merged_constraints[key] = _merge_constraints(elem, defn, roots)
        if constraints:
            focus = FNode(obj, None, tcode, defn)
            self.check_constraints(constraints, focus, path, pointer, rc, present, elem.structure.url)
        if elem.fixed is not None or elem.pattern is not None:
            fixed.check(self, obj, None, elem, path, pointer)
        if elem.min_value is not None or elem.max_value is not None:
            limits.check_quantity(self, obj, elem, path, pointer)
        if tcode == "Coding":
            self.session.bindings.check_coding(self, obj, path, pointer)
        elif tcode == "Reference":
            resources.check_local_reference(self, obj, path, pointer, rc)
            if self.in_bundle:
                resources.check_bundle_reference(self, obj, path, pointer)
        if elem.binding is not None and tcode in _CODED:
            self.session.bindings.check(self, obj, elem, tcode, path, pointer, rc.resource)

    def primitive(
        self, value: Any, ext: Any, elem: Elem, tcode: str, path: str, pointer: Pointer, rc: ResourceContext
    ) -> None:
        fhir_type = tcode[7:].lower() if tcode.startswith("System.") else tcode
        if fhir_type == "string" and elem.name == "id" and _is_resource_id(elem):
            fhir_type = "id"  # R4 types Resource.id as a System.String; it is an id all the same
        if value is not None:
            if not shape.json_type_ok(self, value, fhir_type, path, pointer):
                return
            text = lexical(value)
            if fhir_type == "xhtml":
                xhtml.check(self, text, path, pointer)
            else:
                regex = self.session.primitive_regex(fhir_type)
                for severity, code, message_id, message in primitives.check_primitive(fhir_type, text, regex):
                    if message_id == "Type_Specific_Checks_DT_ID_Valid":
                        if elem.path == "ElementDefinition.id":
                            continue  # ids of element definitions are not FHIR ids (as in the HL7 validator)
                        if elem.path == f"{elem.structure.type}.id" and elem.structure.kind == "resource":
                            message = (
                                f"Invalid Resource id: Too long ({len(text)} chars)"
                                if len(text) > 64
                                else f"Invalid Resource id: Invalid Characters ('{text}')"
                            )
                            message_id = "Resource_RES_ID_Malformed"
                    self.add(severity, code, path, pointer, message, message_id)
                if len(text) > primitives.MAX_STRING_LENGTH // 4 and fhir_type != "base64Binary":
                    for severity, code, message_id, message in primitives.check_megabyte(text):
                        self.add(severity, code, path, pointer, message, message_id)
                for severity, code, message_id, message in primitives.check_length(
                    text, elem.max_length, elem.min_length
                ):
                    self.add(severity, code, path, pointer, message, message_id)
                element_regex = elem.raw.get("_regex")
                if isinstance(element_regex, str):
                    for severity, code, message_id, message in primitives.check_primitive("string", text, None):
                        self.add(severity, code, path, pointer, message, message_id)
        present: set[str] | None = None
        if ext is not None:
            if not isinstance(ext, dict):
                self.add(
                    "error",
                    "invalid",
                    path,
                    pointer,
                    f"The property _{elem.name} must be an Object, not {describe_json(ext)} (at {path})",
                    "THIS_PROPERTY_MUST_BE_AN_OBJECT_NOT_",
                )
            else:
                if _is_resource_id(elem):
                    for extension in ext.get("extension") or []:
                        url = extension.get("url") if isinstance(extension, dict) else None
                        text = f"Extensions are not allowed on Resource.id ('{url}')"
                        self.add("error", "business-rule", path, pointer, text, "RESOURCE_ID_NO_EXTENSIONS")
                root = self.registry.type_root(tcode) if not tcode.startswith("System.") else None
                if root is not None:
                    outer = self.host
                    self.host = extension_context.Host(value, ext, elem, fhir_type, path, pointer, False, rc)
                    present = self.children(ext, root, path, pointer, rc, primitive_ext=True)
                    self.host = outer
        if not ele1_holds(value, ext):
            self.add(
                "error", "invariant", path, pointer, ELE_1_TEXT, "http://hl7.org/fhir/StructureDefinition/Element#ele-1"
            )
        constraints = elem.value_constraints
        if constraints is None:
            constraints = elem.value_constraints = prepare(c for c in elem.constraints if c.key != "ele-1")
        if constraints:
            focus = FNode(value, ext, fhir_type, None)
            self.check_constraints(constraints, focus, path, pointer, rc, None, elem.structure.url)
        if value is not None and (elem.fixed is not None or elem.pattern is not None):
            fixed.check(self, value, ext, elem, path, pointer)
        if value is not None and (elem.min_value is not None or elem.max_value is not None):
            limits.check_primitive(self, value, fhir_type, elem, path, pointer)
        if value is not None and elem.binding is not None and fhir_type in _CODED:
            self.session.bindings.check(self, value, elem, fhir_type, path, pointer, rc.resource)
        del present

    def children(
        self,
        obj: dict[str, Any],
        defn: Elem,
        path: str,
        pointer: Pointer,
        rc: ResourceContext,
        *,
        is_resource: bool = False,
        primitive_ext: bool = False,
    ) -> set[str]:
        """Check every property of `obj` against `defn`'s children; returns the names of the elements present."""
        index = shape.json_names(defn)
        if self.notes:
            self._lenient_notes(obj, index, path, pointer)
        dupes = self.duplicates.get(id(obj))
        if dupes:
            for name in dupes:
                text = f"The JSON property '{name}' is a duplicate and will be ignored"
                self.add("error", "invalid", path, pointer, text, "DUPLICATE_JSON_PROPERTY")
        if not obj and not primitive_ext and not self.xml:
            self.add(
                "error", "invalid", path, pointer, "Object must have some content", "OBJECT_MUST_HAVE_SOME_CONTENT"
            )
        groups: dict[str, list[shape.Item]] = {}
        for key, value in obj.items():
            if key == "resourceType" and is_resource:
                continue
            if not isinstance(key, str):  # only possible for dicts built in Python, never for parsed JSON
                self.add("error", "structure", path, pointer, unrecognized(str(key)), "UNRECOGNISED_PROPERTY_")
                continue
            if key.startswith("_"):
                bare = key[1:]
                if bare in obj:
                    continue
                found = index.get(bare)
                if found is None or (primitive_ext and found[0].name == "value"):
                    self.add("error", "structure", path, pointer, unrecognized(key), "UNRECOGNISED_PROPERTY_")
                    continue
                main, ext, json_key = None, value, bare
            else:
                found = index.get(key)
                if found is None or (primitive_ext and found[0].name == "value"):
                    self.add("error", "structure", path, pointer, unrecognized(key), "UNRECOGNISED_PROPERTY_")
                    continue
                main, ext, json_key = value, obj.get("_" + key), key
            child, tcode, primitive = found
            if value is None and not child.is_array:  # "gender": null
                shape.null_value(self, key, primitive, f"{path}.{child.name}", (*pointer, key), path)
                if ext is None or key.startswith("_"):
                    continue
            if main is None and not primitive:
                self.add("error", "structure", path, pointer, unrecognized(key), "UNRECOGNISED_PROPERTY_")
                continue
            items = shape.items(self, child, tcode, primitive, json_key, main, ext, path, pointer)
            group = groups.get(child.name)
            if group is None:
                groups[child.name] = items
            else:
                group.extend(items)
        child_map = defn.child_map()
        for name in _checked_children(defn, groups):
            child = child_map[name]
            items = groups.get(name) or []
            if child.slicing is not None or child.slices:
                assignments = slicing.assign(self, child, items, path, pointer, rc)
            else:
                assignments = [(item, child) for item in items]
            cardinality.check(self, child, len(items), path, pointer)
            for item, target in assignments:
                if item.primitive:
                    self.primitive(item.value, item.ext, target, item.type, item.path, item.pointer, rc)
                else:
                    self.complex(item.value, target, item.type, item.path, item.pointer, rc)
        return set(groups)

    def _lenient_notes(
        self, obj: dict[str, Any], index: dict[str, tuple[Elem, str, bool]], path: str, pointer: Pointer
    ) -> None:
        for key, text, message_id in self.notes.pop(id(obj), ()):
            found = index.get(key) if key is not None else None
            if key is None:
                where = path
            elif found is not None and found[0].is_choice:
                where = f"{path}.{found[0].name}.ofType({found[1]})"
            else:
                where = f"{path}.{found[0].name if found is not None else key}"
            self.add("error", "invalid", where, pointer, text, message_id)

    def check_constraints(
        self,
        constraints: Iterable[Prepared],
        focus: FNode,
        path: str,
        pointer: Pointer,
        rc: ResourceContext,
        present: set[str] | None,
        profile: str,
    ) -> None:
        session = self.session
        ctx = None
        for prepared in constraints:
            c = prepared[0]
            if c.key == "dom-3":
                continue  # checked natively for every contained resource (resources.check_contained_used)
            if c.key == "ele-1":
                if isinstance(focus.v, dict) and not ele1_holds(focus.v, None) and focus.v:
                    self.add(
                        "error",
                        "invariant",
                        path,
                        pointer,
                        ELE_1_TEXT,
                        "http://hl7.org/fhir/StructureDefinition/Element#ele-1",
                    )
                continue
            if c.best_practice and not session.options.best_practice:
                continue
            result = session.invariants.known(prepared, focus, present)
            if result is None:
                if ctx is None:
                    ctx = session.fhirpath_context(self, rc, focus, profile)
                result = session.invariants.evaluate(c, ctx, focus, present)
            if result is True:
                continue
            severity = "error" if c.severity == "error" else "warning"
            defined_in = c.source or profile
            if result is False:
                from fhir_ldn.validation.issues import constraint_failed

                text = constraint_failed(c.key, c.human, c.source)
                self.add(severity, "invariant", path, pointer, text, f"{defined_in}#{c.key}")
            else:
                text = f"Problem evaluating constraint {c.key} ('{c.expression}'): {result}"
                self.add("warning", "processing", path, pointer, text, "PROBLEM_EVALUATING_CONSTRAINT")


def focus_structure_url(focus: FNode) -> str:
    d = focus.d
    return d.structure.url if isinstance(d, Elem) else ""


def _checked_children(defn: Elem, groups: dict[str, list[shape.Item]]) -> list[str]:
    """The children present and those required, in definition order (only these need checking)."""
    required = _required_children(defn)
    names = list(groups)
    names.extend(name for name in required if name not in groups)
    if len(names) > 1:
        order = defn.child_order
        if order is None:
            order = defn.child_order = {name: i for i, name in enumerate(defn.child_map())}
        names.sort(key=order.__getitem__)
    return names


def _required_children(defn: Elem) -> frozenset[str]:
    """Names of the children that must be checked even when absent (a minimum, or required slices)."""
    if defn.required_children is None:
        defn.required_children = frozenset(
            name for name, child in defn.child_map().items() if child.min > 0 or any(s.min > 0 for s in child.slices)
        )
    return defn.required_children


def _merge_constraints(elem: Elem, defn: Elem, roots: list[Elem]) -> tuple[Prepared, ...]:
    out: list[Constraint] = list(elem.constraints)
    keys = {c.key for c in out}
    for source in [defn, *roots]:
        if source is elem:
            continue
        for c in source.constraints:
            if c.key not in keys:
                keys.add(c.key)
                out.append(c)
    return prepare(out)
