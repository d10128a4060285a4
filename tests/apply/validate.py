"""Validation of $apply output for the tests: the R5 models of fhir.resources (until the project's validator lands)."""

from __future__ import annotations

from typing import Any

from fhir.resources import get_fhir_model_class


def assert_valid_r5(resource: dict[str, Any]) -> None:
    """Raise (pydantic ValidationError) unless the resource is valid FHIR R5 by the fhir.resources models."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
