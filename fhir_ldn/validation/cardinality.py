"""Minimum and maximum cardinality of an element (or slice) against the number of values found."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fhir_ldn.validation.issues import Pointer, maximum, minimum
from fhir_ldn.validation.model import Elem

if TYPE_CHECKING:
    from fhir_ldn.validation.structure import Walker


def check(walker: Walker, elem: Elem, count: int, path: str, pointer: Pointer) -> None:
    """Report too few or too many values of `elem` under the element at `path`."""
    if count < elem.min:
        source = elem.structure.versioned_url
        walker.add(
            "error",
            "structure",
            path,
            pointer,
            minimum(elem.id, elem.min, count, source),
            "Validation_VAL_Profile_Minimum",
        )
    if elem.max >= 0 and count > elem.max:
        source = elem.structure.versioned_url
        walker.add(
            "error",
            "structure",
            path,
            pointer,
            maximum(elem.id, elem.max, count, source),
            "Validation_VAL_Profile_Maximum",
        )
