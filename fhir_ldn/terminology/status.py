"""Status notes: the deprecated, withdrawn, retired, draft or experimental resources an answer depends on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir_ldn.constants import EXT_STANDARDS_STATUS, EXT_VS_DEPRECATED
from fhir_ldn.errors import Issue
from fhir_ldn.terminology import messages
from fhir_ldn.terminology.model import extension_value

NOTED_STANDARDS_STATUSES = ("deprecated", "withdrawn")


def status_label(resource: Mapping[str, Any]) -> str | None:
    """Why a resource deserves a note: its standards status (deprecated, withdrawn), a retired status, or for a
    code system, a draft status or being experimental."""
    standards = extension_value(resource, EXT_STANDARDS_STATUS)
    if standards in NOTED_STANDARDS_STATUSES:
        return str(standards)
    if resource.get("status") == "retired":
        return "retired"
    if resource.get("resourceType") != "CodeSystem":
        return None
    if resource.get("status") == "draft":
        return str(resource["status"])
    if resource.get("experimental") is True:
        return "experimental"
    return None


def canonical_of(resource: Mapping[str, Any]) -> str:
    url = str(resource.get("url", ""))
    return f"{url}|{resource['version']}" if resource.get("version") else url


def note(notes: dict[str, tuple[str, str]], resource: Mapping[str, Any]) -> None:
    """Record the resource in `notes` (canonical -> (label, resource type)) when it deserves a note."""
    label = status_label(resource)
    if label is not None and resource.get("url"):
        notes.setdefault(canonical_of(resource), (label, str(resource.get("resourceType"))))


def expansion_parameters(notes: Mapping[str, tuple[str, str]]) -> list[dict[str, Any]]:
    """expansion.parameter warning-<label> = canonical, one per noted resource."""
    return [{"name": f"warning-{label}", "valueUri": canonical} for canonical, (label, _) in notes.items()]


def issues(notes: Mapping[str, tuple[str, str]]) -> list[Issue]:
    """One information issue per noted resource, as $validate-code reports them."""
    out = []
    for canonical, (label, rtype) in notes.items():
        text = f"Reference to {label} {rtype} {canonical}"
        out.append(messages.issue("information", "business-rule", "status-check", f"MSG_{label.upper()}", text))
    return out


def deprecated_in_value_set(vs_concept: Mapping[str, Any] | None) -> bool:
    """Whether the value set marks a concept it lists as deprecated."""
    if vs_concept is None:
        return False
    flag = extension_value(vs_concept, EXT_VS_DEPRECATED)
    return flag in (True, "true") or extension_value(vs_concept, EXT_STANDARDS_STATUS) == "deprecated"
