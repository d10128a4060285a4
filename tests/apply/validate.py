"""Validation of $apply output for the tests: the project's validator (`fhir_ldn.validation`) over the package."""

from __future__ import annotations

from functools import cache
from typing import Any

from fhir_ldn.config import Settings
from fhir_ldn.package.loader import load_package
from fhir_ldn.validation.validator import Validator, package_validator


@cache
def _validator() -> Validator:
    """R5 core and extensions plus this package's profiles and terminology, compiled once per test session."""
    return package_validator(load_package(Settings()))


def assert_valid_r5(resource: dict[str, Any]) -> None:
    """Fail, listing the errors, unless the project's validator finds the resource valid FHIR R5."""
    result = _validator().validate_resource(resource)
    errors = [f"{i.expression}: {i.text}" for i in result.issues if i.severity in ("error", "fatal")]
    assert not errors, "\n".join(errors)
