"""FHIRPath support: strict syntax checking on top of fhirpathpy (which silently accepts bad syntax)."""

from fhir_ldn.fhirpath.syntax import FhirPathSyntaxError, check_syntax

__all__ = ["FhirPathSyntaxError", "check_syntax"]
