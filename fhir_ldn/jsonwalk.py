"""Walk a FHIR JSON resource, yielding every value with its FHIRPath-style location."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def walk(node: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """Yield (path, key, value) for every object member below `node`, depth first.

    Array members get their index in the path (`Citation.contained[0].name[1]`).
    """
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{path}.{key}"
            if isinstance(value, list):
                for i, item in enumerate(value):
                    yield f"{child}[{i}]", key, item
                    yield from walk(item, f"{child}[{i}]")
            else:
                yield child, key, value
                yield from walk(value, child)


def map_strings(node: Any, fn: Any) -> Any:
    """A copy of `node` with `fn` applied to every string value (keys are kept)."""
    if isinstance(node, dict):
        return {k: map_strings(v, fn) for k, v in node.items()}
    if isinstance(node, list):
        return [map_strings(v, fn) for v in node]
    if isinstance(node, str):
        return fn(node)
    return node
