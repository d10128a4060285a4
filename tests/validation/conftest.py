"""Validators shared by the validation tests (definitions are compiled once per test session)."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_ldn.package.index import Package
from fhir_ldn.validation.session import Session
from fhir_ldn.validation.validator import ValidationResult, Validator, default_source, package_validator


@pytest.fixture(scope="session")
def core_validator() -> Validator:
    """The R5 core and extensions packages only."""
    return Validator(Session(default_source()))


@pytest.fixture(scope="session")
def validator(package: Package) -> Validator:
    """The R5 core and extensions packages plus this package's profiles and terminology."""
    return package_validator(package)


def issues(result: ValidationResult, *severities: str) -> list[tuple[str, str, str | None, str]]:
    """(severity, code, expression, text) of the issues with these severities (all when none given)."""
    return [
        (i.severity, i.code, i.expression, i.text) for i in result.issues if not severities or i.severity in severities
    ]


def errors(result: ValidationResult) -> list[tuple[str, str | None, str]]:
    """(code, expression, text) of the errors and fatal issues."""
    return [(i.code, i.expression, i.text) for i in result.issues if i.severity in ("error", "fatal")]


def profile(type_name: str, url: str, elements: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A differential-only StructureDefinition constraining a core type."""
    return {
        "resourceType": "StructureDefinition",
        "url": url,
        "name": "TestProfile",
        "status": "draft",
        "kind": "resource"
        if type_name[:1].isupper() and type_name not in ("Extension", "Identifier")
        else "complex-type",
        "abstract": False,
        "type": type_name,
        "baseDefinition": f"http://hl7.org/fhir/StructureDefinition/{type_name}",
        "derivation": "constraint",
        "differential": {"element": elements},
        **extra,
    }
