"""The public API is exactly `__all__` (copied from httpx's guard; ruff keeps it sorted)."""

import types

import fhir_ldn


def test_all_imports_are_exported() -> None:
    public = sorted(
        (m for m in vars(fhir_ldn) if not m.startswith("_") or m == "__version__"),
        key=str.casefold,
    )
    modules = {
        "apply",
        "capabilities",
        "cds",
        "cli",
        "config",
        "constants",
        "core_defs",
        "errors",
        "fhirpath",
        "formats",
        "jsonwalk",
        "outcome",
        "package",
        "search",
        "site",
        "terminology",
        "traceability",
    }
    submodules = {m for m in public if isinstance(getattr(fhir_ldn, m), types.ModuleType)}
    assert set(fhir_ldn.__all__) == set(public) - modules - submodules
