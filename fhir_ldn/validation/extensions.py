"""Extensions: find the definition an extension is validated against; unknown extensions are errors unless their
url is in an allowed domain (example domains always are, as in the HL7 validator); a defined extension must be
used where its `context` allows."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from fhir_ldn.validation.issues import Pointer
from fhir_ldn.validation.model import Elem

if TYPE_CHECKING:
    from fhir_ldn.validation.structure import Walker

_OWN_PATH = re.compile(r"\.(?:modifierE|e)xtension\[\d+\]$")
_INDEX = re.compile(r"\[\d+\]")
_NESTED = re.compile(r"[Ee]xtension\[\d+\]\.(?:modifierE|e)xtension\[\d+\]$")
_ALWAYS_ALLOWED = ("example.org", "acme.com", "nema.org", "example.com")
_ALLOWED_PREFIXES = ("http://hl7.org/fhir/tools/StructureDefinition/",)


def allowed_unknown(walker: Walker, url: str) -> bool:
    options = walker.session.options
    if options.any_extension_allowed:
        return True
    if any(domain in url for domain in _ALWAYS_ALLOWED) or url.startswith(_ALLOWED_PREFIXES):
        return True
    return any(url.startswith(domain) for domain in options.allowed_extension_domains)


def definition(walker: Walker, obj: dict[str, Any], profiles: list[str], path: str, pointer: Pointer) -> Elem | None:
    """The root element of the extension's definition (the profile on the element, else the one named by url)."""
    url = obj.get("url")
    if not isinstance(url, str):
        return None
    candidates = [p for p in profiles if p.split("|")[0] == url] or profiles
    for profile in candidates:
        structure = walker.registry.compiled(profile)
        if structure is not None and structure.root is not None:
            return structure.root
    if ":" not in url:
        if not _NESTED.search(path):  # sub-extensions of a complex extension have relative urls
            text = "Extension.url must be an absolute URL"
            walker.add("error", "structure", path, pointer, text, "Extension_EXT_URL_Absolute")
        return None
    structure = walker.registry.compiled(url)
    if structure is not None and structure.root is not None and structure.type == "Extension":
        check_context(walker, structure.resource, url, path, pointer)
        return structure.root
    if allowed_unknown(walker, url):
        walker.add("information", "structure", path, pointer, f"Unknown extension {url}", "Extension_EXT_Unknown")
    else:
        text = f"The extension {url} is unknown, and not allowed here"
        walker.add("error", "structure", path, pointer, text, "Extension_EXT_Unknown_NotHere")
    return None


def _container(walker: Walker, path: str) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    """(element path, type codes, the path it inherits: `DomainResource.text`) of the element an extension at
    `path` sits on; None when it cannot be told."""
    owner = _OWN_PATH.sub("", path)
    if "*/" in owner:  # a resource inside another: List.contained[0]/*Basic/i1*/.code
        marker = owner[: owner.rindex("*/")]
        rtype = marker[marker.rindex("/*") + 2 :].split("/", 1)[0]
        rest = owner[owner.rindex("*/") + 2 :].lstrip(".")
    else:
        rtype, _, rest = owner.partition(".")
    structure = walker.registry.compiled_type(rtype)
    if structure is None or structure.root is None:
        return None
    elem: Elem = structure.root
    types: tuple[str, ...] = (rtype,)
    for segment in _INDEX.sub("", rest).split(".") if rest else []:
        if segment.startswith("ofType("):
            types = (segment[len("ofType(") : -1],)
            continue
        child = elem.child_map().get(segment)
        if child is None:
            return None
        elem, types = child, child.type_codes
    if elem is structure.root:
        return rtype, types, ()
    base = elem.raw.get("base")
    inherited = (str(base["path"]),) if isinstance(base, dict) and isinstance(base.get("path"), str) else ()
    if elem.content_reference is not None:  # OperationDefinition.parameter.part is a parameter too
        inherited = (*inherited, elem.content_reference.rsplit("#", 1)[-1])
    return elem.path, types, inherited


def _plain_path(expression: str) -> str:
    """`Patient.address.where(use = 'home')` -> `Patient.address` (the element path a FHIRPath context selects)."""
    parts, depth, current = [], 0, ""
    for ch in expression:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "." and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return ".".join(p for p in parts if "(" not in p).strip()


def check_context(walker: Walker, sd: dict[str, Any], url: str, path: str, pointer: Pointer) -> None:
    """An extension used on an element its definition's `context` does not name is an error (at that element)."""
    # every loaded definition of the extension counts (the core's and the extensions package's may differ)
    versions = [sd, *(core.resource(url) for core in walker.registry.source.cores)]
    contexts = [c for d in versions if isinstance(d, dict) for c in d.get("context", []) if isinstance(c, dict)]
    if not contexts:
        return
    for c in contexts:  # a context naming a type this FHIR version lacks (R5's CanonicalResource in R4) is not judged
        if (
            c.get("type") == "element"
            and walker.registry.source.type_structure(str(c.get("expression", "")).split(".")[0]) is None
        ):
            return
    found = _container(walker, path)
    if found is None:
        return
    element_path, types, inherited = found
    names = {element_path, *inherited, "Element"} | {a for t in types for a in walker.registry.ancestors(t)}
    for c in contexts:
        expression = str(c.get("expression", ""))
        if c.get("type") == "element" and (expression in names or expression.removesuffix("[x]") in names):
            return
        if c.get("type") == "extension" and "Extension" in types:
            return
        if c.get("type") == "fhirpath" and _plain_path(expression) in names:
            return  # the path it selects from (its filters are not evaluated here: accepted)
    kinds = {"element": "e", "extension": "x", "fhirpath": "p"}
    allowed = ", ".join(f"{kinds.get(str(c.get('type')), '?')}:{c.get('expression')}" for c in contexts)
    text = (
        f"The extension {url} is not allowed to be used at this point (this element is "
        f"[{', '.join(sorted({element_path, *types}))}]; allowed for this version = {allowed})"
    )
    owner = _OWN_PATH.sub("", path)
    walker.add("error", "structure", owner, pointer[:-2], text, "EXTENSION_EXTP_CONTEXT_WRONG_VERSION")
