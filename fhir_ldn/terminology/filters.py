"""ValueSet.compose.include.filter: which codes of one code system a filter selects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir_ldn.linear_regex import LinearRegex, RegexRefusedError, compile_regex
from fhir_ldn.terminology import messages
from fhir_ldn.terminology.model import CodeSystemIndex, Concept
from fhir_ldn.work_budget import budgeted

HIERARCHY_OPS = frozenset({"is-a", "descendent-of", "generalizes"})
KNOWN_OPS = frozenset(
    {"=", "is-a", "descendent-of", "is-not-a", "regex", "in", "not-in", "generalizes", "child-of", "exists"}
)
CODE_PROPERTIES = frozenset({"concept", "code"})
MAX_REGEX = 500


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _property_texts(cs: CodeSystemIndex, concept: Concept, prop: str) -> list[str]:
    """The values of a property of a concept, as text (the special properties included)."""
    if prop == "display":
        return [concept.display] if concept.display else []
    if prop == "definition":
        return [concept.definition] if concept.definition else []
    values = [_text(v if not isinstance(v, dict) else v.get("code", "")) for _, v in concept.property_values(prop)]
    if not values:
        if prop == "inactive":
            values = [_text(concept.inactive)]
        elif prop == "status" and concept.status:
            values = [concept.status]
        elif prop == "notSelectable" and concept.abstract:
            values = ["true"]
        elif prop == "parent":
            values = list(concept.parents)
        elif prop == "child":
            values = list(concept.children)
    return values


def _compile(pattern: str, expression: str) -> LinearRegex:
    """The filter's pattern, run by RE2 in linear time (fhir_ldn.linear_regex); refused patterns are bad filters."""
    if len(pattern) > MAX_REGEX:
        raise messages.bad_filter(f"The regex filter is longer than {MAX_REGEX} characters", expression)
    try:
        return compile_regex(pattern)
    except RegexRefusedError as exc:
        raise messages.bad_filter(f"The regex filter '{pattern}' is not valid: {exc}", expression) from None


def _check_property(cs: CodeSystemIndex, prop: str, expression: str) -> None:
    if prop in CODE_PROPERTIES or prop in cs.property_defs:
        return
    if prop in ("display", "definition", "inactive", "status", "notSelectable", "parent", "child"):
        return
    if any(p.get("code") == prop for c in cs for p in c.properties):
        return
    raise messages.bad_filter(f"The property '{prop}' is not known for the code system {cs.url}", expression)


def _hierarchy(cs: CodeSystemIndex, op: str, value: str) -> list[str]:
    concept = cs.find(value)
    if concept is None:
        return []
    code = concept.code
    if op == "is-a":
        return [code, *cs.descendants(code)]
    if op == "descendent-of":
        return list(cs.descendants(code))
    if op == "generalizes":
        return [code, *cs.ancestors(code)]
    if op == "child-of":
        return list(concept.children)
    excluded = {code, *cs.descendants(code)}  # is-not-a
    return [c for c in cs.concepts if c not in excluded]


def filter_codes(cs: CodeSystemIndex, flt: Mapping[str, Any], expression: str) -> list[str]:
    """The codes (in code system order) that one filter selects; TerminologyError if it is malformed."""
    prop, op, value = flt.get("property"), flt.get("op"), flt.get("value")
    if not isinstance(prop, str) or not prop or not isinstance(op, str) or not op:
        raise messages.bad_filter("A filter needs a property and an op", expression)
    if not isinstance(value, str) or value == "":
        raise messages.filter_without_value(cs.url, prop, op, expression)
    if op not in KNOWN_OPS:
        raise messages.bad_filter(f"The filter operation '{op}' is not supported", expression)
    _check_property(cs, prop, expression)
    if prop in CODE_PROPERTIES:
        if op in HIERARCHY_OPS or op in ("is-not-a", "child-of"):
            return _hierarchy(cs, op, value)
        if op == "=":
            found = cs.find(value)
            return [found.code] if found else []
        if op in ("in", "not-in"):
            wanted = {c.code for c in (cs.find(v.strip()) for v in value.split(",")) if c is not None}
            return [c for c in cs.concepts if (c in wanted) == (op == "in")]
        if op == "regex":
            pattern = _compile(value, expression)
            return [c for c in budgeted(cs.concepts) if pattern.fullmatch(c)]
        raise messages.bad_filter(f"The filter operation '{op}' is not supported on '{prop}'", expression)
    if op in HIERARCHY_OPS or op in ("is-not-a", "child-of"):
        raise messages.bad_filter(f"The filter operation '{op}' is only supported on 'concept'", expression)
    if op == "exists":
        if value not in ("true", "false"):
            raise messages.bad_filter(f"The exists filter needs true or false, not '{value}'", expression)
        return [c.code for c in budgeted(cs) if bool(_property_texts(cs, c, prop)) == (value == "true")]
    if op == "regex":
        pattern = _compile(value, expression)
        return [c.code for c in budgeted(cs) if any(pattern.fullmatch(v) for v in _property_texts(cs, c, prop))]
    wanted = {v.strip() for v in value.split(",")} if op in ("in", "not-in") else {value}
    matches = [c.code for c in budgeted(cs) if wanted.intersection(_property_texts(cs, c, prop))]
    if op == "not-in":
        keep = set(matches)
        return [c for c in cs.concepts if c not in keep]
    return matches


def is_hierarchical(flt: Mapping[str, Any]) -> bool:
    """Whether a filter follows the code system hierarchy (its expansion may be nested)."""
    return flt.get("property") in CODE_PROPERTIES and flt.get("op") in HIERARCHY_OPS
