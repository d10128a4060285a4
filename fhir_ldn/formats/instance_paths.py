"""Instance paths in two spellings: by JSON property (`Parameters.parameter[0].valueBoolean`, the keys of the
reader's locations) and as the HL7 validator writes expressions (`Parameters.parameter[0].value.ofType(boolean)`,
`List.contained[0]/*Basic/i1*/.code`)."""

from __future__ import annotations

import re
from typing import Any

from fhir_ldn.formats.element_model import ElementModel, Node

_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?")
_COMMENT = re.compile(r"/\*.*?\*/")
_OF_TYPE = re.compile(r"\.ofType\(([A-Za-z0-9]+)\)")


def _step(value: Any, name: str, index: int | None) -> Any:
    """The JSON value one segment further down, or None if it is not there."""
    if not isinstance(value, dict):
        return None
    found = value.get(name)
    if found is None:
        found = value.get("_" + name)  # a primitive with only an id or extensions
    if index is not None:
        return found[index] if isinstance(found, list) and index < len(found) else None
    return found


def hl7_expression(path: str, resource: dict[str, Any], model: ElementModel) -> str:
    """The HL7 validator's spelling of a JSON-property path into `resource` (unchanged where it is unknown)."""
    segments = path.split(".")
    node: Node | None = model.resource(segments[0])
    value: Any = resource
    out = [segments[0]]
    for segment in segments[1:]:
        match = _SEGMENT.fullmatch(segment)
        child = node.child(match.group(1)) if node is not None and match is not None else None
        if child is None or match is None:
            out.append(segment)
            node = None
            continue
        index = int(match.group(2)) if match.group(2) is not None else None
        text = f"{child.element}.ofType({child.choice_type})" if child.choice_type else child.name
        out.append(text + (f"[{index}]" if index is not None else ""))
        value = _step(value, child.name, index)
        if child.kind == "resource":
            type_name = value.get("resourceType") if isinstance(value, dict) else None
            node = model.resource(type_name) if isinstance(type_name, str) else None
            if node is not None:
                out[-1] += f"/*{type_name}/{value.get('id', 'null')}*/"
        else:
            node = model.nodes.get(child.type)
    return ".".join(out)


def json_path(expression: str) -> str:
    """A validator expression spelt by JSON property: comments dropped, `value.ofType(boolean)` -> `valueBoolean`."""
    return _OF_TYPE.sub(lambda m: m.group(1)[:1].upper() + m.group(1)[1:], _COMMENT.sub("", expression))


def location_of(locations: dict[str, tuple[int, int]], expression: str) -> tuple[int, int] | None:
    """The source (line, column) for an expression in either spelling, else that of the nearest enclosing element."""
    path = json_path(expression)
    while path:
        if path in locations:
            return locations[path]
        path = _parent(path)
    return None


def _parent(path: str) -> str:
    """`A.b[2]` -> `A.b`, `A.b` -> `A`, `A` -> ``."""
    if path.endswith("]"):
        return path[: path.rindex("[")]
    return path.rsplit(".", 1)[0] if "." in path else ""
