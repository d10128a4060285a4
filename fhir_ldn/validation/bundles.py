"""Bundle links (each relation once) and entries' fullUrls: absolute, present (except in transactions and
batches), and agreeing with the resource's type and id when they look like RESTful URLs (the HL7 validator's
BundleValidator rules).

The HL7 validator reports these at the Bundle's first entry (`Bundle.entry[0]`), whichever entry it is about.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from fhir_ldn.validation.issues import Pointer

if TYPE_CHECKING:
    from fhir_ldn.validation.structure import Walker

_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_RESTFUL = re.compile(r"^(?:https?://.*/)?([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[A-Za-z0-9\-.]{1,64})?$")
_NO_FULL_URL_NEEDED = frozenset({"transaction", "batch", "transaction-response", "batch-response", "history"})


def check_full_urls(walker: Walker, bundle: dict[str, Any], path: str, pointer: Pointer) -> None:
    entries = bundle.get("entry")
    if not isinstance(entries, list) or not entries:
        return
    where, at = f"{path}.entry[0]", (*pointer, "entry", 0)
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        resource = entry.get("resource")
        full_url = entry.get("fullUrl")
        if full_url is None:
            if isinstance(resource, dict) and bundle.get("type") not in _NO_FULL_URL_NEEDED:
                text = (
                    "Except for transactions and batches, each entry in a Bundle must have a fullUrl which is the "
                    "identity of the resource in the entry"
                )
                walker.add("error", "invalid", where, at, text, "BUNDLE_BUNDLE_ENTRY_NOFULLURL")
            continue
        if not isinstance(full_url, str) or not full_url:
            continue  # an empty value is reported as such
        if not _ABSOLUTE.match(full_url):
            text = f"The fullUrl must be an absolute URL (not '{full_url}')"
            walker.add("error", "invalid", where, at, text, "BUNDLE_BUNDLE_ENTRY_FULLURL_ABSOLUTE")
            continue
        restful = _RESTFUL.match(full_url)
        if restful is None or not isinstance(resource, dict) or not walker.registry.is_resource_type(restful.group(1)):
            continue
        rtype, rid = resource.get("resourceType"), resource.get("id")
        if isinstance(rtype, str) and isinstance(rid, str) and (restful.group(1), restful.group(2)) != (rtype, rid):
            text = (
                f"The fullUrl '{full_url}' looks like a RESTful server URL, so it must end with the correct type "
                f"and id (/{rtype}/{rid})"
            )
            walker.add("error", "invalid", where, at, text, "BUNDLE_BUNDLE_ENTRY_FULLURL_REQUIRED")


def check_links(walker: Walker, bundle: dict[str, Any], path: str, pointer: Pointer) -> None:
    """Each link relation may occur only once in a Bundle (as the HL7 validator's BundleValidator checks)."""
    links = bundle.get("link")
    if not isinstance(links, list):
        return
    seen: set[str] = set()
    for i, link in enumerate(links):
        relation = link.get("relation") if isinstance(link, dict) else None
        if not isinstance(relation, str):
            continue
        if relation in seen:
            text = f"The link relationship type '{relation}' can only occur once"
            walker.add("error", "invalid", f"{path}.link[{i}]", (*pointer, "link", i), text, "BUNDLE_LINK_UNIQUE")
        seen.add(relation)
