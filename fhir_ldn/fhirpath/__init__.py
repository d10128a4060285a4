"""FHIRPath: the project's own parser and compiled evaluator (compiler.py), and strict syntax checking."""

from fhir_ldn.fhirpath.syntax import FhirPathSyntaxError, check_syntax

__all__ = ["FhirPathSyntaxError", "check_syntax"]
