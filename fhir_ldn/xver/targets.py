"""The FHIR versions the package is published in: R5 (authored) and the R4B and R4 conversions."""

from __future__ import annotations

from dataclasses import dataclass

from fhir_ldn.constants import CORE_PACKAGE, FHIR_VERSION, TERMINOLOGY_PACKAGE


@dataclass(frozen=True)
class FhirTarget:
    """One FHIR version the package is built for, and what its package.tgz depends on."""

    version: str  # "4.0.1"
    short: str  # the `fhirVersion` MIME parameter value: "4.0"
    label: str  # "R4"
    subdir: str  # where `fhir-ldn build` writes it under --out ("" for R5)
    core_package: tuple[str, str]
    terminology_package: tuple[str, str]

    @property
    def is_r5(self) -> bool:
        return self.version == FHIR_VERSION


R5 = FhirTarget(FHIR_VERSION, "5.0", "R5", "", (CORE_PACKAGE, FHIR_VERSION), TERMINOLOGY_PACKAGE)
# HL7 Terminology publishes one package for R4 and R4B (hl7.terminology.r4; there is no .r4b): 7.0.1, the release
# the R5 package uses, so every code system is the same (checked with `npm view hl7.terminology.r4@7.0.1`:
# fhirVersions 4.0.1).
R4B = FhirTarget("4.3.0", "4.3", "R4B", "r4b", ("hl7.fhir.r4b.core", "4.3.0"), ("hl7.terminology.r4", "7.0.1"))
R4 = FhirTarget("4.0.1", "4.0", "R4", "r4", ("hl7.fhir.r4.core", "4.0.1"), ("hl7.terminology.r4", "7.0.1"))
# The core packages the R4B and R4 builds (and /fhir in 4.3 and 4.0) read; `fhir-ldn setup` installs them.
CONVERTED_CORE_PACKAGES = (R4B.core_package, R4.core_package)

TARGETS: dict[str, FhirTarget] = {t.version: t for t in (R5, R4B, R4)}


def target_for(version: str) -> FhirTarget | None:
    """The target for a full version ("4.0.1") or a `fhirVersion` MIME parameter value ("4.0"); None if unknown."""
    for target in TARGETS.values():
        if version in (target.version, target.short):
            return target
    return None
