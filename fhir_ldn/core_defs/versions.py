"""The FHIR versions the validator knows (R5, R4B, R4): each one's core and extensions packages, and its names."""

from __future__ import annotations

from dataclasses import dataclass

from fhir_ldn.errors import UnknownFhirVersionError


@dataclass(frozen=True)
class FhirRelease:
    """One FHIR version and the packages that define it."""

    version: str  # "4.0.1"
    name: str  # "R4"
    core: tuple[str, str]  # (package name, version)
    extensions: tuple[str, str]

    @property
    def packages(self) -> tuple[tuple[str, str], ...]:
        return (self.core, self.extensions)


# The HL7 validator loads the `.r4` extensions package for R4 and R4B (there is no `.r4b` one on the registry).
_EXTENSIONS_R4 = ("hl7.fhir.uv.extensions.r4", "5.3.0-ballot-tc1")
RELEASES: dict[str, FhirRelease] = {
    "5.0.0": FhirRelease(
        "5.0.0", "R5", ("hl7.fhir.r5.core", "5.0.0"), ("hl7.fhir.uv.extensions.r5", "5.3.0-ballot-tc1")
    ),
    "4.3.0": FhirRelease("4.3.0", "R4B", ("hl7.fhir.r4b.core", "4.3.0"), _EXTENSIONS_R4),
    "4.0.1": FhirRelease("4.0.1", "R4", ("hl7.fhir.r4.core", "4.0.1"), _EXTENSIONS_R4),
}
DEFAULT_VERSION = "5.0.0"


def release_for(version: str) -> FhirRelease:
    """The release a version names: "4.0.1", "4.0" (major.minor, as the `fhirVersion` MIME parameter), "R4"."""
    wanted = version.strip()
    for release in RELEASES.values():
        if wanted in (release.version, release.name) or wanted.upper() == release.name:
            return release
        if wanted == release.version.rsplit(".", 1)[0] or wanted.startswith(release.version.rsplit(".", 1)[0] + "."):
            return release
    known = ", ".join(f"{r.version} ({r.name})" for r in RELEASES.values())
    raise UnknownFhirVersionError(f"FHIR version '{version}' is not supported; the validator knows {known}")


def known_release(version: object) -> FhirRelease | None:
    """The release a declared version (e.g. a package's `fhirVersions` entry) names, or None."""
    if not isinstance(version, str):
        return None
    try:
        return release_for(version)
    except UnknownFhirVersionError:
        return None
