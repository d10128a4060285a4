"""Generate a deterministic XHTML narrative (text.status = generated) from a resource's own content."""

from __future__ import annotations

from functools import partial
from html import escape as _html_escape
from typing import Any

from fhir_ldn.constants import XHTML_NS

escape = partial(_html_escape, quote=False)  # lxml's canonical text form: quotes stay literal

_SKIP = {"resourceType", "id", "meta", "text", "contained", "language", "implicitRules"}
_NOT_DOMAIN_RESOURCES = {"Binary", "Bundle", "Parameters"}  # resources that have no narrative (no dom-6)
_HEADLINE = ("title", "name", "description")


def _coding(c: dict[str, Any]) -> str:
    label = c.get("display") or c.get("code", "")
    return f"{escape(str(label))} ({escape(str(c.get('system', '')))}#{escape(str(c.get('code', '')))})"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _value(value: Any) -> str:
    """Render any JSON value; a few FHIR datatypes get a compact form."""
    if isinstance(value, dict):
        if "system" in value and "code" in value and set(value) <= {"system", "code", "display", "version"}:
            return _coding(value)
        if "coding" in value or (set(value) == {"text"}):
            parts = [_coding(c) for c in value.get("coding", [])]
            if "text" in value:
                parts.insert(0, escape(value["text"]))
            return "; ".join(parts)
        if "reference" in value and set(value) <= {"reference", "display", "type"}:
            return escape(value.get("display") or value["reference"])
        if "family" in value and set(value) <= {"family", "given", "prefix", "suffix", "use", "text"}:  # HumanName
            return escape(" ".join([*value.get("prefix", []), *value.get("given", []), value["family"]]))
        if "value" in value and "unit" in value and set(value) <= {"value", "unit", "system", "code", "comparator"}:
            return f"{_scalar(value['value'])} {escape(value['unit'])}"
        items = "".join(f"<li>{escape(k)}: {_value(v)}</li>" for k, v in value.items() if v not in ({}, [], None))
        return f"<ul>{items}</ul>" if items else ""
    if isinstance(value, list):
        items = "".join(f"<li>{_value(v)}</li>" for v in value)
        return f"<ul>{items}</ul>" if items else ""
    return _scalar(value)


def _paragraphs(markdown: str) -> str:
    return "".join(f"<p>{escape(p.strip())}</p>" for p in markdown.split("\n\n") if p.strip())


def _heading(resource: dict[str, Any]) -> str:
    label = resource.get("title") or resource.get("name")
    if isinstance(label, list) and label and isinstance(label[0], dict) and "family" in label[0]:  # HumanName
        label = ", ".join(_value(n) for n in label)
    elif isinstance(label, list):  # MedicinalProductDefinition.name
        label = label[0].get("productName") if label else None
    if not isinstance(label, str) and resource["resourceType"] == "ClinicalUseDefinition":
        subjects = ", ".join(s.get("display") or s.get("reference", "") for s in resource.get("subject", []))
        label = f"{resource.get('type', '')} ({subjects})" if subjects else str(resource.get("type", ""))
    if not isinstance(label, str):
        label = f"{resource['resourceType']} {resource.get('id', '')}"
    return f"<p><b>{escape(resource['resourceType'])}: {escape(label)}</b></p>"


def render_div(resource: dict[str, Any]) -> str:
    """The narrative div for a resource: heading, description, then a table of every other element."""
    parts = [_heading(resource)]
    if isinstance(resource.get("description"), str):
        parts.append(_paragraphs(resource["description"]))
    rows = [
        f"<tr><td>{escape(key)}</td><td>{_value(value)}</td></tr>"
        for key, value in resource.items()
        if key not in _SKIP and key not in _HEADLINE
    ]
    if rows:
        parts.append("<table><tr><th>Element</th><th>Value</th></tr>" + "".join(rows) + "</table>")
    return f'<div xmlns="{XHTML_NS}">' + "".join(parts) + "</div>"


def with_narrative(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource with a generated narrative, unless it already has one; its contained resources likewise
    (dom-6: every DomainResource, contained ones too, should have a narrative)."""
    contained = resource.get("contained")
    if isinstance(contained, list) and any(_lacks_narrative(c) for c in contained):
        resource = {**resource, "contained": [with_narrative(c) if _lacks_narrative(c) else c for c in contained]}
    if "text" in resource:
        return resource
    out: dict[str, Any] = {}
    for key, value in resource.items():  # keep FHIR element order: text right after meta/id
        out[key] = value
        if key == ("meta" if "meta" in resource else "id"):
            out["text"] = {"status": "generated", "div": render_div(resource)}
    return out


def _lacks_narrative(resource: Any) -> bool:
    return (
        isinstance(resource, dict)
        and "text" not in resource
        and resource.get("resourceType") not in _NOT_DOMAIN_RESOURCES
    )
