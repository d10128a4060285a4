"""Fixed and pattern values: exact equality (fixed) or "contains at least this" (pattern), with HL7 messages."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fhir_ldn.validation.issues import Pointer
from fhir_ldn.validation.jsonsource import lexical
from fhir_ldn.validation.model import Elem

if TYPE_CHECKING:
    from fhir_ldn.validation.structure import Walker


def _scalar_equal(a: Any, b: Any) -> bool:
    numeric = (int, Decimal, float)
    if isinstance(a, numeric) and isinstance(b, numeric) and not isinstance(a, bool) and not isinstance(b, bool):
        return Decimal(str(a)) == Decimal(str(b))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, str) != isinstance(b, str):
        return False  # a number and a string are different values, whatever they look like
    return lexical(a) == lexical(b)


def matches(instance: Any, expected: Any, is_pattern: bool) -> bool:
    """Whether an instance value equals (fixed) or contains (pattern) the expected value."""
    if isinstance(expected, dict):
        if not isinstance(instance, dict):
            return False
        for key, value in expected.items():
            if key not in instance or not matches(instance[key], value, is_pattern):
                return False
        if not is_pattern:
            return all(key in expected for key in instance if key != "fhir_comments")
        return True
    if isinstance(expected, list):
        if not isinstance(instance, list):
            return False
        if is_pattern:
            return all(any(matches(i, e, True) for i in instance) for e in expected)
        return len(instance) == len(expected) and all(
            matches(i, e, False) for i, e in zip(instance, expected, strict=True)
        )
    if isinstance(instance, dict | list):
        return False
    return _scalar_equal(instance, expected)


def check(walker: Walker, value: Any, ext: Any, elem: Elem, path: str, pointer: Pointer) -> None:
    """Report every difference between the value at `path` and the element's fixed/pattern value."""
    constraint = elem.fixed if elem.fixed is not None else elem.pattern
    if constraint is None:
        return
    is_pattern = elem.fixed is None
    profile = elem.structure.versioned_url
    where = f"{profile}#{elem.id}"
    _compare(walker, value, constraint[1], is_pattern, path, pointer, profile, where)


def _compare(
    walker: Walker,
    instance: Any,
    expected: Any,
    is_pattern: bool,
    path: str,
    pointer: Pointer,
    profile: str,
    where: str,
) -> None:
    kind = "pattern" if is_pattern else "fixed value"
    if isinstance(expected, dict):
        if not isinstance(instance, dict):
            return
        for key, value in expected.items():
            if key not in instance:
                text = f"Missing element '{key}' - required by fixed value assigned in profile {profile}"
                walker.add("error", "value", f"{path}.{key}", pointer, text, "Profile_VAL_MissingElement")
                continue
            sub = instance[key]
            if isinstance(value, list):
                items = sub if isinstance(sub, list) else [sub]
                if is_pattern:
                    for pattern_item in value:
                        if not any(matches(i, pattern_item, True) for i in items):
                            _compare(
                                walker,
                                items[0] if len(items) == 1 else {},
                                pattern_item,
                                True,
                                f"{path}.{key}",
                                pointer,
                                profile,
                                where,
                            )
                else:
                    for i, e in zip(items, value, strict=False):
                        _compare(walker, i, e, False, f"{path}.{key}", pointer, profile, where)
                    if len(items) != len(value):
                        text = f"Expected {len(value)} but found {len(items)} {key} elements"
                        walker.add("error", "value", f"{path}.{key}", pointer, text, "Fixed_Type_Checks_DT_Count")
            else:
                _compare(walker, sub, value, is_pattern, f"{path}.{key}", pointer, profile, where)
        if not is_pattern:
            for key in instance:
                if key not in expected and key != "fhir_comments" and not key.startswith("_"):
                    text = (
                        f"The element {key} is present in the instance but not allowed in the applicable {kind} "
                        "specified in profile"
                    )
                    walker.add("error", "value", f"{path}.{key}", pointer, text, "Profile_VAL_NotAllowed")
        return
    if isinstance(instance, dict | list):
        return
    if not _scalar_equal(instance, expected):
        text = f"Value is '{lexical(instance)}' but is fixed to '{lexical(expected)}' in the profile {where}"
        walker.add("error", "value", path, pointer, text, "_DT_Fixed_Wrong")
