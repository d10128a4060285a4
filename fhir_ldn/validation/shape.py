"""JSON shape of an element's values: arrays vs single values, objects vs primitives, JSON types, `_x` parts.

`items` turns the JSON of one child element into `Item`s (with their FHIRPath-style path and JSON pointer),
reporting what does not have the shape the definition requires, in the HL7 JSON parser's words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from fhir_ldn.validation.issues import Pointer, describe_json
from fhir_ldn.validation.model import Elem

if TYPE_CHECKING:
    from fhir_ldn.validation.structure import Walker

_NUMERIC = frozenset({"integer", "unsignedInt", "positiveInt", "decimal"})


class Item(NamedTuple):
    """One value of a child element found in the JSON."""

    value: Any
    ext: Any
    type: str
    key: str
    position: int | None  # index in the JSON array (None for a single value)
    path: str
    pointer: Pointer
    primitive: bool = False


def json_names(defn: Elem) -> dict[str, tuple[Elem, str, bool]]:
    """JSON property name -> (child element, type code, whether the type is primitive)."""
    if defn.json_index is not None:
        return defn.json_index
    registry = defn.registry
    index: dict[str, tuple[Elem, str, bool]] = {}
    for name, child in defn.child_map().items():
        if child.is_choice:
            for suffix, code in child.suffix_types.items():
                index[name + suffix] = (child, code, registry.is_primitive(code))
        else:
            code = next(iter(child.suffix_types.values()), "Element")
            index[name] = (child, code, registry.is_primitive(code))
    defn.json_index = index
    return index


def json_type_ok(walker: Walker, value: Any, fhir_type: str, path: str, pointer: Pointer) -> bool:
    if isinstance(value, dict | list):
        return False
    if fhir_type == "boolean":
        ok = isinstance(value, bool)
        kind = "boolean"
    elif fhir_type in _NUMERIC:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        kind = "number"
    else:
        ok = isinstance(value, str)
        kind = "string"
    if not ok and walker.xml and isinstance(value, str):
        return False  # the XML reader kept a value that does not fit its type as text, and reported it
    if not ok:
        walker.add(
            "error",
            "invalid",
            path,
            pointer,
            f"Error parsing JSON: the primitive value must be a {kind}",
            f"ERROR_PARSING_JSON_THE_PRIMITIVE_VALUE_MUST_BE_A_{kind.upper()}",
        )
    return ok


def items(
    walker: Walker, child: Elem, tcode: str, primitive: bool, key: str, main: Any, ext: Any, path: str, pointer: Pointer
) -> list[Item]:
    npath = f"{path}.{child.name}"
    suffix = f".ofType({tcode})" if child.is_choice else ""
    if child.is_array:
        if main is not None and not isinstance(main, list):
            text = f"The property {key} must be a JSON Array, not {describe_json(main)} (at {path})"
            walker.add("error", "invalid", npath, (*pointer, key), text, "THIS_PROPERTY_MUST_BE_AN_ARRAY_NOT_")
            main = [main]
        if ext is not None and not isinstance(ext, list):
            text = f"The property _{key} must be a JSON Array, not {describe_json(ext)} (at {path})"
            walker.add(
                "error", "invalid", npath, (*pointer, "_" + key), text, "THIS_BASE_PROPERTY_MUST_BE_AN_ARRAY_NOT_"
            )
            ext = [ext]
        mains = main or []
        exts = ext or []
        if (main is not None and not mains) or (ext is not None and not exts and main is None):
            text = "Array cannot be empty - the property should not be present if it has no values"
            walker.add("error", "invalid", npath, (*pointer, key), text, "ARRAY_CANNOT_BE_EMPTY")
        out = []
        for i in range(max(len(mains), len(exts))):
            m = mains[i] if i < len(mains) else None
            x = exts[i] if i < len(exts) else None
            ipath = f"{npath}[{i}]{suffix}"
            ipointer = pointer + ((key, i) if m is not None or x is None else ("_" + key, i))
            if m is None and x is None:
                null_value(walker, key, primitive, ipath, ipointer, path)
                continue
            if not shape_ok(walker, m, primitive, key, ipath, ipointer):
                continue
            out.append(Item(m, x, tcode, key, i, ipath, ipointer, primitive))
        return out
    ipath = npath + suffix
    ipointer = pointer + ((key,) if main is not None else ("_" + key,))
    if isinstance(main, list):
        kind = "a simple value" if primitive else "an Object"
        text = f"The property {key} must be {kind}, not an Array (at {path})"
        walker.add("error", "invalid", ipath, ipointer, text, "THIS_PROPERTY_MUST_BE__NOT_")
        return []
    if isinstance(ext, list):
        text = f"The property _{key} must be an Object, not an Array (at {path})"
        walker.add("error", "invalid", ipath, ipointer, text, "THIS_PROPERTY_MUST_BE_AN_OBJECT_NOT_")
        ext = None
    if not shape_ok(walker, main, primitive, key, ipath, ipointer):
        return []
    return [Item(main, ext, tcode, key, None, ipath, ipointer, primitive)]


def null_value(walker: Walker, key: str, primitive: bool, path: str, pointer: Pointer, parent: str) -> None:
    """A JSON null where a value belongs (nulls only align primitive arrays with their `_x` array)."""
    kind = "a simple value" if primitive else "an Object"
    text = f"The property {key} must be {kind}, not a Null (at {parent})"
    walker.add("error", "invalid", path, pointer, text, "THIS_PROPERTY_MUST_BE__NOT_")


def shape_ok(walker: Walker, value: Any, primitive: bool, key: str, path: str, pointer: Pointer) -> bool:
    if primitive:
        if isinstance(value, dict):
            text = f"The property {key} must be a simple value, not an Object (at {path})"
            walker.add("error", "invalid", path, pointer, text, "THIS_PROPERTY_MUST_BE_AN_SIMPLE_VALUE_NOT_")
            return False
        return True
    if not isinstance(value, dict):
        text = f"The property {key} must be an Object, not {describe_json(value)} (at {path})"
        walker.add("error", "invalid", path, pointer, text, "THIS_PROPERTY_MUST_BE__NOT_")
        return False
    return True
