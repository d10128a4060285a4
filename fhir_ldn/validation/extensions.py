"""Extensions: find the definition an extension is validated against; unknown extensions are errors unless their
url is in an allowed domain (example domains always are, as in the HL7 validator)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from fhir_ldn.validation.issues import Pointer
from fhir_ldn.validation.model import Elem

if TYPE_CHECKING:
    from fhir_ldn.validation.structure import Walker

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
        return structure.root
    if allowed_unknown(walker, url):
        walker.add("information", "structure", path, pointer, f"Unknown extension {url}", "Extension_EXT_Unknown")
    else:
        text = f"The extension {url} is unknown, and not allowed here"
        walker.add("error", "structure", path, pointer, text, "Extension_EXT_Unknown_NotHere")
    return None
