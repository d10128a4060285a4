"""Validation issues as the walker records them, and the HL7 validator's message texts and ids."""

from __future__ import annotations

from dataclasses import dataclass

Pointer = tuple[str | int, ...]


@dataclass(frozen=True)
class ValidationIssue:
    """One finding: FHIRPath-style `expression`, JSON `pointer` (for line/col), HL7 message id when known."""

    severity: str  # fatal | error | warning | information
    code: str  # OperationOutcome issue type
    text: str
    expression: str
    pointer: Pointer = ()
    message_id: str | None = None
    line: int | None = None
    column: int | None = None
    xml_path: str | None = None  # set for XML parse-level findings


def describe_json(value: object) -> str:
    """How the HL7 JSON parser names a JSON value in messages."""
    if isinstance(value, list):
        return "an Array"
    if isinstance(value, dict):
        return "an Object"
    if value is None:
        return "a Null"
    return "a Primitive property"


def unrecognized(name: str) -> str:
    return f"Unrecognized property '{name}'"


def minimum(element_id: str, minimum_count: int, found: int, source: str) -> str:
    return f"{element_id}: minimum required = {minimum_count}, but only found {found} (from {source})"


def maximum(element_id: str, maximum_count: int, found: int, source: str) -> str:
    return f"{element_id}: max allowed = {maximum_count}, but found {found} (from {source})"


def constraint_failed(key: str, human: str, source: str | None) -> str:
    text = f"Constraint failed: {key}: '{human}'"
    return f"{text} (defined in {source})" if source else text
