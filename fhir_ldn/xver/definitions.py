"""The base definitions and element models of the R4B and R4 targets, from the FHIR package cache.

R4B: `hl7.fhir.r4b.core` 4.3.0 from the npm registry. R4: `hl7.fhir.r4.core` 4.0.1 has no version on the
registry, so `fhir_ldn.core_defs.spec_bundles` assembles it from the specification's 4.0.1 definitions bundles
(pinned by sha512); the validator (`fhir-ldn validate --fhir-version`) reads the same folders.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fhir_ldn.core_defs import CoreDefinitions, ensure_package, load_package_definitions
from fhir_ldn.formats.element_model import ElementModel, element_model
from fhir_ldn.xver.targets import FhirTarget


def ensure_target_core(target: FhirTarget) -> Path:
    """The target's core package folder, installed into the FHIR package cache if missing."""
    return ensure_package(*target.core_package)


@cache
def target_definitions(target: FhirTarget) -> CoreDefinitions:
    """The base definitions of R4B or R4 (for R5 use `load_core_definitions`)."""
    if target.is_r5:
        raise ValueError("the R5 definitions are fhir_ldn.core_defs.load_core_definitions()")
    return load_package_definitions(*target.core_package)


def target_model(target: FhirTarget) -> ElementModel:
    """The element model of R4B or R4 (built from its core package once, then read from the cache file)."""
    return element_model(target.version)
