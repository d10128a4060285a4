"""Where an extension may be used: its definition's `context` (element, extension, fhirpath) and `contextInvariant`.

An element context names a path or type the host (the element the extension is on) must have: the host's own
path (`Patient.name`), the base path it was defined at (`Resource.meta`), the path it refers to (a content reference),
the path with the resource type replaced by one it specialises (`DomainResource.text`), or its type and the types
that type specialises (`HumanName`, `BackboneElement`; `Patient`, `DomainResource`, `Resource` for a resource, and
`CanonicalResource` for one with a url, version and status; `Element` and `Base` allow any host). An extension
context names the url of the extension the host must be; a fhirpath context is an expression, evaluated on the
resource, whose result must contain the host. Each contextInvariant, evaluated on the host, must be true. As in
the HL7 validator, a failure is an error on the host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fhir_ldn.fhirpath.compiler import compile_expression
from fhir_ldn.fhirpath.nodes import FNode
from fhir_ldn.fhirpath.operators import FhirPathEvaluationError
from fhir_ldn.fhirpath.parser import FhirPathParseError
from fhir_ldn.validation.issues import Pointer
from fhir_ldn.validation.model import CompiledStructure, Elem

if TYPE_CHECKING:
    from fhir_ldn.validation.structure import ResourceContext, Walker

_INDEX = re.compile(r"\[\d+\]|\.ofType\([^)]*\)")
_PREFIX = {"element": "e", "extension": "x", "fhirpath": "p"}


@dataclass(frozen=True)
class Host:
    """The element an extension is on."""

    value: Any  # its JSON object (for a primitive: the `_x` object that holds the extension)
    ext: Any  # a primitive's `_x` object (None for a complex element)
    elem: Elem
    type_code: str
    path: str  # the instance path (issues are reported here)
    pointer: Pointer
    is_resource: bool
    rc: ResourceContext


def _instance_element_path(path: str) -> str:
    """`Patient.name[0].family` -> `Patient.name.family`; a contained or entry resource starts at its type."""
    start = path.rfind("/*")
    if start >= 0:
        end = path.find("*/", start)
        rtype = path[start + 2 : end].split("/", 1)[0]
        path = rtype + path[end + 2 :]
    return _INDEX.sub("", path)


def host_names(walker: Walker, host: Host) -> list[str]:
    """The paths and types an element context may name to allow the host."""
    registry = walker.registry
    if host.is_resource:
        names = list(registry.ancestors(host.type_code))
        root = registry.type_root(host.type_code)
        if root is not None and {"url", "version", "status"} <= set(root.child_map()):
            names.extend(("CanonicalResource", "MetadataResource"))  # interfaces, not ancestors, in R5
        return names
    names = [host.elem.path, _instance_element_path(host.path)]
    if host.elem.content_reference:  # OperationDefinition.parameter.part is a parameter
        names.append(host.elem.content_reference.rpartition("#")[2])
    base = host.elem.raw.get("base")
    if isinstance(base, dict) and isinstance(base.get("path"), str):
        names.append(base["path"])
    rtype = host.rc.resource.get("resourceType") if isinstance(host.rc.resource, dict) else None
    for name in list(names):
        head, dot, rest = name.partition(".")
        if dot and isinstance(rtype, str) and head == rtype:
            names.extend(f"{a}.{rest}" for a in registry.ancestors(rtype)[1:])
    names.extend(registry.ancestors(host.type_code))
    return names


def _fhirpath_matches(walker: Walker, host: Host, expression: str) -> bool:
    try:
        compiled = compile_expression(expression)
        ctx = walker.session.fhirpath_context(walker, host.rc, host.rc.node)
        found = compiled.evaluate_in(ctx, host.rc.node)
    except (FhirPathParseError, FhirPathEvaluationError, ArithmeticError, ValueError, TypeError, RecursionError):
        return True  # an expression that cannot be evaluated does not make the use wrong
    target = host.ext if host.ext is not None else host.value
    return any(isinstance(item, FNode) and (item.v is target or item.x is target) for item in found)


def _allowed(walker: Walker, host: Host, contexts: list[dict[str, Any]]) -> bool:
    names: list[str] | None = None
    for context in contexts:
        kind, expression = context.get("type"), context.get("expression")
        if not isinstance(expression, str):
            return True
        if kind == "element":
            if "#" in expression or expression in ("Element", "Base"):
                return True  # a path in another profile: not checked; Element and Base: anywhere (HL7 validator)
            if names is None:
                names = host_names(walker, host)
            if expression in names:
                return True
        elif kind == "extension":
            url = host.value.get("url") if host.type_code == "Extension" and isinstance(host.value, dict) else None
            if isinstance(url, str) and url.split("|")[0] == expression.split("|")[0]:
                return True
        elif kind == "fhirpath":
            if _fhirpath_matches(walker, host, expression):
                return True
        else:
            return True  # a context type this validator does not know
    return False


# Contexts the HL7 validator corrects (FHIR-13328): the type extensions are used on ElementDefinition.type, whatever
# their definitions say (fhir-type's first context is replaced; regex is allowed there too).
_FHIR_TYPE = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
_REGEX = "http://hl7.org/fhir/StructureDefinition/regex"
_ON_TYPE = {"type": "element", "expression": "ElementDefinition.type"}


def _contexts(url: str, sd: dict[str, Any]) -> list[dict[str, Any]]:
    contexts = [c for c in sd.get("context") or [] if isinstance(c, dict)]
    if url == _FHIR_TYPE and contexts:
        contexts[0] = _ON_TYPE
    elif url == _REGEX:
        contexts.append(_ON_TYPE)
    return contexts


def check(walker: Walker, structure: CompiledStructure, host: Host | None) -> None:
    """Report an extension used where its definition does not allow it."""
    if host is None:
        return
    sd = structure.resource
    cores = walker.registry.source.cores
    if cores and cores[0].resource(structure.url) is sd:
        return  # the core package's own extension definitions (R4's own examples do not keep their contexts)
    url = structure.url
    shown = f"{url} v{structure.version}" if structure.version else url
    contexts = _contexts(url, sd)
    if contexts and not _allowed(walker, host, contexts):
        listed = ", ".join(f"{_PREFIX.get(str(c.get('type')), '?')}:{c.get('expression')}" for c in contexts)
        here = ", ".join(dict.fromkeys([host.type_code, _instance_element_path(host.path)]))
        text = (
            f"The extension {shown} is not allowed to be used at this point (this element is [{here}]; allowed for "
            f"this version = {listed})"
        )
        walker.add("error", "structure", host.path, host.pointer, text, "EXTENSION_CONTEXT_WRONG_VERSION")
        return
    for invariant in sd.get("contextInvariant") or []:
        if isinstance(invariant, str) and not _invariant_holds(walker, host, invariant):
            text = (
                f"The extension {shown} is not allowed to be used at this point (based on context invariant "
                f"'{invariant}')"
            )
            walker.add("error", "structure", host.path, host.pointer, text, "Extension_EXTM_Context_Invariant")


def _invariant_holds(walker: Walker, host: Host, expression: str) -> bool:
    focus = host.rc.node if host.is_resource else FNode(host.value, host.ext, host.type_code, host.elem)
    try:
        compiled = compile_expression(expression)
        ctx = walker.session.fhirpath_context(walker, host.rc, focus)
        result = compiled.evaluate_in(ctx, focus)
    except (FhirPathParseError, FhirPathEvaluationError, ArithmeticError, ValueError, TypeError, RecursionError):
        return True
    return not (len(result) == 1 and result[0] is False)
