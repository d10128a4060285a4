"""Check a FHIRPath expression's syntax with the project's own parser, reporting where it goes wrong."""

from __future__ import annotations

from fhir_ldn.fhirpath.parser import FhirPathParseError, parse


class FhirPathSyntaxError(ValueError):
    """The expression is not valid FHIRPath."""


def check_syntax(expression: str) -> None:
    """Raise FhirPathSyntaxError unless `expression` parses completely as FHIRPath."""
    try:
        parse(expression)
    except FhirPathParseError as exc:
        raise FhirPathSyntaxError(f"FHIRPath syntax error: {exc}") from exc
