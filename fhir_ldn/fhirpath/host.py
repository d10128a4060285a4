"""FHIRPath over plain JSON data (the CDS rule's `%medications` facts, `$apply` variables) with the compiled engine.

`variables` turns JSON values into FHIRPath items (objects into nodes whose children are read from the JSON,
lists into collections); `MembershipEnvironment` answers `memberOf('url')` from a set of (system, code) pairs
per value set url; `plain` turns a result back into JSON values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from fhir_ldn.fhirpath.compiler import Context, Environment
from fhir_ldn.fhirpath.nodes import FNode, primitive_value
from fhir_ldn.fhirpath.values import Quantity, Temporal

Members = Callable[[str], frozenset[tuple[str, str]]]


class MembershipEnvironment(Environment):
    """`memberOf(url)` of a Coding or CodeableConcept (any of its codings) in the value set `members(url)` gives."""

    def __init__(self, members: Members):
        self._members = members

    def member_of(self, item: Any, value_set: str, ctx: Context) -> bool | None:
        data = item.v if isinstance(item, FNode) else item
        if not isinstance(data, dict):
            return False
        members = self._members(value_set)
        codings = data.get("coding") if "coding" in data else [data]
        return any(isinstance(c, dict) and (c.get("system"), c.get("code")) in members for c in codings or ())


def item(value: Any) -> Any:
    """One JSON value as a FHIRPath item: an object as a node (typed by its resourceType, if any)."""
    if isinstance(value, dict):
        rtype = value.get("resourceType")
        return FNode(value, None, rtype if isinstance(rtype, str) else "Element")
    if isinstance(value, float):
        return Decimal(str(value))
    return value


class Scope(dict[str, Any]):
    """%variables already turned into FHIRPath items (built once, evaluated by many expressions)."""


def variables(values: Mapping[str, Any]) -> Scope:
    """%variables from JSON values (a list is a collection; None is empty); a Scope is returned as it is."""
    if isinstance(values, Scope):
        return values
    out = Scope()
    for name, value in values.items():
        if isinstance(value, list | tuple):
            out[name] = [item(v) for v in value]
        else:
            out[name] = None if value is None else item(value)
    return out


def plain(result: list[Any]) -> list[Any]:
    """A result collection as JSON values: nodes as their JSON, dates and times as strings, quantities as
    `{value, unit}`; decimals stay Decimal (the JSON writers keep them exact)."""
    out: list[Any] = []
    for value in result:
        if isinstance(value, FNode):
            out.append(value.v if isinstance(value.v, dict | list) else _json_primitive(value))
        elif isinstance(value, Temporal):
            out.append(str(value))
        elif isinstance(value, Quantity):
            out.append({"value": value.value, "unit": value.unit} if value.unit else {"value": value.value})
        else:
            out.append(value)
    return out


def _json_primitive(node: FNode) -> Any:
    value = primitive_value(node)
    if isinstance(value, Temporal):
        return node.v  # as written
    return value
