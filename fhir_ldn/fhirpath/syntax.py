"""Parse a FHIRPath expression with fhirpathpy's grammar and report syntax errors instead of ignoring them."""

from __future__ import annotations

from typing import Any

from antlr4 import CommonTokenStream, InputStream  # type: ignore[import-untyped]
from antlr4.error.ErrorListener import ErrorListener  # type: ignore[import-untyped]
from fhirpathpy.parser.generated.FHIRPathLexer import FHIRPathLexer
from fhirpathpy.parser.generated.FHIRPathParser import FHIRPathParser


class FhirPathSyntaxError(ValueError):
    """The expression is not valid FHIRPath."""


class _Raise(ErrorListener):  # type: ignore[misc]
    def syntaxError(self, recognizer: Any, offending: Any, line: int, column: int, msg: str, e: Any) -> None:
        raise FhirPathSyntaxError(f"FHIRPath syntax error at column {column + 1}: {msg}")


def check_syntax(expression: str) -> None:
    """Raise FhirPathSyntaxError unless `expression` parses completely as FHIRPath."""
    listener = _Raise()
    lexer = FHIRPathLexer(InputStream(expression))
    lexer.removeErrorListeners()
    lexer.addErrorListener(listener)
    parser = FHIRPathParser(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(listener)
    parser.entireExpression()  # type: ignore[no-untyped-call]
    if parser.getCurrentToken().type != -1:  # tokens left over: the expression did not parse to the end
        raise FhirPathSyntaxError(f"FHIRPath syntax error: unexpected '{parser.getCurrentToken().text}'")
