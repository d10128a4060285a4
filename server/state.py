"""What the app builds once at start-up and shares with every request."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from fhir_ldn.config import Settings
from fhir_ldn.core_defs import installs_forbidden, load_core_definitions, package_cache_dir
from fhir_ldn.errors import DefinitionsUnavailableError, FhirLdnError
from fhir_ldn.package.build import build_artifacts
from fhir_ldn.package.bundles import collection_bundle, transaction_bundle
from fhir_ldn.package.index import Package
from fhir_ldn.package.loader import load_traceability
from fhir_ldn.terminology import TerminologyService
from fhir_ldn.validation.profile_snapshots import package_snapshots
from fhir_ldn.xver.targets import TARGETS, FhirTarget

log = logging.getLogger("fhir_ldn.server")

TERMINOLOGY_TYPES = ("CodeSystem", "ValueSet", "ConceptMap")
CORE_PREFIXES = ("http://hl7.org/fhir/", "http://terminology.hl7.org/")


def core_resolver(url: str) -> Mapping[str, Any] | None:
    """An R5 core CodeSystem/ValueSet/ConceptMap by url, if the core package is already in the package cache.

    Never installs anything at request time (`fhir-ldn setup` does that), so a request never waits on npm.
    """
    if not url.startswith(CORE_PREFIXES):
        return None
    if not (package_cache_dir() / "hl7.fhir.r5.core#5.0.0" / "package" / "package.json").is_file():
        return None
    try:
        return load_core_definitions().resource(url)
    except (FhirLdnError, OSError, ValueError) as exc:
        log.warning("R5 core definitions unavailable: %s", exc)
        return None


@dataclass(frozen=True)
class Downloads:
    """package.tgz and the Bundles in each FHIR version, built once at start-up from the FHIR package cache, and
    why a version could not be built (its core definitions are not installed): never built at request time."""

    built: Mapping[str, Mapping[str, bytes]]
    unavailable: Mapping[str, str]

    @classmethod
    def build(cls, package: Package) -> Downloads:
        """Every FHIR version's artifacts, as `fhir-ldn build` writes them; installs nothing (a version whose
        definitions are missing is recorded as unavailable)."""
        built: dict[str, Mapping[str, bytes]] = {}
        unavailable: dict[str, str] = {}
        with installs_forbidden():
            try:
                snapshots = package_snapshots(package, install=False)
            except FhirLdnError as exc:
                snapshots, unavailable["5.0.0"] = None, str(exc)
            for version, target in TARGETS.items():
                if target.is_r5 and snapshots is None:
                    continue
                try:
                    built[version] = build_artifacts(package, target, snapshots=snapshots)
                except (FhirLdnError, ValueError, OSError) as exc:  # e.g. a conversion rule failing: 503, not no start
                    unavailable[version] = str(exc)
        if unavailable:
            log.warning("downloads unavailable until 'fhir-ldn setup' has run: %s", unavailable)
        return cls(built, unavailable)

    def artifacts(self, target: FhirTarget) -> Mapping[str, bytes]:
        """The artifacts of a FHIR version; DefinitionsUnavailableError (503) if it could not be built at start-up."""
        found = self.built.get(target.version)
        if found is None:
            reason = self.unavailable.get(target.version, "not built")
            raise DefinitionsUnavailableError(
                f"the FHIR {target.short} downloads were not built when the service started ({reason}); "
                "restart it once 'fhir-ldn setup' has installed the FHIR packages"
            )
        return found


@dataclass
class AppState:
    """The loaded package and everything derived from it (built lazily, once)."""

    settings: Settings
    package: Package
    downloads: Downloads
    extras: dict[str, object] = field(default_factory=dict)
    _versions: dict[tuple[str, str], Any] = field(default_factory=dict)

    def _in_version(self, what: str, target: FhirTarget, build: Any) -> Any:
        key = (what, target.version)
        if key not in self._versions:  # two requests may build it at once: same result, the last one kept
            self._versions[key] = build()
        return self._versions[key]

    def package_in(self, target: FhirTarget) -> Package:
        """The package in a FHIR version (R5 as loaded; R4B and R4 converted once, on first use)."""
        if target.is_r5:
            return self.package
        from fhir_ldn.xver.package import convert_package

        package: Package = self._in_version("package", target, lambda: convert_package(self.package, target))
        return package

    def bundles_in(self, target: FhirTarget) -> dict[str, dict[str, Any]]:
        """The transaction and collection Bundles in a FHIR version, by Bundle.id."""
        if target.is_r5:
            return self.bundles
        package = self.package_in(target)

        def build() -> dict[str, dict[str, Any]]:
            return {b["id"]: b for b in (transaction_bundle(package), collection_bundle(package))}

        bundles: dict[str, dict[str, Any]] = self._in_version("bundles", target, build)
        return bundles

    @cached_property
    def traceability(self) -> dict[str, Any]:
        """docs/traceability.json (article claim -> resource), read once on first use."""
        return load_traceability(self.settings)

    @cached_property
    def terminology(self) -> TerminologyService:
        """The package's code systems, value sets and concept maps, with the R5 core ones behind them."""
        held = (r for r in self.package if r["resourceType"] in TERMINOLOGY_TYPES)
        return TerminologyService(held, fallback=core_resolver)

    @cached_property
    def bundles(self) -> dict[str, dict[str, Any]]:
        """The transaction and collection Bundles of the package, by Bundle.id."""
        built = (transaction_bundle(self.package), collection_bundle(self.package))
        return {b["id"]: b for b in built}
