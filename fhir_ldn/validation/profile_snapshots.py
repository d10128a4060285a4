"""The snapshots of the package's differential-only profiles, generated from the R5 base for the package build."""

from __future__ import annotations

from typing import Any

from fhir_ldn.errors import PackageError
from fhir_ldn.package.index import Package
from fhir_ldn.validation.registry import StructureRegistry
from fhir_ldn.validation.validator import default_source

Snapshots = dict[str, list[dict[str, Any]]]


def package_snapshots(package: Package, *, install: bool = True) -> Snapshots:
    """StructureDefinition url -> the snapshot elements of each of the package's profiles that has none.

    Tools that do not generate snapshots themselves (many servers and SDKs) need them to use a profile, so
    package.tgz ships them (`fhir_ldn.package.build.build_artifacts(..., snapshots=...)`); the same generator gives
    the validator its profiles (it reproduces the elements, cardinalities and types of the R5 core's own constraint
    profiles' snapshots, 56 of 61: see tests/validation/test_snapshot.py). `install=False`: a
    DefinitionsUnavailableError when the R5 core or extensions package is not in the FHIR package cache.
    """
    profiles = [sd for sd in package.of_type("StructureDefinition") if not sd.get("snapshot")]
    if not profiles:
        return {}
    registry = StructureRegistry(default_source(list(package), install=install))
    snapshots: Snapshots = {}
    for sd in profiles:
        elements = registry.snapshot(sd)
        if not elements:
            raise PackageError(f"StructureDefinition/{sd['id']}: no snapshot could be generated")
        snapshots[sd["url"]] = elements
    return snapshots
